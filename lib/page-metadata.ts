import { META_NAME_RE, PROPERTY_META_PREFIXES, REFUSED_META_NAMES } from './constants';
import { DjustError } from './errors';
import type { PageMetadataMessage } from './protocol';

/** A meta record as `pageMeta` takes it: `null` removes the tag. */
export type MetaInput = Record<string, string | number | null | undefined>;
/** Turns the title a view set into the one the document shows (title templates). */
export type TitleFormatter = (title: string | undefined) => string | undefined;

const TITLE_KEY = '\0title';

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

/** `property` for `og:*` / `twitter:*` names, else `name` — the rule the client uses too. */
export function metaAttrFor(name: string): 'property' | 'name' {
  return PROPERTY_META_PREFIXES.some((prefix) => name.startsWith(prefix)) ? 'property' : 'name';
}

/**
 * The side-channel state of one view: the current title and meta, what was set since the
 * last drain, and what the client is known to show. Sets are coalesced: several sets of one
 * key before a drain send only the last value, and a value equal to what the client already
 * has sends nothing.
 */
export class PageMetadata {
  #title: string | undefined;
  readonly #meta = new Map<string, string>();
  /** Keys set since the last drain, in first-set order; value = latest (null = remove). */
  readonly #pending = new Map<string, string | null>();
  /** What the client shows, per key (null = known absent). Missing = unknown. */
  readonly #client = new Map<string, string | null>();
  /** Set once when the view is created (title templates, default title). */
  formatTitle: TitleFormatter = (title) => title;

  get title(): string | undefined {
    return this.#title;
  }

  /** The title as the document shows it (after the title template). */
  get documentTitle(): string | undefined {
    return this.formatTitle(this.#title);
  }

  setTitle(value: unknown): void {
    if (value !== undefined && value !== null && typeof value !== 'string' && typeof value !== 'number') {
      throw new DjustError('DJUST_ERR_INVALID_META', `pageTitle must be a string, got ${typeof value}.`);
    }
    this.#title = value === undefined || value === null ? undefined : String(value);
    const shown = this.documentTitle;
    if (shown !== undefined) this.#pending.set(TITLE_KEY, shown);
  }

  /** Current meta as a fresh record (the `pageMeta` getter). */
  get meta(): Record<string, string> {
    return Object.fromEntries(this.#meta);
  }

  /** Merges a record into the meta: strings set, `null` removes, `undefined` is skipped. */
  setMeta(input: unknown): void {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      throw new DjustError(
        'DJUST_ERR_INVALID_META',
        'pageMeta takes a record of name → content, e.g. { description: "…", "og:title": "…" } (null removes a tag).',
      );
    }
    const entries = Object.entries(input as MetaInput);
    for (const [name, content] of entries) {
      assertMetaName(name);
      if (content !== undefined && content !== null && typeof content !== 'string' && typeof content !== 'number') {
        throw new DjustError('DJUST_ERR_INVALID_META', `pageMeta["${name}"] must be a string, a number or null, got ${typeof content}.`);
      }
    }
    for (const [name, content] of entries) {
      if (content === undefined) continue;
      if (content === null) {
        this.#meta.delete(name);
        this.#pending.set(name, null);
      } else {
        const text = String(content);
        this.#meta.set(name, text);
        this.#pending.set(name, text);
      }
    }
  }

  /**
   * Drops what is pending: the HTML render already shows the current values, so the
   * client now knows them.
   */
  markRendered(): void {
    this.#pending.clear();
    this.#client.clear();
    const shown = this.documentTitle;
    if (shown !== undefined) this.#client.set(TITLE_KEY, shown);
    for (const [name, content] of this.#meta) this.#client.set(name, content);
  }

  /** Forgets pending sets (a handler failed: its side effects are not sent). */
  discardPending(): void {
    this.#pending.clear();
  }

  /** Restores title and meta to an earlier snapshot (a handler failed). */
  snapshot(): () => void {
    const title = this.#title;
    const meta = new Map(this.#meta);
    return () => {
      this.#title = title;
      this.#meta.clear();
      for (const [k, v] of meta) this.#meta.set(k, v);
      this.#pending.clear();
    };
  }

  get hasPending(): boolean {
    return this.#pending.size > 0;
  }

  /** Moves pending sets into `out` as page_metadata messages, title first, then meta in set order. */
  drain(out: PageMetadataMessage[] | { push(m: PageMetadataMessage): unknown }): void {
    if (this.#pending.size === 0) return;
    const title = this.#pending.get(TITLE_KEY);
    if (title != null && this.#client.get(TITLE_KEY) !== title) {
      this.#client.set(TITLE_KEY, title);
      out.push({ type: 'page_metadata', action: 'title', value: title });
    }
    for (const [name, content] of this.#pending) {
      if (name === TITLE_KEY) continue;
      if (this.#client.get(name) === content) continue;
      this.#client.set(name, content);
      out.push(
        content === null
          ? { type: 'page_metadata', action: 'meta', name, remove: true }
          : { type: 'page_metadata', action: 'meta', name, content },
      );
    }
    this.#pending.clear();
  }
}
