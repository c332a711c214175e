import { DjustError } from '../core/errors';
import type { ResolvedLogger } from '../core/logger';

/**
 * Async work of one view, as Phoenix's `assign_async` / `start_async`: the work runs off the
 * connection's queue (other events are handled meanwhile) and its result comes back as a job
 * of the view, like a `handleInfo` message. Work asked for in a change starts when the change
 * has succeeded (never for one that threw); a newer call with the same name supersedes the
 * older (its signal aborts, its result is dropped); unmount aborts everything. What the work
 * throws is caught and handed to the view; no promise made here is ever left unhandled. Only
 * `request` throws (over MAX_ASYNC_TASKS), synchronously, into the handler that asked.
 */

/**
 * What the template sees for each key of `assignAsync`: `loading` while the work runs, `ok`
 * with `result` once it succeeded, `failed` with the reason once it threw. Replaced whole on
 * each change (never mutated), so a failed handler's rollback restores it.
 *
 * @example
 * {% if user.loading %}Loading…{% elif user.ok %}{{ user.result.name }}{% elif user.failed %}Could not load: {{ user.failed.message }}{% endif %}
 */
export interface AsyncResult<T = unknown> {
  /** True while the work runs (again: `ok` and `result` keep the previous run's until it ends, unless `reset`). */
  readonly loading: boolean;
  /** True once the last finished run succeeded; `result` holds its value. */
  readonly ok: boolean;
  /** The value of the last successful run (kept while reloading and after a failure), else undefined. */
  readonly result: T | undefined;
  /** What the last run threw (an `Error`: `{{ user.failed.message }}`; `true` when it threw a falsy value), else null. */
  readonly failed: unknown;
}

/** The states of an `AsyncResult`, for a field's initial value or a test. */
export const AsyncResult = {
  /** Running: keeps `previous`'s `ok` and `result` (pass none to start empty). */
  loading<T>(previous?: AsyncResult<T>): AsyncResult<T> {
    return Object.freeze({ loading: true, ok: previous?.ok === true, result: previous?.result, failed: null });
  },
  /** Succeeded with `result`. */
  ok<T>(result: T): AsyncResult<T> {
    return Object.freeze({ loading: false, ok: true, result, failed: null });
  },
  /** Failed with `reason` (a falsy reason becomes `true`, so `{% if x.failed %}` holds); keeps `previous`'s `result`. */
  failed<T>(reason: unknown, previous?: AsyncResult<T>): AsyncResult<T> {
    return Object.freeze({ loading: false, ok: false, result: previous?.result, failed: reason || true });
  },
};

/** What `handleAsync(name, result)` receives: the work's value, or why it failed (what it threw). */
export type AsyncOutcome<T = unknown> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: unknown };

/** What the work of `assignAsync(keys, fn)` resolves to: a value per key (the field's `result`). */
export type AsyncValues<K extends string> = { [P in K]: unknown };

/** Work a view may have running (or waiting to be applied) at once; one more is refused. */
export const MAX_ASYNC_TASKS = 100;

/** Where a task's result goes: the view's connection queue (ViewHost.post). */
export type AsyncPost = (completion: AsyncCompletion) => void;

interface Task {
  /** `start:<name>` or `assign:<keys>`: one running task per slot. */
  readonly slot: string;
  /** How logs and failures name it: `startAsync("search")`, `assignAsync("user")`. */
  readonly what: string;
  readonly name: string;
  /** assignAsync's keys; null for startAsync. */
  readonly keys: readonly string[] | null;
  readonly fn: (signal: AbortSignal) => unknown;
  readonly controller: AbortController;
  /** Why its result will be dropped (`superseded`, `cancelled by unmount`…), once it is. */
  dropped: string | null;
}

/**
 * A finished task on its way to the view's queue (an info job's payload). Applied by
 * `apply` as a change of the view: assigns the keys, or calls `handleAsync`.
 */
export class AsyncCompletion {
  readonly #work: AsyncWork;
  readonly #task: Task;
  readonly #outcome: AsyncOutcome;

  constructor(work: AsyncWork, task: Task, outcome: AsyncOutcome) {
    this.#work = work;
    this.#task = task;
    this.#outcome = outcome;
  }

  /** The handler name logs use: `handleAsync("search")` or `assignAsync("user")`. */
  get what(): string {
    return this.#task.keys === null ? `handleAsync(${JSON.stringify(this.#task.name)})` : this.#task.what;
  }

  /**
   * Applies the result to `view` (run inside the lifecycle's change): nothing when the task was
   * superseded or cancelled since it finished; else the keys' results, or `handleAsync`.
   */
  apply(view: AsyncTarget): unknown {
    if (!this.#work.finish(this.#task)) return undefined;
    const { keys, name } = this.#task;
    const outcome = this.#outcome;
    if (keys === null) {
      if (typeof view.handleAsync !== 'function') {
        this.#work.logger.warn(`djust-lite: ${this.#work.viewName}.startAsync(${JSON.stringify(name)}) finished but the view has no handleAsync(name, result); its result was dropped.`);
        return undefined;
      }
      return view.handleAsync(name, outcome);
    }
    const fields = view as unknown as Record<string, unknown>;
    const values = outcome.ok ? outcome.value : null;
    for (const key of keys) {
      const previous = fields[key] as AsyncResult | undefined;
      if (!outcome.ok) {
        fields[key] = AsyncResult.failed(outcome.reason, previous);
      } else if (typeof values === 'object' && values !== null && Object.prototype.hasOwnProperty.call(values, key)) {
        fields[key] = AsyncResult.ok((values as Record<string, unknown>)[key]);
      } else {
        const error = new DjustError('DJUST_ERR_INVALID_ASYNC', `${this.#work.viewName}.${this.#task.what}: the function must resolve to an object with a value for each key (${keys.join(', ')}), e.g. { ${key}: … }; "${key}" is missing.`);
        this.#work.logger.error(`djust-lite: ${this.#work.viewName}.${this.#task.what} failed`, error);
        fields[key] = AsyncResult.failed(error, previous);
      }
    }
    return undefined;
  }
}

/** The view as a completion sees it. */
export interface AsyncTarget {
  handleAsync?(name: string, result: AsyncOutcome): void | Promise<void>;
}

/**
 * One view's async tasks: those asked for in the change in flight (`pending`, started by
 * `commit`, dropped by `discard`) and those running or finished but not yet applied.
 */
/**
 * The reason a task's signal aborts with: a DOMException named AbortError, without stack frames
 * (its message says what happened). A captured stack keeps each frame's receiver (the
 * connection, its view) until it is formatted, and a task that ignores its signal keeps its
 * reason, and so all of them, alive until it settles. Where DOMException captures its stack in
 * another realm than this module's `Error` (a test runner's vm context), reading `stack` formats
 * the frames at once and lets go of them.
 */
export function abortError(message: string): DOMException {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    const error = new DOMException(message, 'AbortError');
    void error.stack;
    return error;
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** Where completions go after the view unmounted: nowhere. */
const NOWHERE: AsyncPost = () => {};

export class AsyncWork {
  readonly logger: ResolvedLogger;
  readonly viewName: string;
  /** To the connection's queue; NOWHERE once closed, so a task still running holds this object, not the connection, its socket and its buffers. */
  #post: AsyncPost;
  #pending: Task[] | null = null;
  readonly #running = new Map<string, Task>();
  #closed = false;

  constructor(viewName: string, logger: ResolvedLogger, post: AsyncPost) {
    this.viewName = viewName;
    this.logger = logger;
    this.#post = post;
  }

  /** Asks for `fn` to run under `slot` once the current change succeeds; a pending one of the same slot is replaced. */
  request(slot: string, what: string, name: string, keys: readonly string[] | null, fn: (signal: AbortSignal) => unknown): void {
    const pending = (this.#pending ??= []);
    const same = pending.findIndex((task) => task.slot === slot);
    if (same >= 0) pending.splice(same, 1);
    else if (this.#running.size + pending.length >= MAX_ASYNC_TASKS && !this.#running.has(slot)) {
      throw new DjustError('DJUST_ERR_INVALID_ASYNC', `${this.viewName}.${what}: over ${MAX_ASYNC_TASKS} async tasks running at once; reuse a name (a newer call supersedes the older) instead of making one per call.`);
    }
    pending.push({ slot, what, name, keys, fn, controller: new AbortController(), dropped: null });
  }

  /** The change succeeded: its tasks start, each superseding the running one of its slot. */
  commit(): void {
    const pending = this.#pending;
    this.#pending = null;
    if (pending === null || this.#closed) return; // a change that ends after unmount starts nothing
    for (const task of pending) {
      const older = this.#running.get(task.slot);
      if (older !== undefined) {
        older.dropped = 'superseded';
        older.controller.abort(abortError(`${this.viewName}.${task.what} was superseded by a newer call.`));
      }
      this.#running.set(task.slot, task);
      this.#start(task);
    }
  }

  /** The change failed (it was rolled back): its tasks never start. */
  discard(): void {
    this.#pending = null;
  }

  /**
   * The tasks asked for so far in the change in flight, to put back when a later part of it is
   * rolled back alone (one message of a batch, ViewLifecycle.changeEach): the closure restores them.
   */
  pendingSnapshot(): () => void {
    const saved = this.#pending === null ? null : this.#pending.slice();
    return () => {
      this.#pending = saved;
    };
  }

  /**
   * `cancelAsync`: aborts the task of `start:<name>` (running, or asked for in this change) with
   * `reason`; its `handleAsync` then gets `{ ok: false, reason }` as a job of the view (unless
   * a newer call of that name comes first). False when no such task runs.
   */
  cancelStart(name: string, reason: unknown): boolean {
    const task = this.#cancel(`start:${name}`, reason);
    if (task === null) return false;
    // Stands in for the cancelled task, so that its `{ ok: false }` is dropped if a newer call supersedes it first.
    const marker: Task = { ...task, controller: new AbortController(), dropped: null };
    this.#running.set(task.slot, marker);
    this.#post(new AsyncCompletion(this, marker, { ok: false, reason }));
    return true;
  }

  /**
   * `cancelAsync` of an assignAsync result: aborts the task (running, or asked for in this
   * change) that assigns `key` with `reason`, and returns its keys (the caller marks them
   * failed); null when none does.
   */
  cancelAssign(key: string, reason: unknown): readonly string[] | null {
    const owns = (task: Task): boolean => task.keys !== null && task.keys.includes(key);
    const slot = this.#pending?.find(owns)?.slot ?? [...this.#running.values()].find(owns)?.slot;
    if (slot === undefined) return null;
    return this.#cancel(slot, reason)?.keys ?? null;
  }

  /** Removes the task of `slot` from the pending and running ones and aborts it with `reason`; returns it. */
  #cancel(slot: string, reason: unknown): Task | null {
    const pending = this.#pending?.find((task) => task.slot === slot) ?? null;
    if (pending !== null) this.#pending?.splice(this.#pending.indexOf(pending), 1);
    const running = this.#running.get(slot) ?? null;
    if (running !== null) {
      this.#running.delete(slot);
      running.dropped = 'cancelled by cancelAsync()';
      running.controller.abort(reason);
    }
    const task = pending ?? running;
    if (task !== null && this.logger.connection.enabled) this.logger.connection(`${this.viewName}.${task.what} was cancelled by cancelAsync()`);
    return task;
  }

  /** The view unmounts: every task is aborted and its result dropped. Idempotent. */
  close(reason: string): void {
    this.#closed = true;
    this.#post = NOWHERE;
    this.#pending = null;
    for (const task of this.#running.values()) {
      task.dropped = 'cancelled by unmount';
      task.controller.abort(abortError(`${this.viewName}.${task.what} was cancelled: ${reason}.`));
    }
    this.#running.clear();
  }

  /** Called when a completion is applied: true (and the slot freed) when `task` is still the current one of its slot. */
  finish(task: Task): boolean {
    if (this.#running.get(task.slot) !== task) return false;
    this.#running.delete(task.slot);
    return true;
  }

  /** Runs `task.fn` after the current job's synchronous part; its settling posts a completion. */
  #start(task: Task): void {
    const { signal } = task.controller;
    Promise.resolve()
      .then(() => (signal.aborted ? undefined : task.fn(signal)))
      .then(
        (value: unknown) => this.#settle(task, { ok: true, value }),
        (reason: unknown) => this.#settle(task, { ok: false, reason }),
      )
      .catch((err: unknown) => this.logger.error(`djust-lite: internal error delivering ${this.viewName}.${task.what}`, err));
  }

  #settle(task: Task, outcome: AsyncOutcome): void {
    if (task.dropped !== null || this.#running.get(task.slot) !== task) {
      const { connection } = this.logger;
      if (connection.enabled) connection(`${this.viewName}.${task.what} ${outcome.ok ? 'finished' : 'failed'} after it was ${task.dropped ?? 'superseded'}; its result was dropped`);
      return;
    }
    if (!outcome.ok) this.logger.error(`djust-lite: ${this.viewName}.${task.what} failed (the view gets the reason)`, outcome.reason);
    this.#post(new AsyncCompletion(this, task, outcome));
  }
}
