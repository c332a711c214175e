import { createView, viewInternals, type LiveView, type LiveViewClass, type MountContext, type PendingLeave, type PendingPatch, type ViewHost } from './live-view';
import { followPatches, type Patchable, type RouteMatcher } from './navigation';
import type { ResolvedLogger } from '../core/logger';
import type { TitleFormatter } from './page-metadata';
import type { JsonValue, NavigateMessage } from '../contract/protocol';
import type { RenderTarget } from '../render/renderer';
import { queryOf } from '../core/url';

/** A registered route: its Express path pattern and view class, resolved once by `live.route()`. */
export interface RouteEntry extends RenderTarget {
  readonly route: string;
  readonly viewClass: LiveViewClass;
  /** The view's title template (or the option's) with the default title. */
  readonly formatTitle: TitleFormatter;
  /**
   * `live.route(path, View, { liveSession })`: routes of one named live session are reachable
   * from each other's pages by the browser's own live navigation (dj-navigate, back/forward).
   */
  readonly liveSession: string | undefined;
  /** Route params of a path this route matches, by Express's rules (made by lib/routes/route-table.ts). */
  readonly match: RouteMatcher;
}

/** A value now, or later. Synchronous handlers keep the whole path synchronous. */
export type Step<T> = T | Promise<T>;

/** A change that threw (see `ViewLifecycle.change`); the view was restored. */
export interface Failure {
  readonly error: unknown;
}

/** What `mount(ctx)` receives besides the URL and mount path, which the lifecycle knows; `locals` defaults to `{}`. */
export type MountInput = Omit<MountContext, 'params' | 'query' | 'url' | 'baseUrl' | 'locals'> & { locals?: Record<string, unknown> };

/** Passes a view's promise's outcome on to the lifecycle's own promise, until `unmount` cuts it (both null). */
interface Forwarder {
  resolve: ((value: unknown) => void) | null;
  reject: ((error: unknown) => void) | null;
}

/** Everything a change may touch, saved before it runs and restored whole when it fails. */
interface Snapshot {
  /** The change's generation: `abandon()` moves the lifecycle past it. */
  readonly generation: number;
  readonly fields: Record<string, unknown>;
  readonly metadata: () => void;
  /** Restores the flash; null: the view had none (the restore drops what the change made). */
  readonly flash: (() => void) | null;
  readonly url: string;
  readonly params: Record<string, string>;
  /** `pushEvent` messages pending before the change (those it adds are dropped on failure). */
  readonly events: number;
  /** Restores the stream queues (null: the view had no stream yet). */
  readonly streams: (() => void) | null;
  /** One step of a batch (`changeEach`): puts back the async work the steps before it asked for (null: a whole change, whose work is discarded). */
  readonly work?: (() => void) | null;
}

/**
 * One view's life, defined once and used by the HTTP render and by live connections alike:
 * `mount` (mount → handleParams → the pushPatch chain), `change` (an event, a handleInfo or
 * a navigation, rolled back whole when it throws) and `unmount` (timers and subscriptions
 * released, then the view's own unmount).
 */
export class ViewLifecycle implements Patchable {
  readonly view: LiveView;
  readonly entry: RouteEntry;
  /** The URL (path + query) and route params the view shows now; navigation moves them. */
  url: string;
  params: Record<string, string>;
  /** Patchable: the mount path the page was served under ('' at the root). */
  readonly base: string;
  /** What the `session` option gave (carried in the token); set by `mount`, handed to views this one navigates to. */
  session: JsonValue | undefined = undefined;
  readonly #logger: ResolvedLogger;
  #unmounted = false;
  /** Counts abandoned changes; a change whose generation is behind does nothing more when it settles. */
  #generation = 0;
  /** The forwarders of the view's promises the lifecycle waits on (see `#adopt`); made by the first. */
  #waiting: Set<Forwarder> | null = null;

  /**
   * Creates the view; `host` gives it a live connection's services (null for the HTTP render).
   * `url` is as the browser sees it, under the mount path `base`.
   */
  constructor(entry: RouteEntry, url: string, params: Record<string, string>, logger: ResolvedLogger, host: ViewHost | null, base = '') {
    this.entry = entry;
    this.url = url;
    this.params = params;
    this.base = base;
    this.#logger = logger;
    this.view = createView(entry.viewClass, entry.formatTitle);
    const internals = viewInternals(this.view);
    internals.host = host;
    internals.logger = logger;
  }

  get route(): string {
    return this.entry.route;
  }

  get name(): string {
    return this.entry.name;
  }

  /** Runs mount, handleParams and the pushPatch chain they started; returns the `navigate` for the client, if any. Throws what they throw. */
  async mount(input: MountInput): Promise<NavigateMessage | null> {
    const { view, url, params, base } = this;
    this.session = input.session;
    await this.#adopt(view.mount?.({ ...input, locals: input.locals ?? {}, params, query: queryOf(url), url, baseUrl: base }));
    await this.handleParams();
    const navigate = await followPatches(this);
    viewInternals(view).work?.commit(); // async work asked for in mount starts now
    return navigate;
  }

  /** Patchable: `handleParams` for the URL the view shows now. */
  handleParams(): unknown {
    const { url } = this;
    return this.#adopt(this.view.handleParams?.(this.params, url, queryOf(url)));
  }

  /** Patchable: route params of `path` by the view's route. */
  match(path: string): Record<string, string> | null {
    return this.entry.match(path);
  }

  /** Patchable: the view's pending pushPatch. */
  takePatch(): PendingPatch | null {
    return viewInternals(this.view).takePatch();
  }

  /** The view's pending `pushNavigate` / `redirect`, taken (see ViewInternals.leave). */
  takeLeave(): PendingLeave | null {
    return viewInternals(this.view).takeLeave();
  }

  /**
   * Runs one change to the view — `run` (an event handler, handleInfo, or handleParams for a
   * new URL), the pushPatch chain it started, then `respond(navigate)` (render and answer).
   * When any of them throws, the view's fields, title, meta, links, flash, pending patch,
   * navigation, push events and reply, and URL are restored from one snapshot and the error is returned; undefined on success.
   * Synchronous steps complete before this returns; a promise makes the rest wait for it.
   */
  change(run: () => unknown, respond: (navigate: NavigateMessage | null) => void): Step<Failure | undefined> {
    const snapshot = this.#snapshot();
    let result: unknown;
    try {
      result = run();
    } catch (error) {
      return this.#restore(snapshot, error);
    }
    if (!isThenable(result)) return this.#afterRun(snapshot, respond);
    return this.#adopt(result).then(() => this.#afterRun(snapshot, respond), (error: unknown) => this.#restore(snapshot, error));
  }

  /**
   * Several changes answered by one `respond`: a connection's backlog of `handleInfo` messages
   * (lib/connection/info-batch.ts). `next()` hands out each change's `run` in turn, null when
   * there is none left. One that throws is rolled back alone — the view is restored to what it
   * was before that run, the runs before it keep their effect — its error goes to `failed`, and
   * the batch goes on. A run that returns a promise, calls `pushPatch` (its handleParams chain
   * is awaited, as in `change`) or asks to leave the view (`pushNavigate`, `redirect`) is the
   * batch's last. Then `respond(navigate)` once. When respond throws, the whole batch is rolled
   * back and its error returned, as `change` does; async work asked for in the batch starts
   * after respond.
   */
  changeEach(next: () => (() => unknown) | null, respond: (navigate: NavigateMessage | null) => void, failed: (error: unknown) => void): Step<Failure | undefined> {
    const batch = this.#snapshot();
    const finish = (navigate: NavigateMessage | null): Failure | undefined => this.#respond(batch, respond, navigate);
    for (let run = next(); run !== null; run = next()) {
      const step = this.#snapshot(viewInternals(this.view).work?.pendingSnapshot() ?? null);
      const stepFailed = (error: unknown): null => {
        if (this.#restore(step, error) !== undefined) failed(error);
        return null;
      };
      let result: unknown;
      try {
        result = run();
        if (isThenable(result)) {
          return this.#adopt(result).then(() => followPatches(this)).then(finish, (error: unknown) => finish(stepFailed(error)));
        }
        result = followPatches(this); // null, or the promise of a pushPatch chain
      } catch (error) {
        stepFailed(error);
        continue;
      }
      if (isThenable<NavigateMessage | null>(result)) return Promise.resolve(result).then(finish, (error: unknown) => finish(stepFailed(error)));
      if (viewInternals(this.view).leave !== null) break;
    }
    return finish(null);
  }

  /**
   * Gives up on the change in flight (its handler timed out): when it settles later, it
   * neither responds nor restores — the view keeps what it did, shown by the next render.
   */
  abandon(): void {
    this.#generation += 1;
  }

  /**
   * A promise of the view's (a handler's, mount's, handleParams') as the lifecycle waits on it:
   * the same outcome, through a forwarder that `unmount` cuts. A view's promise may wait on
   * something outside (a slow service, a timer) long after its connection closed; through the
   * forwarder it holds only that small object, not the rest of the change (the response, the
   * connection, its socket and buffers), which then never settles and is collected. A value
   * that is not a promise is returned as it is.
   */
  #adopt<T>(value: T): T extends PromiseLike<infer U> ? Promise<U> : T;
  #adopt(value: unknown): unknown {
    if (!isThenable(value)) return value;
    if (this.#unmounted) return new Promise(() => {});
    const waiting = (this.#waiting ??= new Set());
    const forwarder: Forwarder = { resolve: null, reject: null };
    const adopted = new Promise<unknown>((resolve, reject) => {
      forwarder.resolve = resolve;
      forwarder.reject = reject;
    });
    waiting.add(forwarder);
    Promise.resolve(value).then(
      (result) => {
        waiting.delete(forwarder);
        forwarder.resolve?.(result);
      },
      (error: unknown) => {
        waiting.delete(forwarder);
        forwarder.reject?.(error);
      },
    );
    return adopted;
  }

  /** Unmount: every forwarder is cut (see `#adopt`). */
  #letGo(): void {
    const waiting = this.#waiting;
    if (waiting === null) return;
    for (const forwarder of waiting) {
      forwarder.resolve = null;
      forwarder.reject = null;
    }
    waiting.clear();
  }

  #afterRun(snapshot: Snapshot, respond: (navigate: NavigateMessage | null) => void): Step<Failure | undefined> {
    if (snapshot.generation !== this.#generation) return undefined;
    let navigate: Step<NavigateMessage | null>;
    try {
      navigate = followPatches(this);
    } catch (error) {
      return this.#restore(snapshot, error);
    }
    if (!isThenable(navigate)) return this.#respond(snapshot, respond, navigate);
    return navigate.then((n) => this.#respond(snapshot, respond, n), (error: unknown) => this.#restore(snapshot, error));
  }

  #respond(snapshot: Snapshot, respond: (navigate: NavigateMessage | null) => void, navigate: NavigateMessage | null): Failure | undefined {
    if (snapshot.generation !== this.#generation) return undefined;
    try {
      respond(navigate);
      viewInternals(this.view).work?.commit(); // async work asked for in this change starts now
      return undefined;
    } catch (error) {
      return this.#restore(snapshot, error);
    }
  }

  /** `work`: one step of a batch (see Snapshot.work); a whole change has none (undefined). Built whole here, not spread into a copy per step. */
  #snapshot(work?: (() => void) | null): Snapshot {
    const internals = viewInternals(this.view);
    const { metadata, flash, events } = internals;
    internals.reply = null; // what a change that was given up (timed out) left is not this change's answer
    return { generation: this.#generation, fields: ownFields(this.view), metadata: metadata.snapshot(), flash: flash === null ? null : flash.snapshot(), url: this.url, params: this.params, events: events === null ? 0 : events.length, streams: internals.streams === null ? null : internals.streams.snapshot(), work };
  }

  #restore(snapshot: Snapshot, error: unknown): Failure | undefined {
    if (snapshot.generation !== this.#generation) return undefined;
    restoreFields(this.view, snapshot.fields);
    snapshot.metadata();
    const internals = viewInternals(this.view);
    if (snapshot.flash === null) internals.flash = null;
    else snapshot.flash();
    internals.patch = null;
    internals.leave = null;
    internals.reply = null;
    if (snapshot.work) snapshot.work(); // one step of a batch: the steps before it keep theirs
    else internals.work?.discard(); // async work the failed change asked for never starts
    if (internals.events !== null && internals.events.length > snapshot.events) internals.events.length = snapshot.events;
    if (snapshot.streams === null) internals.streams = null;
    else snapshot.streams();
    this.url = snapshot.url;
    this.params = snapshot.params;
    return { error };
  }

  /**
   * Ends the view: cancels its async work, releases its host's timers and subscriptions, then
   * runs its `unmount` (a failure there is logged, never thrown). From then on the view's calls
   * (`sendAfter`, `putFlash`, head setters…) are no-ops with a debug line naming `reason`.
   * Idempotent.
   */
  async unmount(reason = 'unmounted'): Promise<void> {
    if (this.#unmounted) return;
    this.#unmounted = true;
    this.#letGo();
    const internals = viewInternals(this.view);
    internals.gone = reason;
    internals.work?.close(reason);
    internals.host?.release();
    internals.host = null;
    if (internals.components !== null) {
      internals.components.onError = (message, error) => this.#logger.error(message, error);
      internals.components.unmountAll(); // its LiveComponents' unmount (docs/components.md)
    }
    try {
      await this.view.unmount?.();
    } catch (err) {
      this.#logger.error(`djust-lite: ${this.name}.unmount() failed`, err);
    }
  }
}

export function isThenable<T>(value: unknown): value is PromiseLike<T> {
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
