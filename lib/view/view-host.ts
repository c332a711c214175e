import { invalidArgument } from '../core/errors';
import { nodeClock, type Clock } from '../core/clock';
import type { ViewHost } from './live-view';
import type { PubSubAdapter, Subscriber } from '../pubsub/pubsub';

/** Where a view's services deliver: the connection, told which view's services it came from. */
export interface HostTarget {
  deliver(message: unknown, from: HostServices): void;
}

/**
 * The services a connected view calls into — `subscribe`, `unsubscribe`, `sendAfter` — for
 * one live connection, and their release when the view unmounts. It is the subscriber the
 * pub/sub sees; what it hears, and its timers' messages, go to `target` (the connection) tagged
 * with it, so a view that left the connection (`pushNavigate`) hears nothing more.
 */
export class HostServices implements ViewHost, Subscriber {
  readonly #pubsub: PubSubAdapter;
  readonly #target: HostTarget;
  /** Where `sendAfter` timers run (option `clock`). */
  readonly #clock: Clock;
  /** Allocated on first use (most connections never set a timer or subscribe). */
  #timers: Set<unknown> | null = null;
  #topics: Set<string> | null = null;
  /** `release()` ran: nothing more is delivered. */
  #released = false;

  constructor(pubsub: PubSubAdapter, target: HostTarget, clock: Clock = nodeClock) {
    this.#pubsub = pubsub;
    this.#target = target;
    this.#clock = clock;
  }

  /** Subscriber: a broadcast on a topic of this view. */
  deliver(message: unknown): void {
    this.#target.deliver(message, this);
  }

  /** Queues `message` as a job of this view — an async result (lib/view/async-work.ts), a component's `sendParent` for `handleInfo` — dropped once released. */
  post(message: unknown): void {
    if (!this.#released) this.#target.deliver(message, this);
  }

  /** `view.subscribe(topic)`: `live.broadcast(topic, msg)` reaches the view's `handleInfo`. */
  subscribe(topic: string): void {
    this.#pubsub.subscribe(topic, this);
    (this.#topics ??= new Set()).add(topic);
  }

  /** `view.unsubscribe(topic)`. */
  unsubscribe(topic: string): void {
    this.#pubsub.unsubscribe(topic, this);
    this.#topics?.delete(topic);
  }

  /** `view.sendAfter(message, ms)`: delivers `message` after `ms`; returns the cancel function. */
  sendAfter(message: unknown, ms: number): () => void {
    if (typeof ms !== 'number' || !(ms >= 0)) throw invalidArgument('sendAfter(message, ms)', 'ms', 'a number of milliseconds ≥ 0', ms);
    const timers = (this.#timers ??= new Set());
    const timer = this.#clock.setTimeout(() => {
      timers.delete(timer);
      this.#target.deliver(message, this);
    }, ms);
    timers.add(timer);
    return () => {
      this.#clock.clearTimeout(timer);
      timers.delete(timer);
    };
  }

  /** Cancels every pending `sendAfter` and subscription. Idempotent. */
  release(): void {
    this.#released = true;
    if (this.#timers) for (const timer of this.#timers) this.#clock.clearTimeout(timer);
    this.#timers = null;
    if (this.#topics) for (const topic of this.#topics) this.#pubsub.unsubscribe(topic, this);
    this.#topics = null;
  }
}
