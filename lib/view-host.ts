import { clearTimeout, setTimeout } from 'node:timers';
import { invalidArgument } from './errors';
import type { ViewHost } from './live-view';
import type { PubSub, Subscriber } from './pubsub';

/**
 * The services a connected view calls into — `subscribe`, `unsubscribe`, `sendAfter` — for
 * one live connection, and their release when the view unmounts. What they deliver goes to
 * `subscriber` (the connection), which queues it for `handleInfo`.
 */
export class HostServices implements ViewHost {
  readonly #pubsub: PubSub;
  readonly #subscriber: Subscriber;
  /** Allocated on first use (most connections never set a timer or subscribe). */
  #timers: Set<NodeJS.Timeout> | null = null;
  #topics: Set<string> | null = null;

  constructor(pubsub: PubSub, subscriber: Subscriber) {
    this.#pubsub = pubsub;
    this.#subscriber = subscriber;
  }

  /** `view.subscribe(topic)`: `live.broadcast(topic, msg)` reaches the view's `handleInfo`. */
  subscribe(topic: string): void {
    this.#pubsub.subscribe(topic, this.#subscriber);
    (this.#topics ??= new Set()).add(topic);
  }

  /** `view.unsubscribe(topic)`. */
  unsubscribe(topic: string): void {
    this.#pubsub.unsubscribe(topic, this.#subscriber);
    this.#topics?.delete(topic);
  }

  /** `view.sendAfter(message, ms)`: delivers `message` after `ms`; returns the cancel function. */
  sendAfter(message: unknown, ms: number): () => void {
    if (typeof ms !== 'number' || !(ms >= 0)) throw invalidArgument('sendAfter(message, ms)', 'ms', 'a number of milliseconds ≥ 0', ms);
    const timers = (this.#timers ??= new Set());
    const timer = setTimeout(() => {
      timers.delete(timer);
      this.#subscriber.deliver(message);
    }, ms);
    timers.add(timer);
    return () => {
      clearTimeout(timer);
      timers.delete(timer);
    };
  }

  /** Cancels every pending `sendAfter` and subscription. Idempotent. */
  release(): void {
    if (this.#timers) for (const timer of this.#timers) clearTimeout(timer);
    this.#timers = null;
    if (this.#topics) for (const topic of this.#topics) this.#pubsub.unsubscribe(topic, this.#subscriber);
    this.#topics = null;
  }
}
