import { RESOURCE_REL_RE } from '../contract/contract';
import { DjustError } from '../core/errors';
import type { PageMetadataMessage } from '../contract/protocol';

/** A meta record as `pageMeta` takes it: `null` removes the tag, `undefined` is skipped. */
export type MetaInput = Record<string, string | number | null | undefined>;
/** A link record as `pageLinks` takes it: rel → href; `null` removes the `<link>`. */
export type LinkInput = Record<string, string | null | undefined>;
/** Turns the title a view set into the one the document shows (title templates). */
export type TitleFormatter = (title: string | undefined) => string | undefined;

/** The meta attribute and resource-rel rules are shared with the client (contract.ts). */
export { metaAttrFor, RESOURCE_REL_RE } from '../contract/contract';

/** Meta names (and link rels): letters, digits and `_ . : -`, 1–128 characters. */
const META_NAME_RE = /^[A-Za-z0-9_.:-]{1,128}$/;

/** Names that match META_NAME_RE but would change how the document is interpreted. */
const REFUSED_META_NAMES: ReadonlySet<string> = new Set(['http-equiv', 'charset']);

/** The title as set (the formatter of a view created without its route's). One function for every view, not a closure each. */
const sameTitle: TitleFormatter = (title) => title;

/** Rels whose href may be a `data:image/…` URL. */
const ICON_REL_RE = /^(?:[a-z-]+-)?icon$/;
const SCHEME_RE = /^([A-Za-z][A-Za-z0-9+.-]*):/;
const DATA_IMAGE_RE = /^data:image\/(?:png|gif|jpeg|webp|avif|x-icon|vnd\.microsoft\.icon|svg\+xml)[;,]/i;
const MAX_HREF_LENGTH = 4096;

/** Pending/client-known keys: `m <name>` for meta, `l <rel>` for links (the title has fields of its own). */
const metaKey = (name: string) => `m ${name}`;
const linkKey = (rel: string) => `l ${rel}`;

/**
 * Throws unless `name` is a meta name we will write: `^[A-Za-z0-9_.:-]{1,128}$`, and never
 * `http-equiv` or `charset` (a developer mistake must not become header injection).
 */
export function assertMetaName(name: string): void {
  if (!META_NAME_RE.test(name) || REFUSED_META_NAMES.has(name.toLowerCase())) {
    throw new DjustError(
      'DJUST_ERR_INVALID_META',
      `pageMeta: ${JSON.stringify(name.slice(0, 140))} is not an allowed meta name. Use 1–128 of A-Z a-z 0-9 _ . : - ` +
        '(e.g. "description", "og:title"); http-equiv and charset are refused.',
    );
  }
}

/**
 * Throws unless `rel` may be managed by `pageLinks`: the meta-name characters, and not a
 * stylesheet or resource hint (those load resources; write them in the template).
 */
export function assertLinkRel(rel: string): void {
  if (!META_NAME_RE.test(rel)) {
    throw new DjustError('DJUST_ERR_INVALID_META', `pageLinks: ${JSON.stringify(rel.slice(0, 140))} is not an allowed rel. Use 1–128 of A-Z a-z 0-9 _ . : - (e.g. "canonical", "icon").`);
  }
  if (RESOURCE_REL_RE.test(rel)) {
    throw new DjustError('DJUST_ERR_INVALID_META', `pageLinks: rel "${rel}" is refused: stylesheets and resource hints (preload, prefetch, preconnect, prerender) load resources; write them in the template.`);
  }
}

/**
 * Throws unless `href` is safe for `<link rel>`: an http(s), protocol-relative,
 * root-relative or relative URL without whitespace or control characters (browsers drop
 * those, so `java\tscript:` would otherwise slip through), at most 4096 characters; a
 * `data:image/…` URL only for icon rels. `javascript:`, `vbscript:`, other `data:` and every
 * other scheme are refused.
 */
export function assertLinkHref(rel: string, href: string): void {
  const refuse = (rule: string) => new DjustError('DJUST_ERR_INVALID_META', `pageLinks["${rel}"]: ${JSON.stringify(href.slice(0, 80))} is refused: ${rule}.`);
  if (href.length === 0 || href.length > MAX_HREF_LENGTH || /[\u0000-\u0020\u007f]/.test(href)) {
    throw refuse(`an href must be 1–${MAX_HREF_LENGTH} characters without spaces or control characters (percent-encode them)`);
  }
  const scheme = SCHEME_RE.exec(href)?.[1]?.toLowerCase();
  if (scheme === undefined || scheme === 'http' || scheme === 'https') return;
  if (scheme === 'data' && ICON_REL_RE.test(rel) && DATA_IMAGE_RE.test(href)) return;
  throw refuse('only http(s), protocol-relative, root-relative and relative URLs are allowed (data:image/… only for icon rels); javascript:, vbscript:, data: and other schemes are refused');
}

function checkRecord(input: unknown, what: string, example: string): asserts input is Record<string, unknown> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new DjustError('DJUST_ERR_INVALID_META', `${what} takes a record, e.g. ${example} (null removes a tag).`);
  }
}

/**
 * The side-channel state of one view: the current title, meta and links, what was set
 * since the last drain, and what the client is known to show. Sets are coalesced: several
 * sets of one key before a drain send only the last value, and a value equal to what the
 * client already shows sends nothing.
 */
export class PageMetadata {
  #title: string | undefined;
  /** Allocated on the first set (most views keep no meta or links; this is per connection). */
  #meta: Map<string, string> | null = null;
  #links: Map<string, string> | null = null;
  /** The document title set since the last drain; undefined when none is pending. */
  #pendingTitle: string | undefined = undefined;
  /** The document title the client shows; undefined when unknown. */
  #clientTitle: string | undefined = undefined;
  /**
   * Meta and link keys set since the last drain, in first-set order; value = latest (null =
   * remove). Made on the first such set: the title, which most views set, lives in the fields
   * above, so an idle connection holds no Map here (~370 bytes each with their tables).
   */
  #pending: Map<string, string | null> | null = null;
  /** What the client shows, per meta/link key (null = known absent). Missing = unknown. Made on first use. */
  #client: Map<string, string | null> | null = null;
  /** Set once when the view is created (title templates, default title). */
  formatTitle: TitleFormatter = sameTitle;

  /** The title the view set (before the title template). */
  get title(): string | undefined {
    return this.#title;
  }

  /** The title as the document shows it (after the title template and default title). */
  get documentTitle(): string | undefined {
    const shown = this.formatTitle(this.#title);
    return typeof shown === 'string' ? shown : undefined;
  }

  setTitle(value: unknown): void {
    // Strings only: a number is refused rather than shown as "42", so a slip such as
    // `this.pageTitle = this.unread` fails loudly (pageMeta contents may be numbers; a title is text).
    if (value !== undefined && value !== null && typeof value !== 'string') {
      throw new DjustError('DJUST_ERR_INVALID_META', `pageTitle must be a string (or undefined/null for none), got ${typeof value === 'number' ? `the number ${value}; write it as text, e.g. \`Inbox (${value})\`` : typeof value}.`);
    }
    this.#title = value === undefined || value === null ? undefined : value;
    // No title at all shows as an empty one, as a page without <title> does.
    this.#pendingTitle = this.documentTitle ?? '';
  }

  /** Current meta as a fresh record (the `pageMeta` getter). */
  get meta(): Record<string, string> {
    return this.#meta === null ? {} : Object.fromEntries(this.#meta);
  }

  /** Current links, rel → href, as a fresh record (the `pageLinks` getter). */
  get links(): Record<string, string> {
    return this.#links === null ? {} : Object.fromEntries(this.#links);
  }

  /** Merges a record into the meta: strings and numbers set, `null` removes, `undefined` is skipped. */
  setMeta(input: unknown): void {
    checkRecord(input, 'pageMeta', '{ description: "…", "og:title": "…" }');
    const entries = Object.entries(input);
    for (const [name, content] of entries) {
      assertMetaName(name);
      if (content !== undefined && content !== null && typeof content !== 'string' && typeof content !== 'number') {
        throw new DjustError('DJUST_ERR_INVALID_META', `pageMeta["${name}"] must be a string, a number or null, got ${typeof content}.`);
      }
    }
    for (const [name, content] of entries) {
      if (content !== undefined) this.#put((this.#meta ??= new Map()), metaKey(name), name, content === null ? null : String(content as string | number));
    }
  }

  /** Merges a record into the links (rel → href): strings set, `null` removes, `undefined` is skipped. Rels are case-insensitive. */
  setLinks(input: unknown): void {
    checkRecord(input, 'pageLinks', '{ canonical: "https://example.com/store", icon: "/favicon.png" }');
    const entries = Object.entries(input).map(([rel, href]) => [rel.toLowerCase(), href] as const);
    for (const [rel, href] of entries) {
      assertLinkRel(rel);
      if (href === undefined || href === null) continue;
      if (typeof href !== 'string') throw new DjustError('DJUST_ERR_INVALID_META', `pageLinks["${rel}"] must be a string or null, got ${typeof href}.`);
      assertLinkHref(rel, href);
    }
    for (const [rel, href] of entries) {
      if (href !== undefined) this.#put((this.#links ??= new Map()), linkKey(rel), rel, href as string | null);
    }
  }

  #put(map: Map<string, string>, key: string, name: string, value: string | null): void {
    if (value === null) map.delete(name);
    else map.set(name, value);
    (this.#pending ??= new Map()).set(key, value);
  }

  /**
   * Drops what is pending: the HTML render already shows the current values, so the
   * client now knows them.
   */
  markRendered(): void {
    this.#pendingTitle = undefined;
    this.#pending?.clear();
    this.#client?.clear();
    this.#clientTitle = this.documentTitle ?? '';
    if (this.#meta?.size) {
      const client = (this.#client ??= new Map());
      for (const [name, content] of this.#meta) client.set(metaKey(name), content);
    }
    if (this.#links?.size) {
      const client = (this.#client ??= new Map());
      for (const [rel, href] of this.#links) client.set(linkKey(rel), href);
    }
  }

  /**
   * Forgets what the client is known to show (it restored a history entry's head by
   * itself): the next sets are sent even when equal to what was sent before.
   */
  forgetClient(): void {
    this.#clientTitle = undefined;
    this.#client?.clear();
  }

  /**
   * Hand-over from the view this one replaced on the connection (`pushNavigate`): the client
   * shows `previous`'s head, so the next drain sends this view's whole head — its document
   * title (after the title template and default title), every meta tag and link — and removes
   * the meta tags and links `previous` had shown (or set) that this view does not have.
   */
  takeOver(previous: PageMetadata): void {
    this.#clientTitle = undefined;
    this.#client?.clear();
    this.#pendingTitle = this.documentTitle ?? '';
    const pending = (this.#pending ??= new Map());
    if (this.#meta) for (const [name, content] of this.#meta) pending.set(metaKey(name), content);
    if (this.#links) for (const [rel, href] of this.#links) pending.set(linkKey(rel), href);
    const shown = new Set<string>();
    if (previous.#client) for (const [key, value] of previous.#client) if (value !== null) shown.add(key);
    if (previous.#meta) for (const name of previous.#meta.keys()) shown.add(metaKey(name));
    if (previous.#links) for (const rel of previous.#links.keys()) shown.add(linkKey(rel));
    for (const key of shown) {
      const has = key[0] === 'm' ? this.#meta?.has(key.slice(2)) : this.#links?.has(key.slice(2));
      if (!has) pending.set(key, null);
    }
  }

  /** Returns a function that restores title, meta and links to now and drops pending sets (a handler failed). */
  snapshot(): () => void {
    const title = this.#title;
    // Copies only what is there (most views keep no meta or links; this runs per event).
    const meta = this.#meta === null || this.#meta.size === 0 ? null : new Map(this.#meta);
    const links = this.#links === null || this.#links.size === 0 ? null : new Map(this.#links);
    return () => {
      this.#title = title;
      this.#meta = meta;
      this.#links = links;
      this.#pendingTitle = undefined;
      this.#pending?.clear();
    };
  }

  /**
   * Moves pending sets that change what the client shows into `out` as page_metadata
   * messages: title first, then meta and links in first-set order.
   */
  drain(out: { push(m: PageMetadataMessage): unknown }): void {
    const title = this.#pendingTitle;
    if (title !== undefined) {
      if (this.#clientTitle !== title) out.push({ type: 'page_metadata', action: 'title', value: title });
      this.#clientTitle = title;
      this.#pendingTitle = undefined;
    }
    const pending = this.#pending;
    if (pending === null || pending.size === 0) return;
    const client = (this.#client ??= new Map());
    for (const [key, value] of pending) {
      if (client.get(key) === value) continue;
      const name = key.slice(2);
      if (key[0] === 'm') {
        out.push(value === null ? { type: 'page_metadata', action: 'meta', name, remove: true } : { type: 'page_metadata', action: 'meta', name, content: value });
      } else {
        out.push(value === null ? { type: 'page_metadata', action: 'link', rel: name, remove: true } : { type: 'page_metadata', action: 'link', rel: name, href: value });
      }
    }
    for (const [key, value] of pending) client.set(key, value);
    pending.clear();
  }
}
