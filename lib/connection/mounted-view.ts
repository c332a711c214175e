import { handlersOf } from '../view/decorators';
import { DjustError, wireCodeOf } from '../core/errors';
import { isThenable, type Failure, type MountInput, type Step, type ViewLifecycle } from '../view/lifecycle';
import { templateContext, viewInternals } from '../view/live-view';
import { paramsForPatch } from '../view/navigation';
import type { ResolvedLogger } from '../core/logger';
import { errorMessage, type EventMessage, type NavigateMessage, type ParamsMessage, type PatchMessage, type ReplyMessage, type ServerMessage } from '../contract/protocol';
import type { RegionSlot, Renderer } from '../render/renderer';
import { RegionState } from '../render/region';
import type { StandardSchemaV1 } from '../core/standard-schema';
import { checkParams, type ParamsCheck } from '../view/typed-params';
import { CLEAR_FLASH_EVENT } from '../contract/contract';
import { UPLOAD_EVENT, UPLOAD_PROGRESS_EVENT } from '../view/uploads';
import type { LiveView } from '../view/live-view';

/**
 * A view's wish to hand its connection to another view (lib/connection/view-switch.ts): a `pushNavigate`
 * (`ref` undefined), or a `params` frame whose URL is not a path of the view's route (`ref`:
 * that frame's, answered `reply` when another view takes over, `unknown_route` otherwise).
 */
export interface Departure {
  url: string;
  replace: boolean;
  ref?: number | null;
}

/**
 * One mounted view on a live connection: its lifecycle, the region the client shows, and
 * the hot path from a job to its messages — handler → render → diff → response → navigate →
 * page metadata → flash. The connection (lib/connection/connection.ts) queues the jobs and writes what
 * each pushes to `out`. It is also the renderer's region slot for this connection.
 */
export class MountedView implements RegionSlot {
  readonly life: ViewLifecycle;
  readonly #renderer: Renderer;
  readonly #logger: ResolvedLogger;
  #region: RegionState | null = null;
  /** An update ran since the last sweep(). */
  #updated = false;
  /** RegionSlot: kept by the renderer. */
  suffix: string | undefined = undefined;
  rootTag = '';
  /** Set by the job that asked to leave this view; the connection takes it when the job ends. */
  departure: Departure | null = null;

  constructor(life: ViewLifecycle, renderer: Renderer, logger: ResolvedLogger) {
    this.life = life;
    this.#renderer = renderer;
    this.#logger = logger;
  }

  get name(): string {
    return this.life.name;
  }

  /** Mounts the view and pushes `mounted`, then its metadata and flash. Throws what mount or render throw. */
  async mount(input: MountInput, out: ServerMessage[]): Promise<void> {
    const navigate = await this.life.mount(input);
    const html = this.#start();
    out.push({ type: 'mounted', html });
    this.#drainSideChannel(out, navigate);
  }

  /**
   * Mounts the view to take over a connection from another (see `takeOver`): returns its
   * region's HTML; its side channel waits for `takeOver`, its pending `pushNavigate` /
   * `redirect` for `life.takeLeave()`. Throws what mount or render throw.
   */
  async mountInPlace(input: MountInput): Promise<string> {
    await this.life.mount(input); // its pushPatch chain moved life.url, which the `navigate` message carries
    return this.#start();
  }

  #start(): string {
    viewInternals(this.life.view).reply = null; // a mount answers no event
    const html = this.#render();
    this.#region = new RegionState(html, { rootTag: this.rootTag });
    if (this.#logger.connection.enabled) this.#logger.connection(`${this.name} mounted at ${this.life.url}`);
    return html;
  }

  /**
   * After the `navigate` that put this view in `previous`'s place: this view's whole head
   * (and removals of what `previous` showed), then `previous`'s flash messages still pending
   * and this view's, then `previous`'s push events and this view's.
   */
  takeOver(previous: MountedView, out: ServerMessage[]): void {
    const mine = viewInternals(this.life.view);
    const theirs = viewInternals(previous.life.view);
    mine.metadata.takeOver(theirs.metadata);
    this.#drainHead(mine, out);
    theirs.flash.drain(out);
    mine.flash.drain(out);
    theirs.drainEvents(out);
    mine.drainEvents(out);
  }

  /** An `event` frame: runs its @eventHandler, or answers `unknown_event`. */
  event(message: EventMessage, out: ServerMessage[]): Step<void> {
    const { view } = this.life;
    // A click on a flash message (Phoenix's lv:clear-flash): forgotten as clearFlash(level) would.
    if (message.event === CLEAR_FLASH_EVENT) return this.#update(out, message.ref, 'clearFlash', () => viewInternals(view).flash.clear(message.params.level));
    // Files picked or dropped, an external upload's progress (lib/view/uploads.ts).
    if (message.event === UPLOAD_EVENT || message.event === UPLOAD_PROGRESS_EVENT) return this.#update(out, message.ref, message.event, () => uploadEvent(view, message));
    const handlers = handlersOf(view.constructor);
    const method = handlers.get(message.event);
    if (method === undefined) {
      if (this.#logger.event.enabled) this.#logger.event(`${this.name}: unknown event ${JSON.stringify(message.event)} (ref ${message.ref}); handlers: ${[...handlers.keys()].join(', ') || 'none'}`);
      out.push(errorMessage('unknown_event', `${this.name} has no event handler "${message.event}"; only methods decorated with @eventHandler() can be called.`, message.ref));
      return;
    }
    const handler = (view as unknown as Record<string, (params: unknown) => unknown>)[method] as (params: unknown) => unknown;
    const schema = handlers.schemas === null ? undefined : handlers.schemas.get(message.event);
    if (schema !== undefined) return this.#typedEvent(message, out, `${method}("${message.event}")`, handler, schema);
    return this.#update(out, message.ref, `${method}("${message.event}")`, () => handler.call(view, message.params));
  }

  /** An event whose handler has a params schema: the handler runs with the schema's output, or not at all (`bad_params`). */
  #typedEvent(message: EventMessage, out: ServerMessage[], what: string, handler: (params: unknown) => unknown, schema: StandardSchemaV1): Step<void> {
    const { view } = this.life;
    const run = (check: ParamsCheck): Step<void> => {
      if (check.ok) return this.#update(out, message.ref, what, () => handler.call(view, check.value));
      const [first] = check.issues;
      const where = first?.path ? first.path.join('.') : 'params';
      const more = check.issues.length > 1 ? ` (and ${check.issues.length - 1} more)` : '';
      if (this.#logger.event.enabled) this.#logger.event(`${this.name}.${what}: params refused by its schema (ref ${message.ref}): ${JSON.stringify(check.issues)}`);
      out.push({ ...errorMessage('bad_params', `${this.name}: params of event "${message.event}" do not match its schema: ${where}: ${first?.message ?? 'refused'}${more}.`, message.ref), issues: check.issues });
    };
    const schemaFailed = (error: unknown): void => this.#failed(out, message.ref, `${what} params schema`, { error });
    let check: Step<ParamsCheck>;
    try {
      check = checkParams(schema, message.params);
    } catch (error) {
      return schemaFailed(error);
    }
    return isThenable<ParamsCheck>(check) ? Promise.resolve(check).then(run, schemaFailed) : run(check);
  }

  /** Upload progress (lib/connection/upload-channel.ts): render → diff → patch, as after a handler. */
  rerender(out: ServerMessage[]): Step<void> {
    const uploads = viewInternals(this.life.view).uploads;
    return this.#update(out, null, 'upload progress', () => (uploads?.pendingNotify ? uploads.notify(this.life.view) : undefined));
  }

  /** A message for `handleInfo` (pub/sub, timers). */
  info(payload: unknown, out: ServerMessage[]): Step<void> {
    const { view } = this.life;
    if (!view.handleInfo) {
      this.#logger.warn(`djust-lite: ${this.name} received a message but has no handleInfo(); it was dropped.`);
      return;
    }
    return this.#update(out, null, 'handleInfo', () => view.handleInfo?.(payload));
  }

  /** Live navigation from the client: `handleParams` for the URL it now shows, then as for events. */
  navigate(message: ParamsMessage, out: ServerMessage[]): Step<void> {
    const { life } = this;
    const params = paramsForPatch(life.route, life, message.url);
    if (!params) {
      // Another view's URL: the connection switches to it (lib/connection/view-switch.ts) or answers
      // unknown_route. The browser's history entry already exists, hence `replace`.
      this.departure = { url: message.url, replace: true, ref: message.ref };
      return;
    }
    // Back/forward: the client restored that entry's head itself; what we sent before is stale.
    if (message.pop) viewInternals(life.view).metadata.forgetClient();
    return this.#update(out, message.ref, 'handleParams', () => {
      life.url = message.url;
      life.params = params;
      return life.handleParams();
    });
  }

  /**
   * Heartbeat: a session that had no update since the previous call drops its region's parsed
   * tree (rebuilt by the next update), so an idle connection gives that memory back.
   */
  sweep(): void {
    if (!this.#updated) this.#region?.compact();
    this.#updated = false;
  }

  /** The job in flight timed out: whatever it does later is neither sent nor rolled back (see ViewLifecycle.abandon). */
  abandon(): void {
    this.life.abandon();
  }

  /** Ends the view (timers and subscriptions released, then unmount); `reason` goes to the djust-lite:connection log. */
  close(reason = 'connection ended'): Promise<void> {
    if (this.#region !== null && this.#logger.connection.enabled) this.#logger.connection(`${this.name} closed at ${this.life.url}: ${reason}`);
    this.#region = null;
    const uploads = viewInternals(this.life.view).uploads;
    if (uploads === null) return this.life.unmount();
    // Temp files go whatever unmount does.
    return Promise.all([uploads.release(), this.life.unmount()]).then(() => undefined);
  }

  /**
   * One change through the lifecycle: the handler, then render → diff → response and side
   * channel. A handler or render that throws leaves the view as it was before the handler
   * and pushes `error` for its ref; nothing it queued is sent.
   */
  #update(out: ServerMessage[], ref: number | null, what: string, run: () => unknown): Step<void> {
    // Timed only while djust-lite:event is on (one property read otherwise).
    const started = this.#logger.event.enabled ? performance.now() : -1;
    const failure = this.life.change(run, (navigate) => this.#respond(out, ref, navigate));
    if (isThenable<Failure | undefined>(failure)) {
      return failure.then((f) => {
        if (started >= 0) this.#timed(what, started);
        this.#failed(out, ref, what, f);
      });
    }
    if (started >= 0) this.#timed(what, started);
    this.#failed(out, ref, what, failure);
  }

  /** Logs a change slower than the `slowHandlerMs` option (handler, render and diff together). */
  #timed(what: string, started: number): void {
    const ms = performance.now() - started;
    if (ms >= this.#logger.slowHandlerMs) {
      this.#logger.event(`${this.name}.${what} took ${ms.toFixed(1)} ms (handler, render and diff; over slowHandlerMs ${this.#logger.slowHandlerMs})`);
    }
  }

  #respond(out: ServerMessage[], ref: number | null, navigate: NavigateMessage | null): void {
    const html = this.#render();
    const region = this.#region;
    if (region === null) return; // closed while the handler ran
    this.#updated = true;
    const patch = region.update(html, this.#logger.render);
    const message: PatchMessage | ReplyMessage | null = patch
      ? ('ops' in patch ? { type: 'patch', ref, ops: patch.ops } : { type: 'patch', ref, html: patch.html })
      : ref !== null ? { type: 'reply', ref } : null;
    const internals = viewInternals(this.life.view);
    if (internals.reply !== null) {
      // pushReply: only an event with a ref is waiting for it.
      if (message !== null && ref !== null) message.payload = internals.reply;
      internals.reply = null;
    }
    if (message !== null) out.push(message);
    this.#drainSideChannel(out, navigate);
  }

  #render(): string {
    return this.#renderer.renderRegion(this.life.entry, templateContext(this.life.view), this);
  }

  /** A failed change (the lifecycle restored the view): log it and answer `error`. */
  #failed(out: ServerMessage[], ref: number | null, what: string, failure: Failure | undefined): void {
    if (!failure) return;
    const err = failure.error;
    this.#logger.error(`djust-lite: ${this.name}.${what} failed`, err);
    const code = err instanceof DjustError ? wireCodeOf(err) : 'handler_failed';
    // Our own API errors say how to fix the call; anything else (and template errors, which
    // quote template source) stays in the server log.
    const text = err instanceof DjustError && err.code !== 'DJUST_ERR_TEMPLATE'
      ? err.message
      : `${this.name}.${what} failed; the view keeps its last state. See the server log.`;
    out.push(errorMessage(code, text, ref));
  }

  /**
   * After the response: `navigate` first (the client pushes its history entry before the new
   * head arrives, so each entry keeps its own head) or `redirect`, then page metadata, flash
   * and push events. A `pushNavigate` stops here: the connection leaves the view
   * (lib/connection/view-switch.ts), and what is pending goes with the view that takes over, or `drain`.
   */
  #drainSideChannel(out: ServerMessage[], navigate: NavigateMessage | null): void {
    const internals = viewInternals(this.life.view);
    if (navigate) out.push(navigate);
    const leave = internals.leave;
    if (leave !== null) {
      internals.leave = null;
      if (leave.kind === 'navigate') {
        this.departure = { url: leave.url, replace: leave.replace };
        return;
      }
      out.push({ type: 'redirect', url: leave.url, replace: leave.replace });
    }
    this.drain(out);
  }

  /** Moves the view's pending page metadata, flash and push events into `out`. */
  drain(out: ServerMessage[]): void {
    const internals = viewInternals(this.life.view);
    this.#drainHead(internals, out);
    internals.flash.drain(out);
    internals.drainEvents(out);
  }

  #drainHead(internals: ReturnType<typeof viewInternals>, out: ServerMessage[]): void {
    const before = out.length;
    internals.metadata.drain(out);
    if (this.#logger.head.enabled && out.length > before) this.#logger.head(`${this.name}: ${out.slice(before).map((m) => JSON.stringify(m)).join(' ')}`);
  }
}

/** `dj:upload` / `dj:upload-progress`: answered with `pushReply` (the entries' ids or errors). */
function uploadEvent(view: LiveView, message: EventMessage): unknown {
  const internals = viewInternals(view);
  const uploads = internals.uploads;
  if (uploads === null) throw new DjustError('bad_params', `${message.event}: this view has no uploads (allowUpload was not called in mount).`);
  if (message.event === UPLOAD_PROGRESS_EVENT) {
    uploads.externalProgress(message.params);
    return uploads.pendingNotify ? uploads.notify(view) : undefined;
  }
  return uploads.announce(message.params).then((reply) => {
    internals.reply = reply;
  });
}
