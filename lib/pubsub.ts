import { invalidArgument } from './errors';

/** Something that receives broadcasts (a live connection). */
export interface Subscriber {
  deliver(message: unknown): void;
}

/**
 * In-memory publish/subscribe between the live connections of one process. Views subscribe
 * with `this.subscribe(topic)`; `live.broadcast(topic, msg)` reaches each subscriber's
 * `handleInfo` through its own serial queue.
 */
export class PubSub {
  readonly #topics = new Map<string, Set<Subscriber>>();

  subscribe(topic: string, subscriber: Subscriber): void {
    if (typeof topic !== 'string' || topic.length === 0) {
      throw invalidArgument('subscribe(topic)', 'topic', 'a non-empty string, e.g. "room:42"', topic);
    }
    let set = this.#topics.get(topic);
    if (!set) this.#topics.set(topic, (set = new Set()));
    set.add(subscriber);
  }

  unsubscribe(topic: string, subscriber: Subscriber): void {
    const set = this.#topics.get(topic);
    if (!set) return;
    set.delete(subscriber);
    if (set.size === 0) this.#topics.delete(topic);
  }

  /** Delivers to every subscriber of `topic`; returns how many there were. */
  broadcast(topic: string, message: unknown): number {
    const set = this.#topics.get(topic);
    if (!set) return 0;
    for (const subscriber of [...set]) subscriber.deliver(message);
    return set.size;
  }

  /** Number of topics with subscribers (for leak checks). */
  get topicCount(): number {
    return this.#topics.size;
  }
}
