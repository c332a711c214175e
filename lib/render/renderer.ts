import type { Environment } from 'nunjucks';
import { ROOT_ATTR } from '../contract/contract';
import { DjustError } from '../core/errors';
import { candidatePlans, type BlockPlan, type Wrapper } from './block-render';
import { renderTemplate } from './fast-render';
import { findRegion, findRegionAgain, ownCopy, regionPrefix, type RegionBounds } from './html';
import { HOOKS_KEY, type PageHooks } from './nunjucks';

/** What the renderer needs to know of a view: its template, and a name for error messages. */
export interface RenderTarget {
  readonly template: string;
  /** The view class name, e.g. `InboxView`. */
  readonly name: string;
}

/**
 * Per live connection: where its region was found at the last render. `suffix` is the page
 * text after the region (see findRegionAgain); `rootTag` the dj-root element's tag name ('' until
 * the first region render), which tells the diff how a browser parses the region.
 */
export interface RegionSlot {
  suffix: string | undefined;
  rootTag: string;
}

/** What a template's first live render tells about how it is written (development only). */
export interface TemplateNotices {
  /** No `{% block %}` holds its dj-root: each event re-renders the whole page. */
  wholePage(template: string): void;
  /** An element carries `dj-key` without a key binding: `tag` is its opening tag. */
  strayKey(template: string, tag: string): void;
}

/**
 * The first opening tag in `html` with a `dj-key` attribute but no key binding
 * (`dj-keydown`, `dj-keyup`, `dj-window-keydown`, `dj-window-keyup`), or null. `dj-key` is the
 * keyboard filter; the diff keys elements by `id`.
 */
export function strayKeyElement(html: string): string | null {
  for (const match of html.matchAll(/<[A-Za-z][^\s/>]*\s[^>]*?\bdj-key\s*=[^>]*>/g)) {
    if (!/\bdj-(?:window-)?key(?:down|up)\s*=/.test(match[0])) return match[0].length > 120 ? `${match[0].slice(0, 117)}...` : match[0];
  }
  return null;
}

/** Template keys holding the page head (lib/view/live-view.ts templateContext); the side channel keeps them current. */
const HEAD_VALUES = ['page_title', 'pageTitle', 'page_meta', 'pageMeta', 'page_links', 'pageLinks'] as const;

/**
 * Renders templates with one Nunjucks environment: the whole page for the HTTP response, or
 * only the live region for a connection. Takes plain data — a template name and a context —
 * and knows nothing of views.
 */
export class Renderer {
  readonly env: Environment;
  /**
   * Values every render sees unless the context has its own of that name: the Express app's
   * `app.locals` (the middleware hands the object over on its first request; later changes to
   * it show).
   */
  locals: Readonly<Record<string, unknown>> = {};
  readonly #debug: (message: string) => void;
  /** Per template: the block its live renders render (null: the whole page); absent until its first live render. */
  readonly #plans = new Map<string, BlockPlan | null>();
  /**
   * Per template: the last region, suffix and root tag rendered, handed out again when equal;
   * and the text before the region (`regionPrefix`, '' until known), which locates the region of the
   * next render that starts with it by two string compares.
   */
  readonly #shared = new Map<string, Shared>();

  /** Told, once per template, what its first live render shows about how it is written (development: lib/render/development.ts). */
  readonly #notices: TemplateNotices | undefined;

  /**
   * `debug` hears why a template's live renders render the whole page rather than one block;
   * `notices` hears which templates do because of how they are written (not because
   * templates reload in development), and of a `dj-key` that is not a keyboard filter.
   */
  constructor(env: Environment, debug: (message: string) => void = () => {}, notices?: TemplateNotices) {
    this.env = env;
    this.#debug = debug;
    this.#notices = notices;
  }

  /** Forgets every template's block plan and shared strings (its source changed: lib/live-reload.ts). */
  forgetTemplates(): void {
    this.#plans.clear();
    this.#shared.clear();
  }

  /** `owned`: `context` is this render's alone (nobody reads it after), see renderTemplate. */
  #render(target: RenderTarget, context: Record<string, unknown>, plan?: BlockPlan, owned = false): string {
    const { locals } = this;
    for (const key of Object.keys(locals)) if (!Object.hasOwn(context, key)) context[key] = locals[key];
    try {
      return renderTemplate(plan ? plan.template : this.env.getTemplate(target.template), context, owned);
    } catch (cause) {
      throw new DjustError('DJUST_ERR_TEMPLATE', `${target.name}: rendering "${target.template}" failed: ${(cause as Error).message}`, { cause });
    }
  }

  /**
   * Decides, on a template's first live render (`page`, with region `bounds`), whether its
   * live renders can render one block instead of the page (lib/render/block-render.ts): the block
   * plan whose output appears verbatim in the page around the region, or null.
   */
  #decide(template: string, context: Record<string, unknown>, page: string, bounds: RegionBounds): void {
    let chosen: BlockPlan | null = null;
    const region = page.slice(bounds.start, bounds.end);
    for (const { plan, html } of candidatePlans(this.env, template, context, this.#debug)) {
      const at = page.indexOf(html);
      const fits = plan.wrapper
        ? region === plan.wrapper.before + html + plan.wrapper.after
        : at !== -1 && at <= bounds.tagStart && bounds.end <= at + html.length;
      if (fits) {
        chosen = plan;
        break;
      }
    }
    if (chosen === null) {
      this.#debug(`djust-lite: live renders of "${template}" render the whole page (no {% block %} holding dj-root renders alone to the same region).`);
      this.#notices?.wholePage(template);
    }
    if (this.#notices) {
      const stray = strayKeyElement(page.slice(bounds.start, bounds.end));
      if (stray !== null) this.#notices.strayKey(template, stray);
    }
    // While templates reload (noCache), a plan would hold the old source: the whole page it is.
    const reloading = (this.env as unknown as { opts: { noCache?: boolean } }).opts.noCache === true;
    this.#plans.set(template, reloading ? null : chosen);
  }

  /** The full page for the HTTP response; `scripts()` is what `{% djust_scripts %}` renders. */
  renderPage(target: RenderTarget, context: Record<string, unknown>, scripts: () => string): string {
    const hooks: PageHooks = { scripts };
    context[HOOKS_KEY] = hooks;
    const html = this.#render(target, context);
    if (!findRegion(html)) throw noRoot(target);
    return html;
  }

  /**
   * The page around the live region: the whole page `target` renders with `context`, as on a
   * live connection (`{% djust_head %}` and `{% djust_scripts %}` render nothing, the flash
   * container is empty), without the region's content. Two views whose pages give the same
   * string share the layout, so a connection can swap one's region for the other's
   * (`pushNavigate`) and the page stays right. The head values (`page_title`, `page_meta`,
   * `page_links` and their camelCase twins) render empty: a layout that writes
   * `<title>{{ page_title }}</title>` itself is shared as one with `{% djust_head %}` is — the
   * side channel brings the new view's head either way.
   */
  renderLayout(target: RenderTarget, context: Record<string, unknown>): string {
    context[HOOKS_KEY] = null;
    context.flash = {};
    for (const key of HEAD_VALUES) context[key] = key.endsWith('itle') ? '' : {};
    const html = this.#render(target, context);
    const bounds = findRegion(html);
    if (!bounds) throw noRoot(target);
    return html.slice(0, bounds.start) + html.slice(bounds.end);
  }

  /**
   * The inner HTML of the live region, for a live connection whose last render `slot`
   * describes. Connections of one template that show the same region (fresh mounts, a
   * broadcast everyone renders alike) get the same string, and so do their page suffixes:
   * idle connections do not each keep a copy. `context` is this render's own: the render
   * writes into it (as renderPage does) and nothing should read it afterwards.
   */
  renderRegion(target: RenderTarget, context: Record<string, unknown>, slot: RegionSlot): string {
    const { template } = target;
    const plan = this.#plans.get(template);
    context[HOOKS_KEY] = null;
    // once the plan is decided, nothing reads the context after the render
    const html = this.#render(target, context, plan ?? undefined, plan !== undefined);
    const shared = this.#sharedOf(template);
    const region = plan?.wrapper ? wrapped(slot, plan.wrapper, html) : this.#cut(target, slot, html, shared, plan === undefined ? context : null);
    if (region === shared.region) return shared.region;
    return (shared.region = ownCopy(region));
  }

  /** The region cut out of a page or block render; `deciding`: the context of a first live render, to decide the template's plan. */
  #cut(target: RenderTarget, slot: RegionSlot, html: string, shared: Shared, deciding: Record<string, unknown> | null): string {
    const known = slot.suffix;
    // A re-render around the same text: the region is what lies between (see regionPrefix).
    if (known !== undefined && shared.prefix !== '' && deciding === null) {
      const end = html.length - known.length;
      // endsWith/startsWith as searches anchored at one place (V8's startsWith compares
      // character by character: ~0.1 µs for a 30-character prefix, a native search ~0.03)
      if (end >= shared.prefix.length && html.indexOf(known, end) === end && html.lastIndexOf(shared.prefix, 0) === 0) return html.slice(shared.prefix.length, end);
      shared.prefix = '';
      shared.misses += 1;
    }
    const found = findRegionAgain(html, known);
    if (!found) throw noRoot(target);
    if (deciding) this.#decide(target.template, deciding, html, found.bounds);
    if (known === undefined) {
      // the template's string when it is the same tag: idle connections do not each keep a copy
      const tag = /^<([A-Za-z][^\s/>]*)/.exec(html.slice(found.bounds.tagStart, found.bounds.tagStart + 64))?.[1] ?? '';
      slot.rootTag = tag === shared.rootTag ? shared.rootTag : (shared.rootTag = tag);
    }
    if (found.suffix !== known) {
      if (found.suffix === shared.suffix) found.suffix = shared.suffix;
      else shared.suffix = found.suffix;
      slot.suffix = found.suffix;
    }
    // A page whose text before the region keeps changing stops being tried (MAX_PREFIX_MISSES).
    if (shared.prefix === '' && shared.misses < MAX_PREFIX_MISSES) shared.prefix = regionPrefix(html, found.bounds) ?? '';
    return html.slice(found.bounds.start, found.bounds.end);
  }

  #sharedOf(template: string): Shared {
    let shared = this.#shared.get(template);
    if (!shared) this.#shared.set(template, (shared = { region: '', suffix: '', rootTag: '', prefix: '', misses: 0 }));
    return shared;
  }
}

/** What the live renders of one template share (see Renderer's `#shared`). */
interface Shared {
  region: string;
  suffix: string;
  /** The dj-root element's tag name, one string for all the template's connections ('' until known). */
  rootTag: string;
  prefix: string;
  /** Renders that did not start with the known prefix. */
  misses: number;
}

/** Renders of one template that may miss its region prefix before it is no longer looked for (each miss costs a scan for the next). */
const MAX_PREFIX_MISSES = 16;

/** The region of a block that is the region's whole content (see Wrapper). */
function wrapped(slot: RegionSlot, wrapper: Wrapper, html: string): string {
  if (slot.rootTag === '') slot.rootTag = wrapper.rootTag;
  return wrapper.before + html + wrapper.after;
}

function noRoot(target: RenderTarget): DjustError {
  return new DjustError(
    'DJUST_ERR_TEMPLATE',
    `${target.name}: template "${target.template}" has no element with the ${ROOT_ATTR} attribute; wrap the live part of the page in <div ${ROOT_ATTR}>…</div>.`,
  );
}
