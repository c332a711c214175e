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
import { checkParams, countValues, paramsCost, tooManyValues, type ParamsCheck } from '../view/typed-params';
import { CLEAR_FLASH_EVENT } from '../contract/contract';
import { UPLOAD_EVENT, UPLOAD_PROGRESS_EVENT } from '../view/uploads';
import type { LiveView } from '../view/live-view';
import { joinSegments, segmentsOf, type Segments } from '../render/components';
import { componentCall } from './component-event';
import { AsyncCompletion } from '../view/async-work';
import { takeStreams } from '../view/stream-render';

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
/**
 * What a params schema may cost a connection: checks over `maxValues` values are refused
 * unrun, and each check is charged to the connection's rate budget (`charge`, in tokens).
 */
export interface ParamsBudget {
  readonly maxValues: number;
  charge(tokens: number): void;
}

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
  /** The last render cut at its LiveComponents (null: it showed none); see #respond. */
  #segments: Segments | null = null;
  /** A component changed on its own since: the region's HTML is the segments' with the components' current HTML. */
  #stale = false;
  /** When the page's token was first issued (its HTTP render): tokens minted for views that follow this one keep it. */
  readonly issuedAt: number;

  /** Bounds and charges the params schemas of this connection's views. */
  readonly budget: ParamsBudget;

  constructor(life: ViewLifecycle, renderer: Renderer, logger: ResolvedLogger, issuedAt: number, budget: ParamsBudget) {
    this.life = life;
    this.#renderer = renderer;
    this.#logger = logger;
    this.issuedAt = issuedAt;
    this.budget = budget;
  }

  get name(): string {
    return this.life.name;
  }

  /**
   * Mounts the view and pushes `mounted`, then its metadata and flash; resolves with its
   * departure when its mount called `pushNavigate`. Throws what mount or render throw.
   */
  async mount(input: MountInput, out: ServerMessage[]): Promise<Departure | null> {
    const navigate = await this.life.mount(input);
    const html = this.#start();
    out.push({ type: 'mounted', html });
    return this.#drainSideChannel(out, navigate);
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
    // the client gets every child; the region diff sees the stream containers empty (docs/streams.md)
    const streams = viewInternals(this.life.view).streams;
    this.#region = new RegionState(streams === null ? html : takeStreams(streams, html).html, { rootTag: this.rootTag });
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
    theirs.flash?.drain(out);
    mine.flash?.drain(out);
    theirs.drainEvents(out);
    mine.drainEvents(out);
  }

  /**
   * An `event` frame: runs its @eventHandler, or answers `unknown_event`. Like `info` and
   * `navigate`, returns the view's departure when the job asks to leave it (a `pushNavigate`,
   * or a `params` frame for another route), for the connection to switch views; else null.
   */
  event(message: EventMessage, out: ServerMessage[]): Step<Departure | null> {
    if (message.target !== undefined) return this.#componentEvent(message as EventMessage & { target: number }, out);
    const { view } = this.life;
    // A click on a flash message (Phoenix's lv:clear-flash): forgotten as clearFlash(level) would.
    if (message.event === CLEAR_FLASH_EVENT) return this.#update(out, message.ref, 'clearFlash', () => viewInternals(view).openFlash().clear(message.params.level));
    // Files picked or dropped, an external upload's progress (lib/view/uploads.ts).
    if (message.event === UPLOAD_EVENT || message.event === UPLOAD_PROGRESS_EVENT) return this.#update(out, message.ref, message.event, () => uploadEvent(view, message));
    const handlers = handlersOf(view.constructor);
    const method = handlers.get(message.event);
    if (method === undefined) {
      if (this.#logger.event.enabled) this.#logger.event(`${this.name}: unknown event ${JSON.stringify(message.event)} (ref ${message.ref}); handlers: ${[...handlers.keys()].join(', ') || 'none'}`);
      out.push(errorMessage('unknown_event', `${this.name} has no event handler "${message.event}"; only methods decorated with @eventHandler() can be called.`, message.ref));
      return null;
    }
    const handler = (view as unknown as Record<string, (params: unknown) => unknown>)[method] as (params: unknown) => unknown;
    const schema = handlers.schemas === null ? undefined : handlers.schemas.get(message.event);
    // A click's handler: no schema, one closure, and its description (`inc("inc")`) made only if logged.
    if (schema === undefined) return this.#update(out, message.ref, method, () => handler.call(view, message.params), false, message.event);
    const what = describe(method, message.event);
    const apply = (params: unknown): Step<Departure | null> => this.#update(out, message.ref, what, () => handler.call(view, params));
    return this.#typedEvent(message, out, what, apply, schema);
  }

  /**
   * An `event` frame for a LiveComponent (its `dj-target`): runs the component's
   * @eventHandler (lib/connection/component-event.ts); then only the components it dirtied
   * render, unless it navigated.
   */
  #componentEvent(message: EventMessage & { target: number }, out: ServerMessage[]): Step<Departure | null> {
    const call = componentCall(this.life.view, this.name, message, out);
    if (call === null) return null;
    const apply = (params: unknown): Step<Departure | null> => this.#update(out, message.ref, call.what, () => call.run(params), true);
    if (call.schema !== undefined) return this.#typedEvent(message, out, call.what, apply, call.schema);
    return apply(message.params);
  }

  /** An event whose handler has a params schema: `apply` runs with the schema's output, or not at all (`bad_params`). */
  #typedEvent(message: EventMessage, out: ServerMessage[], what: string, apply: (params: unknown) => Step<Departure | null>, schema: StandardSchemaV1): Step<Departure | null> {
    const run = (check: ParamsCheck): Step<Departure | null> => {
      if (check.ok) return apply(check.value);
      const [first] = check.issues;
      const where = first?.path ? first.path.join('.') : 'params';
      const more = check.issues.length > 1 ? ` (and ${check.issues.length - 1} more)` : '';
      if (this.#logger.event.enabled) this.#logger.event(`${this.name}.${what}: params refused by its schema (ref ${message.ref}): ${JSON.stringify(check.issues)}`);
      out.push({ ...errorMessage('bad_params', `${this.name}: params of event "${message.event}" do not match its schema: ${where}: ${first?.message ?? 'refused'}${more}.`, message.ref), issues: check.issues });
      return null;
    };
    const schemaFailed = (error: unknown): null => {
      this.#failed(out, message.ref, `${what} params schema`, { error });
      return null;
    };
    // Work a client can trigger is charged to it: bounded before the schema runs, then paid for.
    const values = countValues(message.params, this.budget.maxValues);
    this.budget.charge(paramsCost(values));
    if (values > this.budget.maxValues) return run(tooManyValues(this.budget.maxValues));
    let check: Step<ParamsCheck>;
    try {
      check = checkParams(schema, message.params);
    } catch (error) {
      return schemaFailed(error);
    }
    return isThenable<ParamsCheck>(check) ? Promise.resolve(check).then(run, schemaFailed) : run(check);
  }

  /** Upload progress (lib/connection/upload-channel.ts): render → diff → patch, as after a handler. */
  rerender(out: ServerMessage[]): Step<Departure | null> {
    const uploads = viewInternals(this.life.view).uploads;
    return this.#update(out, null, 'upload progress', () => (uploads?.pendingNotify ? uploads.notify(this.life.view) : undefined));
  }

  /** A message for `handleInfo` (pub/sub, timers). */
  info(payload: unknown, out: ServerMessage[]): Step<Departure | null> {
    const { view } = this.life;
    // The result of assignAsync/startAsync (lib/view/async-work.ts), posted through the same queue.
    if (payload instanceof AsyncCompletion) return this.#update(out, null, payload.what, () => payload.apply(view));
    if (!view.handleInfo) {
      this.#logger.warn(`djust-lite: ${this.name} received a message but has no handleInfo(); it was dropped.`);
      return null;
    }
    return this.#update(out, null, 'handleInfo', () => view.handleInfo?.(payload));
  }

  /**
   * A backlog of `handleInfo` messages, rendered once (lib/connection/info-batch.ts decides
   * which): `next()` gives each message in turn, undefined when the batch ends. Each handler runs
   * in order and one that throws is rolled back alone (ViewLifecycle.changeEach), answered
   * `error` as `info` answers it; then render → diff → patch → side channel once.
   */
  infos(next: () => { readonly payload: unknown } | undefined, out: ServerMessage[]): Step<Departure | null> {
    const { view } = this.life;
    const started = this.#logger.event.enabled ? performance.now() : -1;
    let count = 0;
    const run = (): (() => unknown) | null => {
      const job = next();
      if (job === undefined) return null;
      count += 1;
      return () => view.handleInfo?.(job.payload);
    };
    let departure: Departure | null = null;
    const failure = this.life.changeEach(run, (navigate) => {
      departure = this.#respond(out, null, navigate);
    }, (error) => this.#failed(out, null, 'handleInfo', { error }));
    const settle = (f: Failure | undefined): Departure | null => {
      if (started >= 0) this.#timed(`handleInfo (${count} messages)`, started);
      this.#failed(out, null, `render after ${count} handleInfo messages`, f);
      return f ? null : departure;
    };
    return isThenable<Failure | undefined>(failure) ? failure.then(settle) : settle(failure);
  }

  /** Live navigation from the client: `handleParams` for the URL it now shows, then as for events. */
  navigate(message: ParamsMessage, out: ServerMessage[]): Step<Departure | null> {
    const { life } = this;
    const params = paramsForPatch((path) => life.match(path), life, message.url);
    if (!params) {
      // Another view's URL: the connection switches to it (lib/connection/view-switch.ts) or answers
      // unknown_route. The browser's history entry already exists, hence `replace`.
      return { url: message.url, replace: true, ref: message.ref };
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
    if (!this.#updated) {
      this.#region?.compact();
      viewInternals(this.life.view).components?.compact();
    }
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
    if (uploads === null) return this.life.unmount(reason);
    // Temp files go whatever unmount does.
    return Promise.all([uploads.release(), this.life.unmount(reason)]).then(() => undefined);
  }

  /**
   * One change through the lifecycle: the handler, then render → diff → response and side
   * channel. A handler or render that throws leaves the view as it was before the handler
   * and pushes `error` for its ref; nothing it queued is sent. `what` names the change in logs
   * and errors; with `event`, it is a handler's method, named `method("event")` (made only then).
   */
  #update(out: ServerMessage[], ref: number | null, what: string, run: () => unknown, componentsOnly = false, event?: string): Step<Departure | null> {
    // Timed only while djust-lite:event is on (one property read otherwise).
    const started = this.#logger.event.enabled ? performance.now() : -1;
    let departure: Departure | null = null;
    const failure = this.life.change(run, (navigate) => {
      departure = this.#respond(out, ref, navigate, componentsOnly);
    });
    if (isThenable<Failure | undefined>(failure)) {
      return failure.then((f) => {
        if (started >= 0) this.#timed(describe(what, event), started);
        if (f) this.#failed(out, ref, describe(what, event), f);
        return f ? null : departure;
      });
    }
    if (started >= 0) this.#timed(describe(what, event), started);
    if (failure) this.#failed(out, ref, describe(what, event), failure);
    return failure ? null : departure;
  }

  /** Logs a change slower than the `slowHandlerMs` option (handler, render and diff together). */
  #timed(what: string, started: number): void {
    const ms = performance.now() - started;
    if (ms >= this.#logger.slowHandlerMs) {
      this.#logger.event(`${this.name}.${what} took ${ms.toFixed(1)} ms (handler, render and diff; over slowHandlerMs ${this.#logger.slowHandlerMs})`);
    }
  }

  /**
   * Renders and answers. `componentsOnly` (a LiveComponent's handler ran, and it did not
   * navigate): only the dirty components render, each diffed on its own; the view's region is
   * then rebuilt from the last render's segments before the view's next render diffs it. Stream
   * children are cut out of the render and travel in the patch's `streams` (docs/streams.md).
   */
  #respond(out: ServerMessage[], ref: number | null, navigate: NavigateMessage | null, componentsOnly = false): Departure | null {
    if (this.#region === null) return null; // closed while the handler ran
    const internals = viewInternals(this.life.view);
    const components = internals.components;
    let message: PatchMessage | ReplyMessage | null;
    if (componentsOnly && navigate === null && components !== null && this.#segments !== null) {
      const ops = components.renderDirty(this.#renderer.env, this.#logger.render);
      this.#updated = true;
      if (ops.length > 0) this.#stale = true;
      message = ops.length > 0 ? { type: 'patch', ref, ops } : ref !== null ? { type: 'reply', ref } : null;
    } else {
      if (this.#stale && this.#segments !== null && components !== null) {
        this.#region = new RegionState(joinSegments(this.#segments, (cid) => components.htmlOf(cid)), { rootTag: this.rootTag });
        this.#stale = false;
      }
      let html = this.#render();
      const region = this.#region;
      if (region === null) return null;
      this.#updated = true;
      const streamed = internals.streams === null ? null : takeStreams(internals.streams, html);
      if (streamed !== null) html = streamed.html;
      const patch = region.update(html, this.#logger.render);
      message = patch
        ? ('ops' in patch ? { type: 'patch', ref, ops: patch.ops } : { type: 'patch', ref, html: patch.html })
        : streamed?.streams ? { type: 'patch', ref } : ref !== null ? { type: 'reply', ref } : null;
      if (streamed?.streams && message?.type === 'patch') message.streams = streamed.streams;
    }
    if (internals.reply !== null) {
      // pushReply: only an event with a ref is waiting for it.
      if (message !== null && ref !== null) message.payload = internals.reply;
      internals.reply = null;
    }
    if (message !== null) out.push(message);
    return this.#drainSideChannel(out, navigate);
  }

  /** The region's HTML; its LiveComponents render only when they changed (lib/view/component-set.ts). */
  #render(): string {
    const context = templateContext(this.life.view);
    const internals = viewInternals(this.life.view);
    internals.components?.beginRender();
    internals.componentMarkers = true;
    let html: string;
    try {
      html = this.#renderer.renderRegion(this.life.entry, context, this);
    } finally {
      internals.componentMarkers = false;
    }
    const segments = segmentsOf(html);
    this.#segments = segments;
    const components = internals.components;
    if (components !== null) {
      const logger = this.#logger; // a failed component unmount is logged (only pages with components pay for the closure)
      components.onError = (message, error) => logger.error(message, error);
      components.endRender(); // also when the page shows no component any more
    }
    if (segments === null || components === null) return html;
    return joinSegments(segments, (cid) => components.htmlOf(cid));
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
   * Returns the departure a `pushNavigate` asks for, else null.
   */
  #drainSideChannel(out: ServerMessage[], navigate: NavigateMessage | null): Departure | null {
    const internals = viewInternals(this.life.view);
    if (navigate) out.push(navigate);
    const leave = internals.leave;
    if (leave !== null) {
      internals.leave = null;
      if (leave.kind === 'navigate') return { url: leave.url, replace: leave.replace };
      out.push({ type: 'redirect', url: leave.url, replace: leave.replace });
    }
    this.drain(out);
    return null;
  }

  /** Moves the view's pending page metadata, flash and push events into `out`. */
  drain(out: ServerMessage[]): void {
    const internals = viewInternals(this.life.view);
    this.#drainHead(internals, out);
    internals.flash?.drain(out);
    internals.drainEvents(out);
  }

  #drainHead(internals: ReturnType<typeof viewInternals>, out: ServerMessage[]): void {
    const before = out.length;
    internals.metadata.drain(out);
    if (this.#logger.head.enabled && out.length > before) this.#logger.head(`${this.name}: ${out.slice(before).map((m) => JSON.stringify(m)).join(' ')}`);
  }
}

/** How logs and errors name a change: `what`, or for an event handler its method and event, `inc("inc")`. */
function describe(what: string, event: string | undefined): string {
  return event === undefined ? what : `${what}("${event}")`;
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
