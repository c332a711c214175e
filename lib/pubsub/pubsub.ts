import { invalidArgument } from '../core/errors';

/** Something that receives broadcasts (a live connection). `deliver` only enqueues: it never renders on the caller's turn. */
export interface Subscriber {
  deliver(message: unknown): void;
}

/**
 * Where `live.broadcast(topic, msg)` and views' `this.subscribe(topic)` go: the option
 * `pubsub`. The default, `MemoryPubSub`, reaches the views of this process; `redisPubSub()`
 * from `djust-lite/redis` reaches every process sharing one Redis. An adapter of your own
 * implements these four methods.
 *
 * @example
 * import { redisPubSub } from 'djust-lite/redis';
 * djustLite({ pubsub: redisPubSub({ url: process.env.REDIS_URL }) });
 */
export interface PubSubAdapter {
  /** Adds `subscriber` to `topic` (a non-empty string). Adding it twice is one subscription. */
  subscribe(topic: string, subscriber: Subscriber): void;
  /** Removes `subscriber` from `topic`; unknown pairs are ignored. */
  unsubscribe(topic: string, subscriber: Subscriber): void;
  /**
   * Delivers `message` to every subscriber of `topic`: this process's at once (each enqueues it),
   * other processes' through the adapter. Returns how many subscribers this process had.
   */
  broadcast(topic: string, message: unknown): number;
  /** Releases what the adapter holds (connections, timers); `live.close()` calls it. Idempotent. */
  close(): Promise<void>;
  /** Routes SSE requests between processes (no sticky sessions needed); adapters that span processes provide it. */
  readonly streams?: StreamRouter;
}

/**
 * What a POST for another process's SSE stream carries there: an envelope's text, an upload
 * chunk's bytes, or null for a DELETE.
 */
export type ForwardBody = string | Buffer | null;

/** What became of a POST forwarded to the process holding its SSE stream. */
export type ForwardResult = 'delivered' | 'unknown' | 'forbidden' | 'unreachable';

/**
 * Who holds an SSE stream, asked before a POST's body is read: the holder (`forward` hands it
 * the body), or why there is none to hand it to — `'unknown'` (no live process holds the
 * stream), `'forbidden'` (the token is not the one the stream was opened with),
 * `'unreachable'` (Redis down, or too many forwards waiting).
 */
export type Located =
  | { answer: 'held'; forward(body: ForwardBody): Promise<ForwardResult> }
  | { answer: 'unknown' | 'forbidden' | 'unreachable' };

/** Where a process's SSE transport takes what other processes forward to it. */
export interface StreamHandler {
  /**
   * A POST body for stream `id` with the token it carried, forwarded by another process:
   * enqueue it (`'delivered'`), or `'unknown'` (not here) or `'forbidden'` (not its token). A
   * text is an envelope, bytes are an upload chunk, and null is a DELETE: end the stream (its
   * view unmounts).
   */
  deliver(id: string, body: ForwardBody, token: string): 'delivered' | 'unknown' | 'forbidden';
  /** Another process opened stream `id` afresh: end the copy held here. */
  evict(id: string): void;
  /**
   * A stream reconnected with `Last-Event-ID` to another process: attach `link` (which carries
   * the stream's text to that process) to stream `id`, replaying what follows `lastEventId`.
   * `'gap'` when the buffer no longer covers it.
   */
  attach(id: string, token: string, lastEventId: string, link: RelayLink): ResumeAnswer;
}

/** What became of a stream resumed through the process holding it. */
export type ResumeAnswer = 'ok' | 'gap' | 'unknown' | 'forbidden';

/** A stream held by another process: what the holder writes to it. */
export interface RelayLink {
  /** Stream text (SSE lines) for the client. */
  write(text: string): void;
  /** Ends the client's stream. */
  end(): void;
  /** `listener` runs once when the client's stream ends on the other side (or that process is gone). */
  onClose(listener: () => void): void;
}

/** Where the process holding the client's connection writes what the stream's holder relays. */
export interface RelayTarget {
  write(text: string): void;
  end(): void;
}

/**
 * SSE without sticky sessions: which process holds which SSE stream, and the way to it. The SSE
 * transport claims a stream when it opens here and releases it when it ends; a POST for a
 * stream not held here is located first (holder and token, before its body is read), then
 * forwarded, and answered once the holder has enqueued it.
 */
export interface StreamRouter {
  /** The transport's handler for forwarded POSTs and evictions (set once). */
  listen(handler: StreamHandler): void;
  /** Stream `id`, opened with `token`, is now held by this process. */
  claim(id: string, token: string): void;
  /** Stream `id` ended here. */
  release(id: string): void;
  /**
   * The process holding stream `id`, if `token` is the one it was opened with: one lookup,
   * nothing sent to that process yet. The caller has verified the token's signature.
   */
  locate(id: string, token: string): Promise<Located>;
  /**
   * A stream that reconnected here with `Last-Event-ID` while another process holds it: that
   * process relays the stream to `target` (replay first) until `close()` is called or it ends
   * the stream. `'unreachable'` as for `locate`.
   */
  resume(id: string, token: string, lastEventId: string, target: RelayTarget): Promise<{ answer: ResumeAnswer | 'unreachable'; close(): void }>;
}

/** Throws unless `topic` is a non-empty string: the one topic check of every adapter. */
export function checkTopic(call: string, topic: unknown): asserts topic is string {
  if (typeof topic !== 'string' || topic.length === 0) {
    throw invalidArgument(call, 'topic', 'a non-empty string, e.g. "room:42"', topic);
  }
}

/**
 * In-memory publish/subscribe between the live connections of one process, the default
 * adapter. Views subscribe with `this.subscribe(topic)`; `live.broadcast(topic, msg)` reaches
 * each subscriber's `handleInfo` through its own serial queue. Other adapters use it for their
 * process's own subscribers.
 */
export class MemoryPubSub implements PubSubAdapter {
  readonly #topics = new Map<string, Set<Subscriber>>();

  subscribe(topic: string, subscriber: Subscriber): void {
    checkTopic('subscribe(topic)', topic);
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
    checkTopic('broadcast(topic, message)', topic);
    const set = this.#topics.get(topic);
    if (!set) return 0;
    for (const subscriber of [...set]) subscriber.deliver(message);
    return set.size;
  }

  /** Whether `topic` has a subscriber in this process. */
  has(topic: string): boolean {
    return this.#topics.has(topic);
  }

  /** The topics with subscribers, in the order they got their first. */
  topics(): IterableIterator<string> {
    return this.#topics.keys();
  }

  /** Number of topics with subscribers (for leak checks). */
  get topicCount(): number {
    return this.#topics.size;
  }

  /** Nothing to release: subscriptions go with their connections. */
  async close(): Promise<void> {}
}

/** Whether `value` has the four methods of a `PubSubAdapter` (the check of the option `pubsub`). */
export function isPubSubAdapter(value: unknown): value is PubSubAdapter {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return ['subscribe', 'unsubscribe', 'broadcast', 'close'].every((name) => typeof v[name] === 'function');
}
