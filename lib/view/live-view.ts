// Over 500 lines: the LiveView class is the public API, most of it documented accessors and
// methods (each with its example); its private state and the template context sit beside it
// because they read its private fields. Each method only checks and delegates: async work is
// lib/view/async-work.ts, streams streams.ts, uploads uploads.ts, components component-set.ts.
import type { Request } from 'express';
import type { EventList } from './decorators';
import { DjustError, invalidArgument } from '../core/errors';
import type { ResolvedLogger } from '../core/logger';
import { abortError, AsyncWork, AsyncResult, type AsyncOutcome, type AsyncValues } from './async-work';
import { Flash } from './flash';
import { jsonObjectProblem } from '../core/json';
import { isHttpUrl, isLocalPath, MAX_URL_LENGTH } from '../contract/urls';
import { PageMetadata, type LinkInput, type MetaInput } from './page-metadata';
import { ViewUploads, type ExternalTarget, type UploadEntry, type UploadOptions } from './uploads';
import { ComponentSet } from './component-set';
import { COMPONENTS_KEY, type ComponentHost } from '../render/components';
import type { Environment } from 'nunjucks';
import type { ComponentId, LiveComponentClass } from './live-component';
import { StreamSet, type StreamInsertOptions, type StreamOptions } from './streams';
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
  /** Queues `message` as a job of this view (an async result, a component's `sendParent`); dropped once released. */
  post(message: unknown): void;
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
export class ViewInternals implements ComponentHost {
  readonly metadata = new PageMetadata();
  /** Flash messages (lib/view/flash.ts); made by the first put, clear or carry (`openFlash`): most views never flash, and this is per connection. */
  flash: Flash | null = null;
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

  /** Set by the lifecycle: where calls after unmount are logged, and async work reports. */
  logger: ResolvedLogger | null = null;
  /** Why the view is gone (`unmount` ran), or null while it lives. */
  gone: string | null = null;
  /** The view's `assignAsync`/`startAsync` tasks (allocated on the first, connected views only). */
  work: AsyncWork | null = null;

  /** The view's streams (lib/view/streams.ts), allocated by the first `stream…` call. */
  streams: StreamSet | null = null;
  /** The view's LiveComponents (lib/view/component-set.ts), from the first `{% live_component %}` it renders. */
  components: ComponentSet | null = null;
  /** A live render is running: the live_component tag leaves markers (lib/connection/mounted-view.ts). */
  componentMarkers = false;
  readonly #view: LiveView;

  constructor(view: LiveView) {
    this.#view = view;
  }

  /**
   * True when the view has unmounted: the caller then does nothing. One `djust-lite:connection`
   * debug line per such call says which, and why the view is gone.
   */
  ignored(view: LiveView, call: string): boolean {
    if (this.gone === null) return false;
    const channel = this.logger?.connection;
    if (channel?.enabled) channel(`${view.constructor.name}.${call} was called after the view unmounted (${this.gone}); ignored. Work that outlives a handler belongs in startAsync/assignAsync, which unmount cancels.`);
    return true;
  }

  /** The view's Flash, made on first use. */
  openFlash(): Flash {
    return (this.flash ??= new Flash());
  }

  /** ComponentHost: the `live_component` tag in the view's templates (the set is allocated on first use). */
  renderComponent(env: Environment, componentClass: unknown, assigns: Record<string, unknown>): string {
    return (this.components ??= new ComponentSet(this.#view, this)).renderComponent(env, componentClass, assigns);
  }

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
    this.flash?.markRendered();
    this.events = null;
    this.reply = null;
    this.streams?.clear();
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

function noop(): void {}

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

  readonly #internals = new ViewInternals(this);

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
    if (this.#internals.ignored(this, 'pageTitle')) return;
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
    if (this.#internals.ignored(this, 'pageMeta')) return;
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
    if (this.#internals.ignored(this, 'pageLinks')) return;
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
    if (this.#internals.gone !== null && this.#internals.ignored(this, `pushEvent(${JSON.stringify(String(event).slice(0, 80))})`)) return;
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
    if (this.#internals.ignored(this, 'putFlash')) return;
    this.#internals.openFlash().put(level, message);
  }

  /** Clears the flash of one level, or all of them. */
  clearFlash(level?: string): void {
    if (this.#internals.ignored(this, 'clearFlash')) return;
    this.#internals.openFlash().clear(level);
  }

  /** Flash messages shown now, level → message (also in the template context as `flash`). */
  get flash(): Record<string, string> {
    return this.#internals.flash?.current ?? {};
  }

  /**
   * Streams (docs/streams.md): queues `items` for the next render of the `dj-update="stream"`
   * container that iterates `streams.<name>`; the server keeps none of them after it.
   * `{ at, limit, reset }` as Phoenix's `stream/4`; `domId` (first call only) names each
   * item's DOM id, default `` `${name}-${item.id}` ``.
   *
   * @example
   * mount() { this.stream('messages', recent, { at: 0, limit: 100 }); }
   */
  stream<T>(name: string, items: Iterable<T>, options?: StreamOptions<T>): void {
    (this.#internals.streams ??= new StreamSet()).stream(name, items, options as StreamOptions);
  }

  /**
   * Queues one item of a stream: inserted at `at` (default `-1`, the end), or replaced in place
   * when the client already shows its DOM id; `limit` prunes as in `stream()`.
   *
   * @example
   * handleInfo(msg) { this.streamInsert('messages', msg, { at: 0, limit: 100 }); }
   */
  streamInsert(name: string, item: unknown, options?: StreamInsertOptions): void {
    (this.#internals.streams ??= new StreamSet()).insert(name, item, options);
  }

  /**
   * Removes an item of a stream from the client (by its DOM id, from the stream's `domId`).
   *
   * @example
   * @eventHandler() remove({ id }) { this.streamDelete('messages', { id }); }
   */
  streamDelete(name: string, item: unknown): void {
    (this.#internals.streams ??= new StreamSet()).delete(name, item, false);
  }

  /** As `streamDelete`, given the DOM id itself (`'messages-7'`), e.g. from `dj-value-id="{{ id }}"`. */
  streamDeleteByDomId(name: string, domId: string): void {
    (this.#internals.streams ??= new StreamSet()).delete(name, domId, true);
  }

  /** Receives `live.broadcast(topic, msg)` for subscribed topics. Connected views only. */
  subscribe(topic: string): void {
    this.#host('subscribe')?.subscribe(topic);
  }

  unsubscribe(topic: string): void {
    this.#host('unsubscribe')?.unsubscribe(topic);
  }

  /**
   * Delivers `message` to `handleInfo` after `ms`. Returns a function that cancels it. After
   * the view unmounted it does nothing (and returns a function that does nothing).
   */
  sendAfter(message: unknown, ms: number): () => void {
    return this.#host('sendAfter')?.sendAfter(message, ms) ?? noop;
  }

  /**
   * Runs `fn` off the event queue and puts its result in the fields `keys` (one name or a
   * list), as Phoenix's `assign_async`: each key holds an {@link AsyncResult} — `loading` now,
   * then `ok` with `result` (the value `fn` resolved to under that key), or `failed` with what
   * it threw — applied as a job of the view (render, head, flash as after a handler). Other
   * events are handled while it runs. `fn` gets an `AbortSignal` that aborts when the view
   * unmounts or a newer `assignAsync` of the same keys supersedes this one (its result is then
   * dropped); pass it to `fetch` or your database driver. `fn` starts once the current handler
   * has succeeded (not at all when it throws). On the HTTP render the keys show `loading` and
   * `fn` does not run: mount runs again once connected, and the work starts then.
   * `{ reset: true }` drops the previous result while reloading.
   *
   * @example
   * user = AsyncResult.loading<User>();
   * mount(ctx: MountContext) { this.assignAsync('user', async (signal) => ({ user: await loadUser(ctx.params.id, signal) })); }
   */
  assignAsync<K extends keyof this & string>(keys: K | readonly K[], fn: (signal: AbortSignal) => AsyncValues<K> | Promise<AsyncValues<K>>, options: { reset?: boolean | undefined } = {}): void {
    const list: readonly string[] = typeof keys === 'string' ? [keys] : Array.isArray(keys) ? keys : [];
    if (list.length === 0 || list.some((key) => typeof key !== 'string' || key === '')) throw invalidArgument('assignAsync(keys, fn)', 'keys', 'a field name or a non-empty list of field names', keys);
    if (typeof fn !== 'function') throw invalidArgument('assignAsync(keys, fn)', 'fn', 'a function (signal) => ({ key: value, … }) or a promise of it', fn);
    const what = `assignAsync(${list.map((key) => JSON.stringify(key)).join(', ')})`;
    if (this.#internals.ignored(this, what)) return;
    const fields = this as unknown as Record<string, unknown>;
    for (const key of list) fields[key] = AsyncResult.loading(options.reset === true ? undefined : (fields[key] as AsyncResult | undefined));
    this.#work()?.request(`assign:${[...list].sort().join(',')}`, what, list.join(','), list, fn);
  }

  /**
   * Runs `fn` off the event queue, as Phoenix's `start_async`: when it settles,
   * `handleAsync(name, result)` runs as a job of the view with `{ ok: true, value }` or
   * `{ ok: false, reason }` (what it threw). Other events are handled meanwhile. A newer
   * `startAsync` with the same `name` supersedes this one: its `AbortSignal` aborts and its
   * result is dropped; unmount aborts it too. `fn` starts once the current handler has
   * succeeded. On the HTTP render it does nothing: mount runs again once connected.
   *
   * @example
   * @eventHandler() search({ q }: { q: string }) {
   *   this.query = q;
   *   this.startAsync('search', (signal) => searchProducts(q, signal));
   * }
   * override handleAsync(name: string, result: AsyncOutcome) {
   *   if (name === 'search' && result.ok) this.hits = result.value as Product[];
   * }
   */
  startAsync<T>(name: string, fn: (signal: AbortSignal) => T | Promise<T>): void {
    if (typeof name !== 'string' || name === '') throw invalidArgument('startAsync(name, fn)', 'name', 'a non-empty string', name);
    if (typeof fn !== 'function') throw invalidArgument('startAsync(name, fn)', 'fn', 'a function (signal) => value or a promise of it', fn);
    const what = `startAsync(${JSON.stringify(name)})`;
    if (this.#internals.ignored(this, what)) return;
    this.#work()?.request(`start:${name}`, what, name, null, fn);
  }

  /**
   * Cancels async work, as Phoenix's `cancel_async`: `target` is a `startAsync` name — its
   * signal aborts with `reason` and `handleAsync(name, { ok: false, reason })` runs as a job
   * of the view — or an `AsyncResult` field of `assignAsync` (`this.cancelAsync(this.user)`):
   * its work's signal aborts and its keys become `failed` with `reason` now. `reason` defaults
   * to an `AbortError`. Returns whether there was work to cancel.
   *
   * @example
   * @eventHandler() stop() { this.cancelAsync('search'); }
   */
  cancelAsync(target: string | AsyncResult, reason?: unknown): boolean {
    const isName = typeof target === 'string';
    if (!isName && (typeof target !== 'object' || target === null)) throw invalidArgument('cancelAsync(target, reason)', 'target', 'a startAsync name or an AsyncResult field of assignAsync', target);
    if (this.#internals.ignored(this, 'cancelAsync()')) return false;
    const why = reason ?? abortError(`${this.constructor.name}.cancelAsync(): cancelled.`);
    const work = this.#internals.work;
    if (isName) return work?.cancelStart(target, why) ?? false;
    const fields = this as unknown as Record<string, unknown>;
    const key = Object.keys(fields).find((k) => fields[k] === target);
    const keys = key === undefined ? null : work?.cancelAssign(key, why) ?? null;
    if (keys === null) return false;
    for (const k of keys) fields[k] = AsyncResult.failed(why, fields[k] as AsyncResult | undefined);
    return true;
  }

  /** The view's async work, made on first use; null during the HTTP render (no connection to post to). */
  #work(): AsyncWork | null {
    const internals = this.#internals;
    const host = internals.host;
    if (host === null || internals.logger === null) return null;
    return (internals.work ??= new AsyncWork(this.constructor.name, internals.logger, (completion) => host.post(completion)));
  }

  /**
   * Runs `update(assigns)` of the LiveComponent of `componentClass` with `id` on this page and
   * renders it again after the current handler or `handleInfo` (docs/components.md); false when
   * the page shows no such component.
   *
   * @example
   * handleInfo({ id, count }) { this.sendUpdate(Row, id, { count }); }
   */
  sendUpdate(componentClass: LiveComponentClass, id: ComponentId, assigns: Record<string, unknown>): boolean {
    const components = this.#internals.components;
    return components !== null && components.sendUpdate(componentClass, id, assigns);
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

  /** The connection's services; null (after one debug line) once the view unmounted; throws during the HTTP render. */
  #host(method: string): ViewHost | null {
    const host = this.#internals.host;
    if (host !== null) return host;
    if (this.#internals.ignored(this, `${method}()`)) return null;
    throw new DjustError(
      'DJUST_ERR_NOT_CONNECTED',
      `${this.constructor.name}.${method}() was called during the HTTP render, which has no live connection: mount runs once for the HTTP render (ctx.connected false) and again once the browser connects. Call it only when ctx.connected is true.`,
    );
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
  /**
   * Receives the result of `startAsync(name, fn)`: `{ ok: true, value }`, or `{ ok: false,
   * reason }` with what `fn` threw. Runs as a job of the view, like `handleInfo`.
   */
  handleAsync?(name: string, result: AsyncOutcome): void | Promise<void>;
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
  const internals = internalsOf(view);
  const { metadata, flash, streams, uploads } = internals;
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
  context.flash = flash === null ? {} : flash.current;
  if (uploads !== null) context.uploads = uploads.templateData();
  context[COMPONENTS_KEY] = internals;
  if (streams !== null) context.streams = streams.context();
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
