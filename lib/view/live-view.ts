// Over 400 lines: the LiveView class is the public API, most of it documented accessors and
// methods (each with its example); its private state and the template context sit beside it
// because they read its private fields.
import type { Request } from 'express';
import type { EventList } from './decorators';
import { DjustError } from '../core/errors';
import { Flash } from './flash';
import { jsonObjectProblem } from '../core/json';
import { isHttpUrl, isLocalPath, MAX_URL_LENGTH } from '../contract/urls';
import { PageMetadata, type LinkInput, type MetaInput } from './page-metadata';
import { ViewUploads, type ExternalTarget, type UploadEntry, type UploadOptions } from './uploads';
import { EVENT_NAME_RE, type EventParams, type JsonObject, type JsonValue, type PushEventMessage } from '../contract/protocol';

/**
 * What `mount` receives. `Session` types `ctx.session`: what your `session` option returns
 * (docs/typescript.md).
 *
 * @example
 * interface UserSession { userId: string }
 * class Account extends LiveView {
 *   static template = 'account.njk';
 *   mount(ctx: MountContext<UserSession>) { this.pageTitle = ctx.session?.userId ?? 'Guest'; }
 * }
 */
export interface MountContext<Session = JsonValue> {
  /** Express path params of the route, e.g. `{ id: '42' }` for `/store/:id`. */
  params: Record<string, string>;
  /** Query string values of the page URL. */
  query: Record<string, string | string[]>;
  /** Path + query of the page URL. */
  url: string;
  /** What the `session` option returned on the HTTP render, carried in the signed token. */
  session?: Session | undefined;
  /** false on the HTTP render, true once the browser is connected. */
  connected: boolean;
  /** The Express request: only on the HTTP render (`connected: false`). */
  req?: Request | undefined;
  /**
   * On the HTTP render, Express's `res.locals` (what earlier middleware left for the render:
   * the user, a CSP nonce…); `{}` once connected. Not kept for live renders or carried in the
   * token, since it may hold secrets: copy what the template needs into a field.
   */
  locals: Record<string, unknown>;
  /**
   * The mount path the page is served under: `'/app'` for `app.use('/app', live)`, `''` at the
   * root. `url` and `pushPatch` URLs include it (they are what the browser shows); route
   * patterns do not.
   */
  baseUrl: string;
}

/** The connection's services a connected view calls into (lib/view/view-host.ts; none during the HTTP render). */
export interface ViewHost {
  subscribe(topic: string): void;
  unsubscribe(topic: string): void;
  sendAfter(message: unknown, ms: number): () => void;
  /** Cancels every timer and subscription (the view is unmounting). */
  release(): void;
}

/** A `pushPatch` waiting for the lifecycle's patch chain (lib/view/navigation.ts). */
export interface PendingPatch {
  url: string;
  replace: boolean;
}

/** A `pushNavigate` (another live view) or `redirect` (a page load) waiting for its change to end. */
export interface PendingLeave {
  kind: 'navigate' | 'redirect';
  url: string;
  replace: boolean;
}

/** `pushEvent` calls one change may queue before the next fails (a runaway loop, not a use). */
export const MAX_PUSHED_EVENTS = 64;

/** Per-view state kept out of the template context (private to djust-lite). */
export class ViewInternals {
  readonly metadata = new PageMetadata();
  readonly flash = new Flash();
  host: ViewHost | null = null;
  /**
   * The last `pushPatch` since the dispatcher looked (several in one handler: the last wins).
   * `pushPatch`, `pushNavigate` and `redirect` share the rule: each clears the others.
   */
  patch: PendingPatch | null = null;
  /** The last `pushNavigate` / `redirect`, see `patch`. */
  leave: PendingLeave | null = null;
  /** `pushEvent` messages since the last drain, in call order (allocated on the first). */
  events: PushEventMessage[] | null = null;
  /** The `pushReply` payload of the change in flight. */
  reply: JsonObject | null = null;
  /** `allowUpload` names and their entries (lib/view/uploads.ts); allocated on the first. */
  uploads: ViewUploads | null = null;

  /** Returns and clears the pending `pushPatch`. */
  takePatch(): PendingPatch | null {
    const patch = this.patch;
    this.patch = null;
    return patch;
  }

  /** Returns and clears the pending `pushNavigate` / `redirect`. */
  takeLeave(): PendingLeave | null {
    const leave = this.leave;
    this.leave = null;
    return leave;
  }

  /** The HTTP render shows the view as it is: nothing it queued is for a client. */
  markRendered(): void {
    this.metadata.markRendered();
    this.flash.markRendered();
    this.events = null;
    this.reply = null;
  }

  /** Moves the pending `push_event` messages into `out`, in call order. */
  drainEvents(out: { push(m: PushEventMessage): unknown }): void {
    const { events } = this;
    if (events === null || events.length === 0) return;
    for (const message of events) out.push(message);
    events.length = 0;
  }
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

  /**
   * The methods the browser may call, for code without decorators (plain JavaScript): method
   * names, or event name → method name. Refused like `@eventHandler()` for lifecycle and
   * built-in names; checked by `route()`. Subclasses add to their parent's list.
   *
   * @example
   * class Counter extends LiveView {
   *   static template = 'counter.njk';
   *   static events = ['inc', 'reset'];         // or { 'counter:inc': 'inc' }, or { inc: { method: 'inc', params: schema } }
   *   count = 0;
   *   inc() { this.count += 1; }
   *   reset() { this.count = 0; }
   * }
   */
  declare static events?: EventList;

  readonly #internals = new ViewInternals();

  static {
    internalsOf = (view) => view.#internals;
  }

  /**
   * The page title. Setting it sends `{type:"page_metadata",action:"title"}` after the
   * handler's response. The getter returns what the view set; the document shows it through
   * the title template (`static titleTemplate` or the `titleTemplate` option) and falls back
   * to `defaultTitle` when it is unset or empty.
   */
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

  /**
   * The page's `<link rel>` tags managed live, rel → href: `{ canonical: '/store?product=mug',
   * icon: '/mug.png' }`. Setting merges; `null` removes the tag. Hrefs must be http(s),
   * relative or root-relative (`data:image/…` for icon rels only); stylesheets and resource
   * hints are refused (they belong in the template).
   */
  get pageLinks(): Record<string, string> {
    return this.#internals.metadata.links;
  }
  set pageLinks(value: LinkInput) {
    this.#internals.metadata.setLinks(value);
  }

  /**
   * Moves the page to `url` (a path of this view's route, e.g. `/store?product=mug`) without a
   * page load: `handleParams(params, url, query)` runs for it right after the current handler,
   * then the browser's URL changes with `history.pushState` (`replaceState` with
   * `{ replace: true }`). During the HTTP render it answers with a 302 redirect instead.
   *
   * @example
   * @eventHandler() choose({ id }) { this.pushPatch(`/store?product=${encodeURIComponent(id)}`); }
   */
  pushPatch(url: string, options: { replace?: boolean | undefined } = {}): void {
    if (!isLocalPath(url)) {
      throw new DjustError(
        'DJUST_ERR_INVALID_ROUTE',
        `pushPatch(url): url must be a same-origin path such as "/store?product=mug" (one leading "/", no spaces or control characters, at most ${MAX_URL_LENGTH} characters), got ${JSON.stringify(String(url).slice(0, 80))}.`,
      );
    }
    this.#internals.leave = null;
    this.#internals.patch = { url, replace: options.replace === true };
  }

  /**
   * Moves the browser to another live view at `url` (a path of a route this middleware serves,
   * e.g. `/orders/7`) without a page load: after the current handler's response the view
   * unmounts and the route's view mounts on the same connection, its region replacing this
   * one's, the URL pushed to history (`replaceState` with `{ replace: true }`). The flash
   * shown now is carried over. When the other page does not share this page's layout (the
   * HTML outside the live region), or no live route matches, the browser loads `url` instead.
   * During the HTTP render it answers with a 302 redirect. Of `pushPatch`, `pushNavigate` and
   * `redirect`, the last called in one handler wins.
   *
   * @example
   * @eventHandler() open({ id }) { this.pushNavigate(`/orders/${encodeURIComponent(id)}`); }
   */
  pushNavigate(url: string, options: { replace?: boolean | undefined } = {}): void {
    if (!isLocalPath(url)) {
      throw new DjustError(
        'DJUST_ERR_INVALID_ROUTE',
        `pushNavigate(url): url must be a same-origin path such as "/orders/7" (one leading "/", no spaces or control characters, at most ${MAX_URL_LENGTH} characters), got ${JSON.stringify(String(url).slice(0, 80))}; use redirect(url) for another site.`,
      );
    }
    this.#internals.patch = null;
    this.#internals.leave = { kind: 'navigate', url, replace: options.replace === true };
  }

  /**
   * Sends the browser to `url` with a page load, after the current handler's response: a
   * same-origin path (`/login`) or an absolute http(s) URL (`https://pay.example.com/…`).
   * `{ replace: true }` replaces the history entry (`location.replace`). During the HTTP
   * render it answers with a 302 redirect. Of `pushPatch`, `pushNavigate` and `redirect`, the
   * last called in one handler wins.
   *
   * @example
   * @eventHandler() logout() { this.redirect('/login', { replace: true }); }
   */
  redirect(url: string, options: { replace?: boolean | undefined } = {}): void {
    if (!isLocalPath(url) && !isHttpUrl(url)) {
      throw new DjustError(
        'DJUST_ERR_INVALID_ROUTE',
        `redirect(url): url must be a same-origin path such as "/login" or an absolute http(s) URL (no spaces or control characters, at most ${MAX_URL_LENGTH} characters), got ${JSON.stringify(String(url).slice(0, 80))}.`,
      );
    }
    this.#internals.patch = null;
    this.#internals.leave = { kind: 'redirect', url, replace: options.replace === true };
  }

  /**
   * Sends `{type:"push_event", event, payload}` to the browser after the handler's response
   * (and its navigation, head and flash messages), in call order: hooks' `handleEvent(event)`
   * callbacks and `window` listeners of `dj:<event>` receive `payload`. `event` is named like
   * an event handler (`chart:update`); `payload` is a plain JSON object, sent as it is when
   * the handler ends. Dropped when the handler fails, and during the HTTP render.
   *
   * @example
   * @eventHandler() save() { this.pushEvent('toast', { text: 'Saved' }); }
   */
  pushEvent(event: string, payload: JsonObject = {}): void {
    if (typeof event !== 'string' || !EVENT_NAME_RE.test(event)) {
      throw new DjustError('DJUST_ERR_INVALID_PUSH', `pushEvent(event, payload): event must be a name like "chart:update" (a letter, "_" or "$", then up to 127 letters, digits, "_", "$", ":", "." or "-"), got ${JSON.stringify(String(event).slice(0, 80))}.`);
    }
    const problem = jsonObjectProblem(payload);
    if (problem !== null) throw new DjustError('DJUST_ERR_INVALID_PUSH', `pushEvent("${event}", payload): payload must be a plain JSON object, but ${problem}.`);
    const events = (this.#internals.events ??= []);
    if (events.length >= MAX_PUSHED_EVENTS) {
      throw new DjustError('DJUST_ERR_INVALID_PUSH', `pushEvent("${event}"): more than ${MAX_PUSHED_EVENTS} events in one handler; send one event with a list instead.`);
    }
    events.push({ type: 'push_event', event, payload });
  }

  /**
   * Answers the browser event being handled with `payload` (a plain JSON object): it becomes
   * the `payload` of the event's `patch` / `reply`, and what the client's
   * `pushEvent(…)` promise resolves with. Only events sent with a `ref` get it; the last call
   * in a handler wins, and a failed handler sends none. A handler's return value is never sent.
   *
   * @example
   * @eventHandler() search({ q }) { this.pushReply({ hits: this.find(q).length }); }
   */
  pushReply(payload: JsonObject): void {
    const problem = jsonObjectProblem(payload);
    if (problem !== null) throw new DjustError('DJUST_ERR_INVALID_PUSH', `pushReply(payload): payload must be a plain JSON object, but ${problem}.`);
    this.#internals.reply = payload;
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

  /**
   * Declares a file upload `name` (call it in `mount`): `<input type="file" dj-upload="name">`
   * and `dj-drop-target="name"` then send files over the live connection, validated against
   * `options` before any byte is stored; the template sees `uploads.<name>` (docs/uploads.md).
   *
   * @example
   * mount() { this.allowUpload('avatar', { accept: ['.png', 'image/jpeg'], maxEntries: 1, maxFileSize: 8_000_000 }); }
   */
  allowUpload(name: string, options: UploadOptions): void {
    (this.#internals.uploads ??= new ViewUploads()).allow(name, options);
  }

  /**
   * Drops an entry of upload `name` (its temp file deleted, its transfer stopped).
   *
   * @example
   * @eventHandler() cancel({ ref }) { return this.cancelUpload('avatar', String(ref)); }
   */
  cancelUpload(name: string, ref: string): Promise<void> {
    return this.#uploads('cancelUpload', name).cancel(name, ref);
  }

  /**
   * Hands each finished entry of upload `name` to `fn({ path }, entry)` (move or read the file
   * there), then deletes its temp file; resolves with what each `fn` returned.
   *
   * @example
   * @eventHandler() async save() {
   *   this.photos.push(...await this.consumeUploadedEntries('avatar', async ({ path }, entry) => {
   *     await fs.copyFile(path, `public/uploads/${entry.ref}`); return `/uploads/${entry.ref}`;
   *   }));
   * }
   */
  consumeUploadedEntries<T>(name: string, fn: (meta: { path: string } & Partial<ExternalTarget>, entry: UploadEntry) => T | Promise<T>): Promise<T[]> {
    return this.#uploads('consumeUploadedEntries', name).consume(name, fn);
  }

  /** The entries of upload `name`: `completed` (all bytes stored) and `inProgress`. */
  uploadedEntries(name: string): { completed: UploadEntry[]; inProgress: UploadEntry[] } {
    return this.#uploads('uploadedEntries', name).entries(name);
  }

  #uploads(method: string, name: string): ViewUploads {
    const uploads = this.#internals.uploads;
    if (!uploads) throw new DjustError('DJUST_ERR_INVALID_ARG', `${method}("${name}"): this view has no uploads; call this.allowUpload("${name}", { accept, … }) in mount first.`);
    return uploads;
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

  /**
   * Runs on the HTTP render (`ctx.connected === false`, `ctx.req` set) and again on connect.
   * Declared with `MountContext<unknown>` so a subclass may narrow the session:
   * `mount(ctx: MountContext<UserSession>)`.
   */
  mount?(ctx: MountContext<unknown>): void | Promise<void>;
  /**
   * Runs after `mount` (HTTP render and connect) and on every live navigation (`dj-patch`
   * links, `pushPatch`, back/forward) with the route params, the path + query, and the query
   * values (repeated keys become arrays). Set the title, meta and links of the URL here: a
   * direct GET of that URL then renders the same head.
   */
  handleParams?(params: Record<string, string>, url: string, query: Record<string, string | string[]>): void | Promise<void>;
  handleInfo?(message: unknown): void | Promise<void>;
  unmount?(): void | Promise<void>;
}

/** The view's private state (djust-lite internals only). */
export function viewInternals(view: LiveView): ViewInternals {
  return internalsOf(view);
}

const defaultContextData = LiveView.prototype.getContextData;

/**
 * Template context of a view: its fields (or what an overridden `getContextData()` returns),
 * then page_title (as the document shows it, after the title template) / page_meta /
 * page_links (and camelCase twins), flash — the same keys `{...data, page_title, …}` gives.
 * Built by copying own keys in a loop: an object spread with a computed key sends V8 down a
 * slow path (~6 µs here vs ~0.2 µs), and the default `getContextData()` copy is skipped.
 */
export function templateContext(view: LiveView): Record<string, unknown> {
  const { metadata, flash, uploads } = internalsOf(view);
  const data = view.getContextData === defaultContextData ? (view as object as Record<string, unknown>) : view.getContextData();
  const context: Record<string, unknown> = {};
  const keys = Object.keys(data);
  for (let i = 0; i < keys.length; i += 1) {
    const key = keys[i] as string;
    context[key] = data[key];
  }
  const title = metadata.documentTitle;
  const meta = metadata.meta;
  const links = metadata.links;
  context.page_title = title;
  context.page_meta = meta;
  context.page_links = links;
  context.pageTitle = title;
  context.pageMeta = meta;
  context.pageLinks = links;
  context.flash = flash.current;
  if (uploads !== null) context.uploads = uploads.templateData();
  return context;
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
 * `pageTitle = '…'`, `pageMeta = {…}` or `pageLinks = {…}` as class fields shadowed the accessors; those values
 * are moved onto the accessors so they behave like sets in `mount`.
 */
export function createView(viewClass: LiveViewClass, formatTitle: (title: string | undefined) => string | undefined): LiveView {
  const view = new viewClass();
  const internals = viewInternals(view);
  internals.metadata.formatTitle = formatTitle;
  for (const key of ['pageTitle', 'pageMeta', 'pageLinks'] as const) {
    if (Object.prototype.hasOwnProperty.call(view, key)) {
      const value = (view as unknown as Record<string, unknown>)[key];
      delete (view as unknown as Record<string, unknown>)[key];
      (view as unknown as Record<string, unknown>)[key] = value;
    }
  }
  return view;
}
