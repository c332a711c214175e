import { TokenBucket, Fifo } from './admission';
import { handlersOf } from './decorators';
import { DjustError, wireCodeOf, type WireErrorCode } from './errors';
import { isThenable, ViewLifecycle, type Failure, type RouteEntry, type Step } from './lifecycle';
import { templateContext, viewInternals } from './live-view';
import { isLocalPath, paramsForPatch } from './navigation';
import type { ResolvedOptions } from './options';
import {
  errorMessage, parseClientMessage, type EventMessage, type MountMessage, type NavigateMessage, type ParamsMessage, type ServerMessage,
} from './protocol';
import type { PubSub, Subscriber } from './pubsub';
import { regionSlot, type Renderer } from './render';
import { RegionState } from './region';
import type { TokenSigner } from './token';
import { HostServices } from './view-host';

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
  /** Route pattern → its registered entry. */
  readonly routes: ReadonlyMap<string, RouteEntry>;
  now(): number;
}

type Job =
  | { kind: 'mount'; message: MountMessage }
  | { kind: 'event'; message: EventMessage }
  | { kind: 'params'; message: ParamsMessage }
  | { kind: 'info'; payload: unknown }
  | { kind: 'error'; message: ServerMessage };

/** WebSocket close codes the dispatcher uses. */
const CLOSE = { policy: 1008, serverError: 1011 } as const;

/**
 * One live connection: the serial queue that runs a view's jobs one at a time, and admission
 * (mounted, rate and queue checks) in front of it. Each job goes through the view's lifecycle
 * (lib/lifecycle.ts) and sends, after it, the response, then its page metadata, then its
 * flash — in one write. Transports feed it text frames (`receive`) and close it (`close`);
 * it knows nothing of them.
 */
export class Connection implements Subscriber {
  readonly #ctx: DispatcherContext;
  readonly #sink: Sink;
  readonly #queue = new Fifo<Job>();
  readonly #bucket: TokenBucket;
  #life: ViewLifecycle | null = null;
  #region: RegionState | null = null;
  /** Where the region was found at the last render (kept by the renderer). */
  readonly #slot = regionSlot();
  #mountRequested = false;
  /** An update ran since the last sweep(). */
  #updated = false;
  #running = false;
  #closed = false;

  constructor(ctx: DispatcherContext, sink: Sink) {
    this.#ctx = ctx;
    this.#sink = sink;
    this.#bucket = new TokenBucket(ctx.options.maxEventsPerSecond, ctx.now);
  }

  get closed(): boolean {
    return this.#closed;
  }

  get mounted(): boolean {
    return this.#life !== null;
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
    if (!this.#bucket.take()) {
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
    if (this.#closed || this.#life === null && !this.#mountRequested) return;
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

  /** Ends the connection's view: timers and subscriptions released, then unmount. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#queue.clear();
    const life = this.#life;
    this.#life = null;
    this.#region = null;
    await life?.unmount();
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

  /** Jobs handle user errors themselves; reaching this is a bug in djust-lite: report, keep going. */
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

  /** Verifies the token, mounts the view through its lifecycle, sends `mounted` then its metadata and flash. */
  async #mount(message: MountMessage, out: ServerMessage[]): Promise<void> {
    const verified = this.#ctx.signer.verify(message.token, this.#ctx.now());
    if (!verified.ok) return this.#fatal(out, verified.code, verified.message);
    const { route, params: renderedParams, url: renderedUrl, session } = verified.payload;
    const entry = this.#ctx.routes.get(route);
    if (!entry) return this.#fatal(out, 'unknown_route', `No live view is registered for route "${route}"; reload the page.`);
    // The client may have moved (dj-patch, pushPatch) since the render: mount at its URL when
    // that is a path of the same route.
    const moved = isLocalPath(message.url) ? paramsForPatch(route, { url: renderedUrl, params: renderedParams }, message.url) : null;
    const life = new ViewLifecycle(entry, moved ? (message.url as string) : renderedUrl, moved ?? renderedParams, this.#ctx.options.logger, new HostServices(this.#ctx.pubsub, this));
    let navigate: NavigateMessage | null;
    let html: string;
    try {
      navigate = await life.mount({ session, connected: true });
      html = this.#render(life);
    } catch (err) {
      await life.unmount();
      this.#ctx.options.logger.error(`djust-lite: ${entry.name}.mount() failed on connect`, err);
      return this.#fatal(out, 'mount_failed', err instanceof DjustError ? err.message : `${entry.name} failed to mount; see the server log.`, CLOSE.serverError);
    }
    if (this.#closed) return life.unmount(); // the peer left while mount ran
    this.#life = life;
    this.#region = new RegionState(html, { rootTag: this.#slot.rootTag });
    out.push({ type: 'mounted', html });
    this.#drainSideChannel(life, out, navigate);
  }

  /** Live navigation from the client: `handleParams` for the URL it now shows, then as for events. */
  #navigate(message: ParamsMessage, out: ServerMessage[]): Step<void> {
    const life = this.#life;
    if (!life) return;
    const params = paramsForPatch(life.route, life, message.url);
    if (!params) {
      // unknown_route makes the client load the URL as a page (its history entry already exists).
      out.push(errorMessage('unknown_route', `"${message.url}" is not a path of ${life.name}'s route "${life.route}"; load it as a page.`, message.ref));
      return;
    }
    // Back/forward: the client restored that entry's head itself; what we sent before is stale.
    if (message.pop) viewInternals(life.view).metadata.forgetClient();
    return this.#update(life, out, message.ref, 'handleParams', () => {
      life.url = message.url;
      life.params = params;
      return life.handleParams();
    });
  }

  #event(message: EventMessage, out: ServerMessage[]): Step<void> {
    const life = this.#life;
    if (!life) return; // mount failed; the connection is closing
    const { view } = life;
    const method = handlersOf(view.constructor).get(message.event);
    if (method === undefined) {
      out.push(errorMessage('unknown_event', `${life.name} has no event handler "${message.event}"; only methods decorated with @eventHandler() can be called.`, message.ref));
      return;
    }
    const handler = (view as unknown as Record<string, (params: unknown) => unknown>)[method] as (params: unknown) => unknown;
    return this.#update(life, out, message.ref, `${method}("${message.event}")`, () => handler.call(view, message.params));
  }

  #info(payload: unknown, out: ServerMessage[]): Step<void> {
    const life = this.#life;
    if (!life) return;
    const { view } = life;
    if (!view.handleInfo) {
      this.#ctx.options.logger.warn(`djust-lite: ${life.name} received a message but has no handleInfo(); it was dropped.`);
      return;
    }
    return this.#update(life, out, null, 'handleInfo', () => view.handleInfo?.(payload));
  }

  /**
   * The hot path, top to bottom: handler → render → diff → response → page metadata → flash.
   * A handler or render that throws leaves the view as it was before the handler and sends
   * `error` for its ref; nothing it queued is sent.
   */
  #update(life: ViewLifecycle, out: ServerMessage[], ref: number | null, what: string, run: () => unknown): Step<void> {
    const failure = life.change(run, (navigate) => this.#respond(life, out, ref, navigate));
    if (isThenable<Failure | undefined>(failure)) return failure.then((f) => this.#failed(life, out, ref, what, f));
    this.#failed(life, out, ref, what, failure);
  }

  /** Render the region, diff it, then the response and its side channel. */
  #respond(life: ViewLifecycle, out: ServerMessage[], ref: number | null, navigate: NavigateMessage | null): void {
    const html = this.#render(life);
    if (this.#closed) return;
    this.#updated = true;
    const patch = (this.#region as RegionState).update(html);
    if (patch) out.push('ops' in patch ? { type: 'patch', ref, ops: patch.ops } : { type: 'patch', ref, html: patch.html });
    else if (ref !== null) out.push({ type: 'reply', ref });
    this.#drainSideChannel(life, out, navigate);
  }

  #render(life: ViewLifecycle): string {
    return this.#ctx.renderer.renderRegion(life.entry, templateContext(life.view), this.#slot);
  }

  /** A failed change (the lifecycle restored the view): log it and answer `error`. */
  #failed(life: ViewLifecycle, out: ServerMessage[], ref: number | null, what: string, failure: Failure | undefined): void {
    if (!failure) return;
    const err = failure.error;
    this.#ctx.options.logger.error(`djust-lite: ${life.name}.${what} failed`, err);
    const code = err instanceof DjustError ? wireCodeOf(err) : 'handler_failed';
    // Our own API errors say how to fix the call; anything else (and template errors, which
    // quote template source) stays in the server log.
    const text = err instanceof DjustError && err.code !== 'DJUST_ERR_TEMPLATE'
      ? err.message
      : `${life.name}.${what} failed; the view keeps its last state. See the server log.`;
    out.push(errorMessage(code, text, ref));
  }

  /**
   * After the response: `navigate` first (the client pushes its history entry before the new
   * head arrives, so each entry keeps its own head), then page metadata, then flash.
   */
  #drainSideChannel(life: ViewLifecycle, out: ServerMessage[], navigate: NavigateMessage | null): void {
    const internals = viewInternals(life.view);
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

  #viewName(): string {
    return this.#life?.name ?? 'view';
  }
}
