import { Fifo } from '../core/fifo';
import { AsyncCompletion } from '../view/async-work';
import type { EventMessage, MountMessage, ParamsMessage, ServerMessage } from '../contract/protocol';

/** A message for `handleInfo`; `dropped` once a newer one displaced it from a full queue. */
export interface InfoJob {
  kind: 'info';
  payload: unknown;
  dropped: boolean;
  /** The view services (timers, subscriptions) it came from; a view that has left the connection gets none. */
  from?: object | undefined;
}

/** One unit of a connection's serial work. */
export type Job =
  | { kind: 'mount'; message: MountMessage }
  | { kind: 'event'; message: EventMessage }
  | { kind: 'params'; message: ParamsMessage }
  | InfoJob
  | { kind: 'error'; message: ServerMessage }
  /** Upload progress: the view re-renders (lib/connection/upload-channel.ts queues at most one at a time). */
  | { kind: 'render' };

/** What `push` did: queued it, queued it in place of the oldest info, or refused it (its kind is full). */
export type PushResult = 'queued' | 'displaced' | 'full';

/** Items in arrival order: none, one held as itself, or a list of several (made for the second). */
type Held<T extends object> = Fifo<T> | T | null;

/** `held` with `item` added last. */
function withLast<T extends object>(held: Held<T>, item: T): Fifo<T> | T {
  if (held === null) return item;
  if (held instanceof Fifo) {
    held.push(item);
    return held;
  }
  const list = new Fifo<T>();
  list.push(held);
  list.push(item);
  return list;
}

/** The first of `held`, left in place. */
function firstOf<T extends object>(held: Held<T>): T | undefined {
  return held === null ? undefined : held instanceof Fifo ? held.peek() : held;
}

/** `held` without its first item; the list goes once empty. */
function withoutFirst<T extends object>(held: Held<T>): Held<T> {
  if (!(held instanceof Fifo)) return null;
  held.shift();
  return held.length === 0 ? null : held;
}

/**
 * A connection's jobs in arrival order, each kind bounded: at most `cap` events (with
 * navigations), `cap` infos and `cap` error answers wait at once. A full queue refuses an
 * event or an error answer; an info instead displaces the oldest waiting info (a slow
 * subscriber keeps the newest pushes, never a growing backlog); an async result is not
 * displaced, nor counted with the infos. Push and shift are O(1).
 * An empty queue holds no list: most connections are idle most of the time; nor does one
 * holding a single job (a click's, taken right away): it is held as itself, and a list is made
 * for the second.
 */
export class JobQueue {
  readonly #cap: number;
  /** The waiting jobs in arrival order: none, one job, or a list of several. */
  #jobs: Held<Job> = null;
  /**
   * The infos waiting, oldest first: none, one info held as itself, or a list of several (made
   * for the second, as `#jobs`): a subscriber that keeps up holds one at a time and makes no
   * list per broadcast.
   */
  #infos: Held<InfoJob> = null;
  #events = 0;
  #errors = 0;
  #size = 0;
  /** Jobs taken so far (`shift`, `shiftInfo`): a connection's turn counts what it took, info batches included. */
  taken = 0;

  constructor(cap: number) {
    this.#cap = cap;
  }

  /** Jobs waiting (displaced infos not counted). */
  get length(): number {
    return this.#size;
  }

  push(job: Job): PushResult {
    let result: PushResult = 'queued';
    switch (job.kind) {
      case 'event':
      case 'params':
        if (this.#events >= this.#cap) return 'full';
        this.#events += 1;
        break;
      case 'error':
        if (this.#errors >= this.#cap) return 'full';
        this.#errors += 1;
        break;
      case 'info': {
        // An async result is never displaced (the view would show `loading` for good); a view
        // has at most MAX_ASYNC_TASKS of them in flight (lib/view/async-work.ts).
        if (job.payload instanceof AsyncCompletion) break;
        const infos = this.#infos;
        const waiting = infos === null ? 0 : infos instanceof Fifo ? infos.length : 1;
        if (waiting >= this.#cap) {
          (this.#takeInfo() as InfoJob).dropped = true;
          this.#size -= 1;
          result = 'displaced';
        }
        this.#infos = withLast(this.#infos, job);
        break;
      }
      case 'mount':
        break;
    }
    this.#size += 1;
    this.#jobs = withLast(this.#jobs, job);
    return result;
  }

  /** Takes the oldest waiting info off `#infos`. */
  #takeInfo(): InfoJob | undefined {
    const info = firstOf(this.#infos);
    this.#infos = withoutFirst(this.#infos);
    return info;
  }

  /** The next job in arrival order (displaced infos included), left in place. */
  #peek(): Job | undefined {
    return firstOf(this.#jobs);
  }

  /** Takes the next job in arrival order (displaced infos included). */
  #take(): Job | undefined {
    const job = firstOf(this.#jobs);
    this.#jobs = withoutFirst(this.#jobs);
    return job;
  }

  shift(): Job | undefined {
    for (let job = this.#take(); job !== undefined; job = this.#take()) {
      if (job.kind === 'info') {
        if (job.dropped) continue;
        if (job.payload instanceof AsyncCompletion) {
          this.#size -= 1;
          this.taken += 1;
          return job;
        }
        this.#takeInfo();
      } else if (job.kind === 'event' || job.kind === 'params') {
        this.#events -= 1;
      } else if (job.kind === 'error') {
        this.#errors -= 1;
      }
      this.#size -= 1;
      this.taken += 1;
      return job;
    }
    return undefined;
  }

  /**
   * Whether the next job is a `handleInfo` message for the view services `host` (or for no view
   * in particular), not an async result; displaced infos on the way are let go. Lets a backlog of
   * infos run as one batch (lib/connection/info-batch.ts); `shiftInfo` takes it.
   */
  hasInfo(host: object | null): boolean {
    for (let job = this.#peek(); job !== undefined && job.kind === 'info'; job = this.#peek()) {
      if (!job.dropped) return !(job.payload instanceof AsyncCompletion) && (job.from === undefined || job.from === host);
      this.#take();
    }
    return false;
  }

  /** The next job when `hasInfo(host)`, taken as `shift` would; else undefined, and the queue is unchanged. */
  shiftInfo(host: object | null): InfoJob | undefined {
    return this.hasInfo(host) ? (this.shift() as InfoJob) : undefined;
  }

  clear(): void {
    this.#jobs = null;
    this.#infos = null;
    this.#events = 0;
    this.#errors = 0;
    this.#size = 0;
  }
}
