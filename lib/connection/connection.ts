// Over 300 lines on purpose: one Connection's path from a frame to its answer — admission
// (lib/connection/admission.ts), the serial job queue (job-queue.ts), the async-job deadline
// (job-deadline.ts), the write path and the one fatal-close path — reads top to bottom in one
// class. Turns come from the instance's scheduler (scheduler.ts); the view's side of each job is
// lib/connection/mounted-view.ts, the lifecycle lib/view/lifecycle.ts.
import { Admission, sniffRef } from './admission';
import { DjustError, type WireErrorCode } from '../core/errors';
import { JobQueue, type Job } from './job-queue';
import type { RouteEntry, Step } from '../view/lifecycle';
import type { Departure, MountedView } from './mounted-view';
import { makeView } from './mount-factory';
import { awaitWithin } from './job-deadline';
import type { LiveContext } from './context';
import type { Resumable } from './scheduler';
import { viewInternals, type ViewHost } from '../view/live-view';
import { isLocalPath } from '../contract/urls';
import { CLOSE_CODES as CLOSE, type CloseCode } from '../contract/close-codes';
import { paramsForPatch } from '../view/navigation';
import { errorMessage, parseClientMessage, type MountMessage, type ServerMessage } from '../contract/protocol';
import { parseClickFrame } from '../contract/event-frame';
import { HostServices, type HostTarget } from '../view/view-host';
import { leaveView, type SwitchHost } from './view-switch';
import { UploadChannel } from './upload-channel';
import { infoBatch } from './info-batch';

/** Where a connection's messages go: a transport (WebSocket or SSE stream). */
export interface Sink {
  /** Writes the messages of one job, in order (a transport may hold them to the end of the event-loop turn). Never throws after close. */
  send(messages: readonly ServerMessage[]): void;
  /** Ends the connection (WebSocket close code; SSE ends the stream). */
  close(code: number, reason: string): void;
  /** Bytes written in earlier turns that the peer has not taken yet (a slow or stalled reader). */
  bufferedBytes(): number;
  /** Stops reading the peer's frames for `ms` (it is over its rate budget); a transport that cannot, ignores it. */
  hold?(ms: number): void;
}

/** Jobs one connection runs in one turn before it lets other connections' work run. */
const MAX_JOBS_PER_TURN = 16;
/** The acks of a render nothing queued any for. */
const NO_ACKS: readonly ServerMessage[] = [];

/** An event or navigation frame as refusal messages name it. */
function describe(job: Job & { kind: 'event' | 'params' }): string {
  return job.kind === 'event' ? `event "${job.message.event}"` : `params "${job.message.url}"`;
}

/** The ref a job answers to, for its timeout or internal-error message. */
function refOf(job: Job): number | null {
  return job.kind === 'event' || job.kind === 'params' ? job.message.ref : null;
}

/**
 * One live connection: admission (mounted, rate and queue checks) and the serial queue that
 * runs its jobs one at a time, each job's messages — the response, then its navigation, page
 * metadata, flash and push events (lib/connection/mounted-view.ts) — sent in one write; and the hand-over
 * to another view when one leaves (`pushNavigate`, lib/connection/view-switch.ts). Transports feed it
 * text frames (`receive`) and close it (`close`); it knows nothing of them.
 */
export class Connection implements HostTarget, Resumable {
  readonly #ctx: LiveContext;
  readonly #sink: Sink;
  readonly #queue: JobQueue;
  /**
   * Every frame is charged here before it is parsed; also the params budget: schemas' checks
   * are bounded and charged to the rate budget (lib/view/typed-params.ts).
   */
  readonly #admission: Admission;
  /** The mounted view; null before mount and after close. */
  #mounted: MountedView | null = null;
  #mountRequested = false;
  /** A job is in progress (possibly waiting for a promise). */
  #running = false;
  /** Waiting in the scheduler for a later turn. */
  #scheduled = false;
  /** ...because its own drain took its MAX_JOBS_PER_TURN (not for a push): a frame of its own then waits for that turn too. */
  #cutShort = false;
  /** Bumped when an async job times out: a view switch it was making is given up (see `#leave`). */
  #abandons = 0;
  /** Views this connection showed before its current one (allocated on the first switch). */
  #visited: Set<RouteEntry> | null = null;
  #closed = false;
  /** Upload chunks in flight (lib/connection/upload-channel.ts), made by the first. */
  #uploads: UploadChannel | null = null;
  #renderQueued = false;
  /** Its place in its transport's mount-deadline queue (lib/transport/mount-deadline.ts), -1 once out of it. */
  mountDeadline = -1;
  /** Stops the deadline of the async job in flight (`#await`); null when none is. */
  #stopDeadline: (() => void) | null = null;
  /** Upload acks sent after the queued render's patch; made when the first is queued. */
  #renderAcks: ServerMessage[] | null = null;

  constructor(ctx: LiveContext, sink: Sink) {
    this.#ctx = ctx;
    this.#sink = sink;
    this.#queue = new JobQueue(ctx.options.maxQueuedEvents);
    this.#admission = new Admission(ctx.options.maxEventsPerSecond, ctx.now, ctx.options.maxParamsValues);
  }

  get closed(): boolean {
    return this.#closed;
  }

  get mounted(): boolean {
    return this.#mounted !== null;
  }

  /** Jobs waiting behind the running one. */
  get queued(): number {
    return this.#queue.length;
  }

  /** One inbound text frame: charged, then handled. Never throws. */
  receive(text: string): void {
    if (this.admit(text.length)) this.handle(text);
    else this.refuse(text);
  }

  /**
   * Charges an inbound frame of `bytes` before it is decoded or parsed — every frame: events,
   * pings, invalid, binary or duplicate ones alike — one token, plus one per 4 KiB. False when
   * the budget is empty: the transport then calls `refuse`.
   */
  admit(bytes: number): boolean {
    return !this.#closed && this.#admission.admit(bytes);
  }

  /**
   * Answers a frame `admit` refused: `rate_limited` (its ref read from `head`, the frame's first
   * bytes as text), and the transport stops reading until the budget has refilled for it. Once
   * the penalty budget is empty too (over twice the rate) the connection is closed (1008).
   */
  refuse(head: string): void {
    if (this.#closed) return;
    const { maxEventsPerSecond } = this.#ctx.options;
    const refusal = this.#admission.refuse();
    if (refusal.close) {
      this.#ctx.options.logger.debug(`djust-lite: closing a ${this.#viewName()} connection: frames keep coming at over twice ${maxEventsPerSecond}/s (option maxEventsPerSecond).`);
      this.#fatal([], 'rate_limited', `Too many frames: over twice ${maxEventsPerSecond}/s (option maxEventsPerSecond); closing.`);
      return;
    }
    this.#write([errorMessage('rate_limited', `Too many frames: over ${maxEventsPerSecond}/s (option maxEventsPerSecond); frame dropped.`, sniffRef(head))]);
    this.#sink.hold?.(refusal.holdMs);
  }

  /**
   * One binary upload chunk (a WebSocket binary frame, an SSE upload POST): charged by its
   * bytes (at least 16 KiB) to the upload budget (option maxUploadBytesPerSecond), a refused one
   * also as a frame by `admit` (a peer sending bad chunks meets maxEventsPerSecond), then
   * streamed to its entry's temp file. Never throws.
   */
  upload(frame: Buffer): void {
    if (this.#closed) return;
    const { options, uploads: store } = this.#ctx;
    if (!store) return this.reject('bad_message', 'Uploads are not available on this server.');
    this.#uploads ??= new UploadChannel({
      store,
      logger: options.logger,
      bytesPerSecond: options.maxUploadBytesPerSecond,
      now: this.#ctx.now,
      uploads: () => (this.#mounted ? viewInternals(this.#mounted.life.view).uploads : null),
      send: (messages) => this.#write(messages),
      refused: () => this.admit(0) || (this.refuse(''), false),
      hold: (ms) => this.#sink.hold?.(ms),
      render: (after) => {
        if (after) (this.#renderAcks ??= []).push(after);
        if (this.#renderQueued || this.#closed) return;
        this.#renderQueued = true;
        this.#queue.push({ kind: 'render' });
        this.#kick(false);
      },
    });
    this.#uploads.receive(frame);
  }

  /** A frame `admit` let in: parsed, then answered or queued. Answers bad input with an `error`. */
  handle(text: string): void {
    if (this.#closed) return;
    // A click (the commonest frame), read without parseClientMessage's result object.
    const click = parseClickFrame(text);
    if (click !== null) return this.#admitJob({ kind: 'event', message: click });
    const parsed = parseClientMessage(text);
    if (!parsed.ok) return this.#enqueue({ kind: 'error', message: parsed.error });
    const message = parsed.message;
    switch (message.type) {
      case 'ping':
        this.#write([{ type: 'pong' }]);
        return;
      case 'mount':
        return this.mount(message);
      case 'event':
        return this.#admitJob({ kind: 'event', message });
      case 'params':
        return this.#admitJob({ kind: 'params', message });
    }
  }

  /**
   * A mount request: queued (answered `already_mounted` after the first). A `mount` frame
   * comes here from `handle`; a transport that holds the request already parsed and charged
   * (the SSE stream's GET) calls it directly, so nothing is encoded or charged twice.
   */
  mount(message: MountMessage): void {
    if (this.#closed) return;
    if (this.#mountRequested) {
      return this.#enqueue({ kind: 'error', message: errorMessage('already_mounted', 'This connection already has a view; open a new connection to mount another.') });
    }
    this.#mountRequested = true;
    this.#enqueue({ kind: 'mount', message });
  }

  /** Mounted and queue checks for an event or params frame; answers the refusal itself. */
  #admitJob(job: Job & { kind: 'event' | 'params' }): void {
    if (!this.#mountRequested) {
      this.#enqueue({ kind: 'error', message: errorMessage('not_mounted', `${describe(job)} arrived before mount; send {"type":"mount","token":…} first.`, job.message.ref) });
      return;
    }
    if (this.#queue.push(job) === 'full') {
      this.#write([errorMessage('queue_full', `Too many events waiting: ${this.#ctx.options.maxQueuedEvents} (option maxQueuedEvents); ${describe(job)} dropped.`, job.message.ref)]);
      return;
    }
    this.#kick(true);
  }

  /**
   * A `handleInfo` message (pub/sub, timers): queued and run on a later turn, never in the
   * sender's. A full queue drops its oldest waiting info for it (logged at debug). `from`: the
   * view services it came from (see `#hostServices`); it is dropped if that view has left.
   */
  deliver(payload: unknown, from?: ViewHost): void {
    if (this.#closed || this.#mounted === null && !this.#mountRequested) return;
    if (this.#queue.push({ kind: 'info', payload, dropped: false, from }) === 'displaced') {
      this.#ctx.options.logger.debug(`djust-lite: ${this.#viewName()} dropped its oldest waiting handleInfo message: over ${this.#ctx.options.maxQueuedEvents} waiting (option maxQueuedEvents).`);
    }
    this.#kick(false);
  }

  /** The services (timers, subscriptions) of one view on this connection; what they deliver is tagged with them (see `deliver`). */
  #hostServices(): HostServices {
    return new HostServices(this.#ctx.pubsub, this, this.#ctx.options.clock);
  }

  /** Sends a message that answers no frame (development: lib/render/development.ts) in order, as `reject` does. */
  notify(message: ServerMessage): void {
    this.#enqueue({ kind: 'error', message });
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
    this.#mounted?.sweep();
  }

  /** Ends the connection's view: timers and subscriptions released, then unmount. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopDeadline?.();
    this.#stopDeadline = null;
    this.#ctx.development?.disconnected(this);
    this.#queue.clear();
    this.#uploads?.close();
    const mounted = this.#mounted;
    this.#mounted = null;
    await mounted?.close();
  }

  /** Queues a job that came from this connection's own frames (mount, error answers). */
  #enqueue(job: Job): void {
    if (this.#queue.push(job) === 'full') {
      this.#ctx.options.logger.debug(`djust-lite: dropped an error answer for a ${this.#viewName()} connection: over ${this.#ctx.options.maxQueuedEvents} waiting (option maxQueuedEvents).`);
      return;
    }
    this.#kick(true);
  }

  /**
   * Starts the queue if idle: now (a frame of this connection's own) or on a later turn (a push).
   * A frame of its own runs the queue now even while the connection waits in the scheduler for a
   * push: a click never waits behind other connections' deliveries (its own infos queued before
   * it still run first, in order); the scheduler's turn then finds what is left, if anything. Not
   * when its own drain was cut short this turn: a connection runs at most MAX_JOBS_PER_TURN jobs
   * before the others get theirs, however many frames it sends meanwhile.
   */
  #kick(now: boolean): void {
    if (this.#running) return;
    if (now && !this.#cutShort) return this.#drainQueue();
    if (this.#scheduled) return;
    this.#scheduled = true;
    this.#ctx.scheduler.schedule(this);
  }

  /** Runs the queue where a previous turn left it (see `#kick`); called by the scheduler. */
  resume(): void {
    this.#scheduled = false;
    this.#cutShort = false;
    if (!this.#running && !this.#closed) this.#drainQueue();
  }

  /**
   * Runs queued jobs one at a time, at most MAX_JOBS_PER_TURN taken in one turn (the rest resume on
   * the next, after other connections' work). A job whose handlers are all synchronous
   * completes (and writes) before this returns, without a microtask hop per step; a job that
   * returns a promise suspends the queue until it settles or `handlerTimeoutMs` passes.
   */
  #drainQueue(): void {
    this.#running = true;
    const queue = this.#queue;
    // Counted in jobs taken: each message of an info batch is one (lib/connection/info-batch.ts).
    for (const stop = queue.taken + MAX_JOBS_PER_TURN; queue.taken < stop && !this.#closed;) {
      const job = queue.shift();
      if (job === undefined) break;
      const out: ServerMessage[] = [];
      let pending: void | Promise<void> = undefined;
      try {
        pending = this.#run(job, out);
      } catch (err) {
        this.#internalError(err, job, out);
      }
      if (pending) return this.#await(job, pending, out); // stays #running until the job settles
      this.#write(out);
    }
    this.#running = false;
    if (this.#queue.length > 0 && !this.#closed) {
      this.#cutShort = true;
      this.#kick(false);
    }
  }

  /** Waits for an async job: its messages are written when it settles, or `handler_timeout` after handlerTimeoutMs (lib/connection/job-deadline.ts). */
  #await(job: Job, pending: Promise<void>, out: ServerMessage[]): void {
    const { handlerTimeoutMs } = this.#ctx.options;
    const settled = pending.catch((err: unknown) => this.#internalError(err, job, out));
    this.#stopDeadline = awaitWithin(settled, handlerTimeoutMs, () => {
      this.#stopDeadline = null;
      this.#write(out);
      this.#drainQueue();
    }, () => {
      this.#stopDeadline = null;
      if (this.#closed) return;
      const what = `${this.#viewName()} ${job.kind === 'mount' ? 'mount' : 'handler'} ran over ${handlerTimeoutMs} ms (option handlerTimeoutMs)`;
      this.#ctx.options.logger.warn(`djust-lite: ${what}; its answer is dropped and the queue moves on.`);
      if (job.kind === 'mount') return this.#fatal([], 'handler_timeout', `${what}; reload the page.`);
      this.#mounted?.abandon();
      this.#abandons += 1;
      this.#write([errorMessage('handler_timeout', `${what}; what it changes shows with the next update.`, refOf(job))]);
      this.#drainQueue();
    });
  }

  /** Jobs handle user errors themselves; reaching this is a bug in djust-lite: report, keep going. */
  #internalError(err: unknown, job: Job, out: ServerMessage[]): void {
    this.#ctx.options.logger.error('djust-lite: internal error while dispatching', err);
    out.push(errorMessage('handler_failed', 'Internal error; see the server log.', refOf(job)));
  }

  #run(job: Job, out: ServerMessage[]): void | Promise<void> {
    switch (job.kind) {
      case 'error':
        out.push(job.message);
        return;
      case 'mount':
        return this.#mount(job.message, out);
      case 'event':
        return this.#then(this.#mounted?.event(job.message, out), out);
      case 'params':
        return this.#then(this.#mounted?.navigate(job.message, out), out);
      case 'render': {
        this.#renderQueued = false;
        const acks = this.#renderAcks ?? NO_ACKS;
        this.#renderAcks = null;
        const step = this.#mounted?.rerender(out);
        // The acks follow the render's patch; a departure the render caused is then taken.
        if (step instanceof Promise) return step.then((departure) => (out.push(...acks), this.#departed(departure, out)));
        out.push(...acks);
        return this.#departed(step ?? null, out);
      }
      case 'info': {
        const mounted = this.#mounted;
        // Meant for a view that has since left the connection (pushNavigate): dropped.
        const host = mounted === null ? null : viewInternals(mounted.life.view).host;
        if (mounted === null || (job.from !== undefined && job.from !== host)) return;
        // With more infos right behind it: a batch, rendered once (lib/connection/info-batch.ts).
        return this.#then(infoBatch(mounted, job, this.#queue, host, out, this.#ctx.now), out);
      }
    }
  }

  /** After a job's step: switches views when the step returned a departure (the view asked to leave). */
  #then(step: Step<Departure | null> | undefined, out: ServerMessage[]): void | Promise<void> {
    if (step instanceof Promise) return step.then((departure) => this.#departed(departure, out));
    return this.#departed(step ?? null, out);
  }

  #departed(departure: Departure | null, out: ServerMessage[]): void | Promise<void> {
    const mounted = this.#mounted;
    if (departure === null || mounted === null) return;
    return this.#leave(mounted, departure, out);
  }

  /** Leaves `from` for another view (lib/connection/view-switch.ts); installs it, then unmounts `from`. */
  async #leave(from: MountedView, departure: Departure, out: ServerMessage[]): Promise<void> {
    const abandons = this.#abandons;
    // Given up when the connection closes or this job times out (the queue then moves on without it).
    const host: SwitchHost = {
      ctx: this.#ctx,
      hostServices: () => this.#hostServices(),
      current: () => !this.#closed && this.#abandons === abandons,
      visited: (entry) => entry === from.life.entry || this.#visited?.has(entry) === true,
    };
    const next = await leaveView(host, from, departure, out);
    if (next === from) return;
    if (this.#closed || this.#abandons !== abandons) {
      await next.close('the connection ended');
      return;
    }
    (this.#visited ??= new Set()).add(from.life.entry);
    this.#mounted = next;
    await from.close(`navigated to ${next.name}`);
  }

  /**
   * Verifies the token, runs the route's mount guards and mounts its view (lib/connection/mount-factory.ts);
   * a guard's redirect is sent and the connection closed, a refusal or failure answers and closes.
   */
  async #mount(message: MountMessage, out: ServerMessage[]): Promise<void> {
    const { signer, routes, options } = this.#ctx;
    const verified = signer.verify(message.token, this.#ctx.now());
    if (!verified.ok) return this.#fatal(out, verified.code, verified.message);
    const { route, params: renderedParams, url: renderedUrl, session: sessionData, base = '', iat } = verified.payload;
    const entry = routes.get(route);
    if (!entry) return this.#fatal(out, 'unknown_route', `No live view is registered for route "${route}"; reload the page.`);
    // The client may have moved (dj-patch, pushPatch) since the render: mount at its URL when
    // that is a path of the same route.
    const moved = isLocalPath(message.url) ? paramsForPatch(entry.match, { url: renderedUrl, params: renderedParams, base }, message.url) : null;
    const url = moved ? (message.url as string) : renderedUrl;
    // verify() checked iat is a number.
    const made = await makeView(this.#ctx, { entry, url, params: moved ?? renderedParams, base, session: sessionData, issuedAt: iat as number, phase: 'mount', budget: this.#admission }, () => this.#hostServices());
    if (this.#closed) return made.kind === 'view' ? made.view.close() : undefined;
    if (made.kind === 'redirect') {
      out.push({ type: 'redirect', url: made.url, replace: true });
      this.#write(out.splice(0));
      this.#sink.close(CLOSE.normal, 'redirect');
      void this.close();
      return;
    }
    if (made.kind === 'refuse') {
      if (options.logger.refusal.enabled) options.logger.refusal(`${entry.name}: live mount at ${url} refused by its mount guards: ${made.reason} (forbidden)`);
      return this.#fatal(out, 'forbidden', `${entry.name} refused: ${made.reason}`);
    }
    const mounted = made.view;
    let departure: Departure | null;
    try {
      departure = await mounted.mount({ session: sessionData, connected: true }, out);
    } catch (err) {
      await mounted.close();
      options.logger.error(`djust-lite: ${entry.name}.mount() failed on connect`, err);
      return this.#fatal(out, 'mount_failed', err instanceof DjustError ? err.message : `${entry.name} failed to mount; see the server log.`, CLOSE.serverError);
    }
    if (this.#closed) return mounted.close(); // the peer left while mount ran
    this.#mounted = mounted;
    const uploads = viewInternals(mounted.life.view).uploads;
    if (uploads) uploads.frameLimit = options.maxUploadChunkBytes; // chunks must fit a frame (docs/uploads.md)
    this.#ctx.development?.connected(this, entry.template, out);
    return this.#departed(departure, out); // its mount called pushNavigate
  }

  /**
   * The one way a connection ends on a broken rule or a failure: `error` with `code` and
   * `message` (after what the job had already written), then the sink closes with `closeCode`
   * and `code` as the reason, and the view is closed. Used by the transports' mount deadline
   * too (`mount_timeout`). Does nothing once closed.
   */
  fail(code: WireErrorCode, message: string, closeCode: CloseCode = CLOSE.policy): void {
    this.#fatal([], code, message, closeCode);
  }

  #fatal(out: ServerMessage[], code: WireErrorCode, message: string, closeCode: CloseCode = CLOSE.policy): void {
    if (this.#closed) return;
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
    return this.#mounted?.name ?? 'view';
  }
}
