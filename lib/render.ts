import type nunjucks from 'nunjucks';
import { ROOT_ATTR } from './constants';
import { DjustError } from './errors';
import { candidatePlans, type BlockPlan, type Wrapper } from './block-render';
import { findRegion, findRegionAgain, ownCopy, type RegionBounds } from './html';
import { HOOKS_KEY, type PageHooks } from './environment';
import { LiveView, viewInternals, type LiveViewClass } from './live-view';

const defaultContextData = LiveView.prototype.getContextData;

/**
 * Template context of a view: its fields (or what an overridden `getContextData()` returns),
 * then page_title (as the document shows it, after the title template) / page_meta /
 * page_links (and camelCase twins), flash — the same keys `{...data, page_title, …}` gives.
 * Built by copying own keys in a loop: an object spread with a computed key sends V8 down a
 * slow path (~6 µs here vs ~0.2 µs), and the default `getContextData()` copy is skipped.
 */
function contextOf(view: LiveView, hooks: PageHooks | null): Record<string, unknown> {
  const internals = viewInternals(view);
  const data = view.getContextData === defaultContextData ? (view as object as Record<string, unknown>) : view.getContextData();
  const context: Record<string, unknown> = {};
  const keys = Object.keys(data);
  for (let i = 0; i < keys.length; i += 1) {
    const key = keys[i] as string;
    context[key] = data[key];
  }
  const title = internals.metadata.documentTitle;
  const meta = internals.metadata.meta;
  const links = internals.metadata.links;
  context.page_title = title;
  context.page_meta = meta;
  context.page_links = links;
  context.pageTitle = title;
  context.pageMeta = meta;
  context.pageLinks = links;
  context.flash = internals.flash.current;
  context[HOOKS_KEY] = hooks;
  return context;
}

/** Renders views with one Nunjucks environment. */
export class Renderer {
  readonly env: nunjucks.Environment;
  /** Per live view: the page text after its region at the last render (see findRegionAgain). */
  readonly #suffixes = new WeakMap<LiveView, string>();
  /** Per live view: the tag name of its dj-root element (tells the diff how a browser parses the region). */
  readonly #rootTags = new WeakMap<LiveView, string>();
  /** Per template: the block its live renders render (null: the whole page); absent until its first live render. */
  readonly #plans = new Map<string, BlockPlan | null>();
  /** Per view class: the last region and suffix rendered, handed out again when equal. */
  readonly #shared = new WeakMap<LiveViewClass, { region: string; suffix: string }>();

  constructor(env: nunjucks.Environment) {
    this.env = env;
  }

  #render(view: LiveView, context: Record<string, unknown>, plan?: BlockPlan): string {
    const viewClass = view.constructor as LiveViewClass;
    try {
      return plan ? plan.template.render(context) : this.env.render(viewClass.template, context);
    } catch (cause) {
      throw new DjustError('DJUST_ERR_TEMPLATE', `${viewClass.name}: rendering "${viewClass.template}" failed: ${(cause as Error).message}`, { cause });
    }
  }

  /**
   * Decides, on a template's first live render (`page`, with region `bounds`), whether its
   * live renders can render one block instead of the page (lib/block-render.ts): the block
   * plan whose output appears verbatim in the page around the region, or null.
   */
  #decide(template: string, context: Record<string, unknown>, page: string, bounds: RegionBounds): void {
    let chosen: BlockPlan | null = null;
    const region = page.slice(bounds.start, bounds.end);
    for (const { plan, html } of candidatePlans(this.env, template, context)) {
      const at = page.indexOf(html);
      const fits = plan.wrapper
        ? region === plan.wrapper.before + html + plan.wrapper.after
        : at !== -1 && at <= bounds.tagStart && bounds.end <= at + html.length;
      if (fits) {
        chosen = plan;
        break;
      }
    }
    this.#plans.set(template, chosen);
  }

  /** The full page for the HTTP response. */
  renderPage(view: LiveView, scripts: () => string): string {
    const html = this.#render(view, contextOf(view, { scripts }));
    if (!findRegion(html)) throw this.#noRoot(view);
    return html;
  }

  /**
   * The inner HTML of the live region, for the live connection. Connections of one view class
   * that show the same region (fresh mounts, a broadcast everyone renders alike) get the same
   * string, and so do their page suffixes: idle connections do not each keep a copy.
   */
  renderRegion(view: LiveView): string {
    const template = (view.constructor as LiveViewClass).template;
    const plan = this.#plans.get(template);
    const context = contextOf(view, null);
    const html = this.#render(view, context, plan ?? undefined);
    const shared = this.#sharedOf(view.constructor as LiveViewClass);
    const region = plan?.wrapper ? this.#wrapped(view, plan.wrapper, html) : this.#cut(view, html, shared, plan === undefined ? context : null);
    if (region === shared.region) return shared.region;
    return (shared.region = ownCopy(region));
  }

  /** The region of a block that is the region's whole content (see Wrapper). */
  #wrapped(view: LiveView, wrapper: Wrapper, html: string): string {
    if (!this.#rootTags.has(view)) this.#rootTags.set(view, wrapper.rootTag);
    return wrapper.before + html + wrapper.after;
  }

  /** The region cut out of a page or block render; `deciding`: the context of a first live render, to decide the template's plan. */
  #cut(view: LiveView, html: string, shared: { suffix: string }, deciding: Record<string, unknown> | null): string {
    const known = this.#suffixes.get(view);
    const found = findRegionAgain(html, known);
    if (!found) throw this.#noRoot(view);
    if (deciding) this.#decide((view.constructor as LiveViewClass).template, deciding, html, found.bounds);
    if (known === undefined) this.#rootTags.set(view, /^<([A-Za-z][^\s/>]*)/.exec(html.slice(found.bounds.tagStart, found.bounds.tagStart + 64))?.[1] ?? '');
    if (found.suffix !== known) {
      if (found.suffix === shared.suffix) found.suffix = shared.suffix;
      else shared.suffix = found.suffix;
      this.#suffixes.set(view, found.suffix);
    }
    return html.slice(found.bounds.start, found.bounds.end);
  }

  #sharedOf(viewClass: LiveViewClass): { region: string; suffix: string } {
    let shared = this.#shared.get(viewClass);
    if (!shared) this.#shared.set(viewClass, (shared = { region: '', suffix: '' }));
    return shared;
  }

  /** Tag name of the view's dj-root element, as of its last `renderRegion` ('' before). */
  rootTagOf(view: LiveView): string {
    return this.#rootTags.get(view) ?? '';
  }

  #noRoot(view: LiveView): DjustError {
    const viewClass = view.constructor as LiveViewClass;
    return new DjustError(
      'DJUST_ERR_TEMPLATE',
      `${viewClass.name}: template "${viewClass.template}" has no element with the ${ROOT_ATTR} attribute; wrap the live part of the page in <div ${ROOT_ATTR}>…</div>.`,
    );
  }
}
