import type { IncomingMessage } from 'node:http';
import { DjustError } from './errors';
import { Flash } from './flash';
import { PageMetadata, type MetaInput } from './page-metadata';
import type { EventParams, JsonValue } from './protocol';

/** What `mount` receives. */
export interface MountContext {
  /** Express path params of the route, e.g. `{ id: '42' }` for `/store/:id`. */
  params: Record<string, string>;
  /** Query string values of the page URL. */
  query: Record<string, string | string[]>;
  /** Path + query of the page URL. */
  url: string;
  /** What the `session` option returned on the HTTP render, carried in the signed token. */
  session?: JsonValue;
  /** false on the HTTP render, true once the browser is connected. */
  connected: boolean;
  /** The HTTP request: only on the HTTP render (`connected: false`). */
  req?: IncomingMessage;
}

/** The connection's services a connected view calls into (set by the dispatcher). */
export interface ViewHost {
  subscribe(topic: string): void;
  unsubscribe(topic: string): void;
  sendAfter(message: unknown, ms: number): () => void;
}

/** Per-view state kept out of the template context (private to djust-lite). */
export class ViewInternals {
  readonly metadata = new PageMetadata();
  readonly flash = new Flash();
  host: ViewHost | null = null;
}

let internalsOf: (view: LiveView) => ViewInternals;

/**
 * Base class of every live view. Subclass it, set `static template`, give it fields (they are
 * the template context), a `mount`, and `@eventHandler()` methods the browser may call.
 *
 * @example
 * class InboxView extends LiveView {
 *   static template = 'inbox.njk';
 *   unread = 0;
 *   mount() { this.pageTitle = 'Inbox'; }
 *   @eventHandler() receive() { this.unread += 1; this.pageTitle = `Inbox (${this.unread})`; }
 * }
 */
export class LiveView {
  /** Nunjucks template name, resolved against the `views` option. Required. */
  static template: string;
  /** Per-view title template: `'%s | Store'` or a function; overrides the `titleTemplate` option. */
  static titleTemplate?: string | ((title: string | undefined) => string | undefined);

  readonly #internals = new ViewInternals();

  static {
    internalsOf = (view) => view.#internals;
  }

  /** The document title. Setting it sends `{type:"page_metadata",action:"title"}` after the handler's response. */
  get pageTitle(): string | undefined {
    return this.#internals.metadata.title;
  }
  set pageTitle(value: string | undefined) {
    this.#internals.metadata.setTitle(value);
  }

  /**
   * The page's meta tags. Setting merges: each key sends one `meta` message; `null` removes
   * the tag. `og:*` and `twitter:*` become `<meta property>`, others `<meta name>`.
   */
  get pageMeta(): Record<string, string> {
    return this.#internals.metadata.meta;
  }
  set pageMeta(value: MetaInput) {
    this.#internals.metadata.setMeta(value);
  }

  /** Shows a flash message (`#dj-flash-container`) after the handler's response. */
  putFlash(level: string, message: string): void {
    this.#internals.flash.put(level, message);
  }

  /** Clears the flash of one level, or all of them. */
  clearFlash(level?: string): void {
    this.#internals.flash.clear(level);
  }

  /** Flash messages shown now, level → message (also in the template context as `flash`). */
  get flash(): Record<string, string> {
    return this.#internals.flash.current;
  }

  /** Receives `live.broadcast(topic, msg)` for subscribed topics. Connected views only. */
  subscribe(topic: string): void {
    this.#host('subscribe').subscribe(topic);
  }

  unsubscribe(topic: string): void {
    this.#host('unsubscribe').unsubscribe(topic);
  }

  /** Delivers `message` to `handleInfo` after `ms`. Returns a function that cancels it. */
  sendAfter(message: unknown, ms: number): () => void {
    return this.#host('sendAfter').sendAfter(message, ms);
  }

  /** True once the view runs on a live connection (false during the HTTP render). */
  get connected(): boolean {
    return this.#internals.host !== null;
  }

  #host(method: string): ViewHost {
    const host = this.#internals.host;
    if (!host) {
      throw new DjustError(
        'DJUST_ERR_NOT_CONNECTED',
        `${method}() needs a live connection; call it only when ctx.connected is true (mount runs once for the HTTP render too).`,
      );
    }
    return host;
  }

  /** The template context. Default: every own enumerable field. Override to shape it. */
  getContextData(): Record<string, unknown> {
    return { ...(this as object) };
  }

  mount?(ctx: MountContext): void | Promise<void>;
  handleParams?(params: Record<string, string>, url: string): void | Promise<void>;
  handleInfo?(message: unknown): void | Promise<void>;
  unmount?(): void | Promise<void>;
}

/** The view's private state (djust-lite internals only). */
export function viewInternals(view: LiveView): ViewInternals {
  return internalsOf(view);
}

/** A LiveView subclass as `route()` takes it. */
export interface LiveViewClass {
  new (): LiveView;
  readonly name: string;
  template: string;
  titleTemplate?: typeof LiveView.titleTemplate;
}

export type { EventParams };

/**
 * Instantiates a view class and readies its side channel. A subclass that declared
 * `pageTitle = '…'` or `pageMeta = {…}` as class fields shadowed the accessors; those values
 * are moved onto the accessors so they behave like sets in `mount`.
 */
export function createView(viewClass: LiveViewClass, formatTitle: (title: string | undefined) => string | undefined): LiveView {
  const view = new viewClass();
  const internals = viewInternals(view);
  internals.metadata.formatTitle = formatTitle;
  for (const key of ['pageTitle', 'pageMeta'] as const) {
    if (Object.prototype.hasOwnProperty.call(view, key)) {
      const value = (view as unknown as Record<string, unknown>)[key];
      delete (view as unknown as Record<string, unknown>)[key];
      (view as unknown as Record<string, unknown>)[key] = value;
    }
  }
  return view;
}
