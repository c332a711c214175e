import { handlersOf } from './decorators';
import { DjustError, wireCodeOf } from './errors';
import { isThenable, type Failure, type MountInput, type Step, type ViewLifecycle } from './lifecycle';
import { templateContext, viewInternals } from './live-view';
import { paramsForPatch } from './navigation';
import type { ResolvedLogger } from './logger';
import { errorMessage, type EventMessage, type NavigateMessage, type ParamsMessage, type ServerMessage } from './protocol';
import type { RegionSlot, Renderer } from './render';
import { RegionState } from './region';

/**
 * One mounted view on a live connection: its lifecycle, the region the client shows, and
 * the hot path from a job to its messages — handler → render → diff → response → navigate →
 * page metadata → flash. The connection (lib/dispatcher.ts) queues the jobs and writes what
 * each pushes to `out`. It is also the renderer's region slot for this connection.
 */
export class LiveSession implements RegionSlot {
  readonly life: ViewLifecycle;
  readonly #renderer: Renderer;
  readonly #logger: ResolvedLogger;
  #region: RegionState | null = null;
  /** An update ran since the last sweep(). */
  #updated = false;
  /** RegionSlot: kept by the renderer. */
  suffix: string | undefined = undefined;
  rootTag = '';

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
    const html = this.#render();
    this.#region = new RegionState(html, { rootTag: this.rootTag });
    out.push({ type: 'mounted', html });
    if (this.#logger.connection.enabled) this.#logger.connection(`${this.name} mounted at ${this.life.url}`);
    this.#drainSideChannel(out, navigate);
  }

  /** An `event` frame: runs its @eventHandler, or answers `unknown_event`. */
  event(message: EventMessage, out: ServerMessage[]): Step<void> {
    const { view } = this.life;
    const method = handlersOf(view.constructor).get(message.event);
    if (method === undefined) {
      if (this.#logger.event.enabled) this.#logger.event(`${this.name}: unknown event ${JSON.stringify(message.event)} (ref ${message.ref}); handlers: ${[...handlersOf(view.constructor).keys()].join(', ') || 'none'}`);
      out.push(errorMessage('unknown_event', `${this.name} has no event handler "${message.event}"; only methods decorated with @eventHandler() can be called.`, message.ref));
      return;
    }
    const handler = (view as unknown as Record<string, (params: unknown) => unknown>)[method] as (params: unknown) => unknown;
    return this.#update(out, message.ref, `${method}("${message.event}")`, () => handler.call(view, message.params));
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
      if (this.#logger.refusal.enabled) this.#logger.refusal(`${this.name}: live navigation to ${JSON.stringify(message.url)} refused: not a path of route "${life.route}" (unknown_route)`);
      // unknown_route makes the client load the URL as a page (its history entry already exists).
      out.push(errorMessage('unknown_route', `"${message.url}" is not a path of ${this.name}'s route "${life.route}"; load it as a page.`, message.ref));
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
    return this.life.unmount();
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
    if (patch) out.push('ops' in patch ? { type: 'patch', ref, ops: patch.ops } : { type: 'patch', ref, html: patch.html });
    else if (ref !== null) out.push({ type: 'reply', ref });
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
   * head arrives, so each entry keeps its own head), then page metadata, then flash.
   */
  #drainSideChannel(out: ServerMessage[], navigate: NavigateMessage | null): void {
    const internals = viewInternals(this.life.view);
    if (navigate) out.push(navigate);
    const before = out.length;
    internals.metadata.drain(out);
    if (this.#logger.head.enabled && out.length > before) this.#logger.head(`${this.name}: ${out.slice(before).map((m) => JSON.stringify(m)).join(' ')}`);
    internals.flash.drain(out);
  }
}
