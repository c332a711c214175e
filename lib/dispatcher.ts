import { clearTimeout, setTimeout } from 'node:timers';
import { handlersOf } from './decorators';
import { DjustError, wireCodeOf, type WireErrorCode } from './errors';
import { viewInternals, type LiveView, type LiveViewClass, type PendingPatch, type ViewHost } from './live-view';
import { isLocalPath, paramsForPatch } from './navigation';
import type { ResolvedOptions } from './options';
import {
  errorMessage, parseClientMessage, type EventMessage, type MountMessage, type NavigateMessage, type ParamsMessage, type ServerMessage,
} from './protocol';
import type { PubSub, Subscriber } from './pubsub';
import type { Renderer } from './render';
import { RegionState } from './region';
import type { TokenSigner } from './token';
import { queryOf } from './url';

/** Where a connection's messages go: a transport (WebSocket or SSE stream). */
export interface Sink {
  /** Writes the messages of one job, in order (a transport may hold them to the end of the event-loop turn). Never throws after close. */
  send(messages: readonly ServerMessage[]): void;
  /** Ends the connection (WebSocket close code; SSE ends the stream). */
  close(code: number, reason: string): void;
  /** Bytes written in earlier turns that the peer has not taken yet (a slow or stalled reader). */
  bufferedBytes(): number;
}

/** What the dispatcher needs from the middleware. */
export interface DispatcherContext {
  readonly options: ResolvedOptions;
  readonly renderer: Renderer;
  readonly signer: TokenSigner;
  readonly pubsub: PubSub;
  /** Route pattern → view class. */
  readonly views: ReadonlyMap<string, LiveViewClass>;
  createView(viewClass: LiveViewClass): LiveView;
  now(): number;
}

type Job =
  | { kind: 'mount'; message: MountMessage }
  | { kind: 'event'; message: EventMessage }
  | { kind: 'params'; message: ParamsMessage }
  | { kind: 'info'; payload: unknown }
  | { kind: 'error'; message: ServerMessage };

/** WebSocket close codes the dispatcher uses. */
export const CLOSE = { policy: 1008, tooBig: 1009, serverError: 1011 } as const;

/** `pushPatch` calls one job may chain (handleParams patching again) before it fails. */
const MAX_PATCH_HOPS = 8;

/**
 * One live connection: the serial queue that runs a view's handlers one at a time and sends,
 * after each, the response, then its page metadata, then its flash — in one write.
 * Transports feed it text frames (`receive`) and close it (`close`); it knows nothing of them.
 */
export class Connection implements Subscriber, ViewHost {
  readonly #ctx: DispatcherContext;
  readonly #sink: Sink;
  readonly #queue: Job[] = [];
  /** Allocated on first use (most connections never set a timer or subscribe). */
  #timers: Set<NodeJS.Timeout> | null = null;
  #topics: Set<string> | null = null;
  #view: LiveView | null = null;
  #region: RegionState | null = null;
  /** The view's route pattern, and the URL and route params it shows now (live navigation moves them). */
  #route = '';
  #url = '';
  #params: Record<string, string> = {};
  #mountRequested = false;
  /** An update ran since the last sweep(). */
  #updated = false;
  #running = false;
  #closed = false;
  #tokens: number;
  #refilledAt: number;

  constructor(ctx: DispatcherContext, sink: Sink) {
    this.#ctx = ctx;
    this.#sink = sink;
    this.#tokens = ctx.options.maxEventsPerSecond;
    this.#refilledAt = ctx.now();
  }

  get closed(): boolean {
    return this.#closed;
  }

  get mounted(): boolean {
    return this.#view !== null;
  }

  /** Jobs waiting behind the running one. */
  get queued(): number {
    return this.#queue.length;
  }

  /** One inbound text frame. Answers bad input with an `error`; never throws. */
  receive(text: string): void {
    if (this.#closed) return;
    const parsed = parseClientMessage(text);
    if (!parsed.ok) return this.#enqueue({ kind: 'error', message: parsed.error });
    const message = parsed.message;
    switch (message.type) {
      case 'ping':
        this.#write([{ type: 'pong' }]);
        return;
      case 'mount':
        if (this.#mountRequested) {
          return this.#enqueue({ kind: 'error', message: errorMessage('already_mounted', 'This connection already has a view; open a new connection to mount another.') });
        }
        this.#mountRequested = true;
        return this.#enqueue({ kind: 'mount', message });
      case 'event':
        if (this.#admit(message.ref, `event "${message.event}"`)) this.#enqueue({ kind: 'event', message });
        return;
      case 'params':
        if (this.#admit(message.ref, `params "${message.url}"`)) this.#enqueue({ kind: 'params', message });
        return;
    }
  }

  /** Mounted, rate and queue checks for an event or params frame; answers the refusal itself. */
  #admit(ref: number | null, what: string): boolean {
    if (!this.#mountRequested) {
      this.#enqueue({ kind: 'error', message: errorMessage('not_mounted', `${what} arrived before mount; send {"type":"mount","token":…} first.`, ref) });
      return false;
    }
    if (!this.#takeToken()) {
      this.#write([errorMessage('rate_limited', `Too many events: over ${this.#ctx.options.maxEventsPerSecond}/s (option maxEventsPerSecond); ${what} dropped.`, ref)]);
      return false;
    }
    if (this.#queue.length >= this.#ctx.options.maxQueuedEvents) {
      this.#write([errorMessage('queue_full', `Too many events waiting: ${this.#queue.length} (option maxQueuedEvents); ${what} dropped.`, ref)]);
      return false;
    }
    return true;
  }

  /** A `handleInfo` message (pub/sub, timers); queued behind running handlers. */
  deliver(payload: unknown): void {
    if (this.#closed || this.#view === null && !this.#mountRequested) return;
    if (this.#queue.length >= this.#ctx.options.maxQueuedEvents) {
      this.#ctx.options.logger.warn(`djust-lite: dropped a handleInfo message for ${this.#viewName()}: queue full (option maxQueuedEvents).`);
      return;
    }
    this.#enqueue({ kind: 'info', payload });
  }

  /** Sends an error that did not come from a frame (e.g. a transport refusal) in order. */
  reject(code: WireErrorCode, message: string): void {
    this.#enqueue({ kind: 'error', message: errorMessage(code, message) });
  }

  /**
   * Called by the transport's heartbeat: a connection that had no update since the previous
   * call drops its region's parsed tree (rebuilt by the next update), so memory goes back to
   * what an idle connection holds once its user stops clicking.
   */
  sweep(): void {
    if (!this.#updated) this.#region?.compact();
    this.#updated = false;
  }

  /** Ends the connection's view: unmount, timers and subscriptions released. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#queue.length = 0;
    const view = this.#view;
    this.#view = null;
    this.#region = null;
    await this.#release(view);
  }

  /** Clears timers and subscriptions and unmounts `view` (if any). */
  async #release(view: LiveView | null): Promise<void> {
    if (this.#timers) for (const timer of this.#timers) clearTimeout(timer);
    this.#timers = null;
    if (this.#topics) for (const topic of this.#topics) this.#ctx.pubsub.unsubscribe(topic, this);
    this.#topics = null;
    if (!view) return;
    viewInternals(view).host = null;
    try {
      await view.unmount?.();
    } catch (err) {
      this.#ctx.options.logger.error(`djust-lite: ${this.#viewName(view)}.unmount() failed`, err);
    }
  }

  #takeToken(): boolean {
    const { maxEventsPerSecond } = this.#ctx.options;
    const now = this.#ctx.now();
    this.#tokens = Math.min(maxEventsPerSecond, this.#tokens + ((now - this.#refilledAt) * maxEventsPerSecond) / 1000);
    this.#refilledAt = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  #enqueue(job: Job): void {
    this.#queue.push(job);
    if (!this.#running) this.#drainQueue();
  }

  /**
   * Runs queued jobs one at a time. A job whose handlers are all synchronous completes (and
   * writes) before this returns, without a microtask hop per step; a job that returns a
   * promise suspends the queue, which resumes from that promise's settlement.
   */
  #drainQueue(): void {
    this.#running = true;
    for (let job = this.#queue.shift(); job !== undefined && !this.#closed; job = this.#queue.shift()) {
      const out: ServerMessage[] = [];
      let pending: void | Promise<void> = undefined;
      try {
        pending = this.#run(job, out);
      } catch (err) {
        this.#internalError(err, job, out);
      }
      if (pending) {
        const current = job;
        pending
          .catch((err: unknown) => this.#internalError(err, current, out))
          .then(() => {
            this.#write(out);
            this.#drainQueue();
          });
        return; // stays #running until the job settles
      }
      this.#write(out);
    }
    this.#running = false;
  }

  /** #run handles user errors itself; reaching this is a bug in djust-lite: report, keep going. */
  #internalError(err: unknown, job: Job, out: ServerMessage[]): void {
    this.#ctx.options.logger.error('djust-lite: internal error while dispatching', err);
    out.push(errorMessage('handler_failed', 'Internal error; see the server log.', job.kind === 'event' || job.kind === 'params' ? job.message.ref : null));
  }

  #run(job: Job, out: ServerMessage[]): void | Promise<void> {
    switch (job.kind) {
      case 'error':
        out.push(job.message);
        return;
      case 'mount':
        return this.#mount(job.message, out);
      case 'event':
        return this.#event(job.message, out);
      case 'params':
        return this.#navigate(job.message, out);
      case 'info':
        return this.#info(job.payload, out);
    }
  }

  /** Verifies the token, creates and mounts the view, sends `mounted` then its metadata and flash. */
  async #mount(message: MountMessage, out: ServerMessage[]): Promise<void> {
    const verified = this.#ctx.signer.verify(message.token, this.#ctx.now());
    if (!verified.ok) return this.#fatal(out, verified.code, verified.message);
    const { route, params: renderedParams, url: renderedUrl, session } = verified.payload;
    const viewClass = this.#ctx.views.get(route);
    if (!viewClass) return this.#fatal(out, 'unknown_route', `No live view is registered for route "${route}"; reload the page.`);
    // The client may have moved (dj-patch, pushPatch) since the render: mount at its URL when
    // that is a path of the same route.
    const moved = isLocalPath(message.url) ? paramsForPatch(route, { url: renderedUrl, params: renderedParams }, message.url) : null;
    const url = moved ? (message.url as string) : renderedUrl;
    const params = moved ?? renderedParams;
    this.#route = route;
    this.#url = url;
    this.#params = params;
    const view = this.#ctx.createView(viewClass);
    viewInternals(view).host = this;
    let navigate: NavigateMessage | null;
    try {
      await view.mount?.({ params, query: queryOf(url), url, session, connected: true });
      await view.handleParams?.(params, url, queryOf(url));
      navigate = await this.#followPatches(view);
      const html = this.#ctx.renderer.renderRegion(view);
      this.#region = new RegionState(html, { rootTag: this.#ctx.renderer.rootTagOf(view) });
    } catch (err) {
      viewInternals(view).host = null;
      this.#ctx.options.logger.error(`djust-lite: ${viewClass.name}.mount() failed on connect`, err);
      return this.#fatal(out, 'mount_failed', err instanceof DjustError ? err.message : `${viewClass.name} failed to mount; see the server log.`, CLOSE.serverError);
    }
    if (this.#closed) return this.#release(view); // the peer left while mount ran
    this.#view = view;
    out.push({ type: 'mounted', html: this.#region.html });
    this.#drainSideChannel(view, out, navigate);
  }

  /** Live navigation from the client: `handleParams` for the URL it now shows, then as for events. */
  #navigate(message: ParamsMessage, out: ServerMessage[]): void | Promise<void> {
    const view = this.#view;
    if (!view) return;
    const params = paramsForPatch(this.#route, { url: this.#url, params: this.#params }, message.url);
    if (!params) {
      // unknown_route makes the client load the URL as a page (its history entry already exists).
      out.push(errorMessage('unknown_route', `"${message.url}" is not a path of ${this.#viewName(view)}'s route "${this.#route}"; load it as a page.`, message.ref));
      return;
    }
    // Back/forward: the client restored that entry's head itself; what we sent before is stale.
    if (message.pop) viewInternals(view).metadata.forgetClient();
    return this.#update(view, out, message.ref, 'handleParams', () => {
      this.#url = message.url;
      this.#params = params;
      return view.handleParams?.(params, message.url, queryOf(message.url));
    });
  }

  /**
   * Runs `handleParams` for each `pushPatch` the view made (a handleParams may patch again, up
   * to MAX_PATCH_HOPS times) and returns the `navigate` message for the client, or null
   * (synchronously when the view made no pushPatch).
   */
  #followPatches(view: LiveView): NavigateMessage | null | Promise<NavigateMessage | null> {
    const patch = viewInternals(view).takePatch();
    return patch ? this.#patchChain(view, patch) : null;
  }

  async #patchChain(view: LiveView, first: PendingPatch): Promise<NavigateMessage | null> {
    const internals = viewInternals(view);
    let navigate: NavigateMessage | null = null;
    let replace = true;
    for (let patch: PendingPatch | null = first, hops = 0; patch; patch = internals.takePatch(), hops += 1) {
      if (hops === MAX_PATCH_HOPS) {
        throw new DjustError('DJUST_ERR_INVALID_ROUTE', `pushPatch: more than ${MAX_PATCH_HOPS} in a row (handleParams keeps calling pushPatch); the last was "${patch.url}".`);
      }
      const params = paramsForPatch(this.#route, { url: this.#url, params: this.#params }, patch.url);
      if (!params) {
        throw new DjustError(
          'DJUST_ERR_INVALID_ROUTE',
          `pushPatch("${patch.url}"): ${this.#viewName(view)} is served at route "${this.#route}" and this path does not match it; pushPatch stays within one view (link to other pages with a plain <a href>).`,
        );
      }
      this.#url = patch.url;
      this.#params = params;
      replace &&= patch.replace; // a chain that pushed once is a push
      navigate = { type: 'navigate', url: patch.url, replace };
      await view.handleParams?.(params, patch.url, queryOf(patch.url));
    }
    return navigate;
  }

  #event(message: EventMessage, out: ServerMessage[]): void | Promise<void> {
    const view = this.#view;
    if (!view) return; // mount failed; the connection is closing
    const method = handlersOf(view.constructor).get(message.event);
    if (method === undefined) {
      out.push(errorMessage('unknown_event', `${this.#viewName(view)} has no event handler "${message.event}"; only methods decorated with @eventHandler() can be called.`, message.ref));
      return;
    }
    const handler = (view as unknown as Record<string, (params: unknown) => unknown>)[method] as (params: unknown) => unknown;
    return this.#update(view, out, message.ref, `${method}("${message.event}")`, () => handler.call(view, message.params));
  }

  #info(payload: unknown, out: ServerMessage[]): void | Promise<void> {
    const view = this.#view;
    if (!view) return;
    if (!view.handleInfo) {
      this.#ctx.options.logger.warn(`djust-lite: ${this.#viewName(view)} received a message but has no handleInfo(); it was dropped.`);
      return;
    }
    return this.#update(view, out, null, 'handleInfo', () => view.handleInfo?.(payload));
  }

  /**
   * The hot path, top to bottom: handler → render → diff → response → page metadata → flash.
   * A handler or render that throws leaves the view as it was before the handler (own fields,
   * title and meta) and sends `error` for its ref; nothing it queued is sent. Synchronous
   * handlers run the whole path synchronously; a promise from the handler (or from a
   * handleParams after pushPatch) makes the rest wait for it.
   */
  #update(view: LiveView, out: ServerMessage[], ref: number | null, what: string, run: () => unknown): void | Promise<void> {
    const update: Update = {
      view, out, ref, what,
      fields: ownFields(view),
      restoreMetadata: viewInternals(view).metadata.snapshot(),
      url: this.#url,
      params: this.#params,
    };
    let result: unknown;
    try {
      result = run();
    } catch (err) {
      return this.#rollback(update, err);
    }
    if (!isThenable(result)) return this.#afterHandler(update);
    return Promise.resolve(result).then(() => this.#afterHandler(update), (err: unknown) => this.#rollback(update, err));
  }

  /** Update step 2: pushPatch follow-ups, then render and respond. */
  #afterHandler(update: Update): void | Promise<void> {
    let navigate: NavigateMessage | null | Promise<NavigateMessage | null>;
    try {
      navigate = this.#followPatches(update.view);
    } catch (err) {
      return this.#rollback(update, err);
    }
    if (!isThenable(navigate)) return this.#respond(update, navigate);
    return navigate.then((n) => this.#respond(update, n), (err: unknown) => this.#rollback(update, err));
  }

  /** Update step 3: render the region, diff it, then the response and its side channel. */
  #respond(update: Update, navigate: NavigateMessage | null): void {
    const { view, out, ref } = update;
    let html: string;
    try {
      html = this.#ctx.renderer.renderRegion(view);
    } catch (err) {
      return this.#rollback(update, err);
    }
    if (this.#closed) return;
    this.#updated = true;
    const patch = (this.#region as RegionState).update(html);
    if (patch) out.push('ops' in patch ? { type: 'patch', ref, ops: patch.ops } : { type: 'patch', ref, html: patch.html });
    else if (ref !== null) out.push({ type: 'reply', ref });
    this.#drainSideChannel(view, out, navigate);
  }

  /** A failed update: restores what the handler changed and answers `error`. */
  #rollback(update: Update, err: unknown): void {
    const { view, out, ref, what } = update;
    const internals = viewInternals(view);
    restoreFields(view, update.fields);
    update.restoreMetadata();
    internals.takePatch();
    this.#url = update.url;
    this.#params = update.params;
    internals.flash.discardPending();
    this.#ctx.options.logger.error(`djust-lite: ${this.#viewName(view)}.${what} failed`, err);
    const code = err instanceof DjustError ? wireCodeOf(err) : 'handler_failed';
    // Our own API errors say how to fix the call; anything else (and template errors, which
    // quote template source) stays in the server log.
    const text = err instanceof DjustError && err.code !== 'DJUST_ERR_TEMPLATE'
      ? err.message
      : `${this.#viewName(view)}.${what} failed; the view keeps its last state. See the server log.`;
    out.push(errorMessage(code, text, ref));
  }

  /**
   * After the response: `navigate` first (the client pushes its history entry before the new
   * head arrives, so each entry keeps its own head), then page metadata, then flash.
   */
  #drainSideChannel(view: LiveView, out: ServerMessage[], navigate: NavigateMessage | null): void {
    const internals = viewInternals(view);
    if (navigate) out.push(navigate);
    internals.metadata.drain(out);
    internals.flash.drain(out);
  }

  #fatal(out: ServerMessage[], code: WireErrorCode, message: string, closeCode: number = CLOSE.policy): void {
    out.push(errorMessage(code, message));
    this.#write(out.splice(0));
    this.#sink.close(closeCode, code);
    void this.close();
  }

  #write(messages: ServerMessage[]): void {
    if (messages.length === 0 || this.#closed) return;
    if (this.#sink.bufferedBytes() > this.#ctx.options.maxBufferedBytes) {
      this.#ctx.options.logger.warn(`djust-lite: closing a ${this.#viewName()} connection: client is not reading (over maxBufferedBytes).`);
      this.#sink.close(CLOSE.policy, 'client too slow');
      void this.close();
      return;
    }
    this.#sink.send(messages);
  }

  // ViewHost: the connection is its view's host (no per-view closures).

  /** ViewHost: `view.subscribe(topic)`. */
  subscribe(topic: string): void {
    this.#ctx.pubsub.subscribe(topic, this);
    (this.#topics ??= new Set()).add(topic);
  }

  /** ViewHost: `view.unsubscribe(topic)`. */
  unsubscribe(topic: string): void {
    this.#ctx.pubsub.unsubscribe(topic, this);
    this.#topics?.delete(topic);
  }

  /** ViewHost: `view.sendAfter(message, ms)`; returns the cancel function. */
  sendAfter(message: unknown, ms: number): () => void {
    if (typeof ms !== 'number' || !(ms >= 0)) throw new TypeError(`sendAfter(message, ms): ms must be a number ≥ 0, got ${String(ms)}.`);
    const timers = (this.#timers ??= new Set());
    const timer = setTimeout(() => {
      timers.delete(timer);
      this.deliver(message);
    }, ms);
    timers.add(timer);
    return () => {
      clearTimeout(timer);
      timers.delete(timer);
    };
  }

  #viewName(view: LiveView | null = this.#view): string {
    return view ? view.constructor.name : 'view';
  }
}

/** One handler run in flight: where its messages go, and what to restore if it fails. */
interface Update {
  readonly view: LiveView;
  readonly out: ServerMessage[];
  readonly ref: number | null;
  /** The handler, for the log line: `inc("inc")`, `handleInfo`. */
  readonly what: string;
  readonly fields: Record<string, unknown>;
  readonly restoreMetadata: () => void;
  readonly url: string;
  readonly params: Record<string, string>;
}

function isThenable<T>(value: unknown): value is PromiseLike<T> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/** `{ ...view }` without the spread's slow path for class instances: own enumerable fields. */
function ownFields(view: LiveView): Record<string, unknown> {
  const source = view as unknown as Record<string, unknown>;
  const saved: Record<string, unknown> = {};
  const keys = Object.keys(source);
  for (let i = 0; i < keys.length; i += 1) {
    const key = keys[i] as string;
    saved[key] = source[key];
  }
  return saved;
}

function restoreFields(view: LiveView, saved: Record<string, unknown>): void {
  const target = view as unknown as Record<string, unknown>;
  for (const key of Object.keys(target)) if (!(key in saved)) delete target[key];
  Object.assign(target, saved);
}
