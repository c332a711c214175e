import { TokenBucket } from './admission';
import { DjustError, type WireErrorCode } from './errors';
import { Fifo } from './fifo';
import { ViewLifecycle, type RouteEntry } from './lifecycle';
import { LiveSession } from './live-session';
import { isLocalPath, paramsForPatch } from './navigation';
import type { ResolvedOptions } from './options';
import { errorMessage, parseClientMessage, type EventMessage, type MountMessage, type ParamsMessage, type ServerMessage } from './protocol';
import type { PubSub, Subscriber } from './pubsub';
import type { Renderer } from './render';
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
 * One live connection: admission (mounted, rate and queue checks) and the serial queue that
 * runs its jobs one at a time, each job's messages — the response, then its page metadata,
 * then its flash (lib/live-session.ts) — sent in one write. Transports feed it text frames
 * (`receive`) and close it (`close`); it knows nothing of them.
 */
export class Connection implements Subscriber {
  readonly #ctx: DispatcherContext;
  readonly #sink: Sink;
  readonly #queue = new Fifo<Job>();
  readonly #bucket: TokenBucket;
  /** The mounted view; null before mount and after close. */
  #session: LiveSession | null = null;
  #mountRequested = false;
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
    return this.#session !== null;
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
    if (this.#closed || this.#session === null && !this.#mountRequested) return;
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
    this.#session?.sweep();
  }

  /** Ends the connection's view: timers and subscriptions released, then unmount. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#queue.clear();
    const session = this.#session;
    this.#session = null;
    await session?.close();
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
        return this.#session?.event(job.message, out);
      case 'params':
        return this.#session?.navigate(job.message, out);
      case 'info':
        return this.#session?.info(job.payload, out);
    }
  }

  /** Verifies the token, then mounts a LiveSession for its route; a failure answers and closes. */
  async #mount(message: MountMessage, out: ServerMessage[]): Promise<void> {
    const { signer, routes, options } = this.#ctx;
    const verified = signer.verify(message.token, this.#ctx.now());
    if (!verified.ok) return this.#fatal(out, verified.code, verified.message);
    const { route, params: renderedParams, url: renderedUrl, session: sessionData } = verified.payload;
    const entry = routes.get(route);
    if (!entry) return this.#fatal(out, 'unknown_route', `No live view is registered for route "${route}"; reload the page.`);
    // The client may have moved (dj-patch, pushPatch) since the render: mount at its URL when
    // that is a path of the same route.
    const moved = isLocalPath(message.url) ? paramsForPatch(route, { url: renderedUrl, params: renderedParams }, message.url) : null;
    const life = new ViewLifecycle(entry, moved ? (message.url as string) : renderedUrl, moved ?? renderedParams, options.logger, new HostServices(this.#ctx.pubsub, this));
    const session = new LiveSession(life, this.#ctx.renderer, options.logger);
    try {
      await session.mount({ session: sessionData, connected: true }, out);
    } catch (err) {
      await session.close();
      options.logger.error(`djust-lite: ${entry.name}.mount() failed on connect`, err);
      return this.#fatal(out, 'mount_failed', err instanceof DjustError ? err.message : `${entry.name} failed to mount; see the server log.`, CLOSE.serverError);
    }
    if (this.#closed) return session.close(); // the peer left while mount ran
    this.#session = session;
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
    return this.#session?.name ?? 'view';
  }
}
