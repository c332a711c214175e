import { randomBytes } from 'node:crypto';
import { clearTimeout, setTimeout } from 'node:timers';
import { createClient } from 'redis';
import { DjustError, invalidArgument } from '../core/errors';
import type { ResolvedLogger } from '../core/logger';
import { checkTopic, MemoryPubSub, type PubSubAdapter, type Subscriber } from '../pubsub/pubsub';
import { resolveRedisOptions, shownUrl, WHERE, type RedisClientLike, type RedisPubSubOptions } from './options';
import { RedisStreamRouter } from './stream-router';

export type { RedisClientLike, RedisPubSubOptions } from './options';

/** What the adapter has done, for health checks and tests. */
export interface RedisPubSubStats {
  /** Both connections (publish and subscribe) are up. */
  connected: boolean;
  /** Messages sent to Redis. */
  published: number;
  /** Messages that reached only this process: Redis was down or too far behind (`maxPendingPublishes`). */
  dropped: number;
  /** Outages since start: Redis lost after it was reached, or not there at start (with `startDegraded`). */
  outages: number;
  /**
   * Texts read from Redis that were not djust-lite's and were ignored: on a topic channel, not
   * JSON; on this process's SSE routing channel, not a routing message. Never an outage.
   */
  ignored: number;
}

/** Length of the process id that starts every message on the wire. */
const ORIGIN_LENGTH = 16;

/** An outage: since when, and what could not be published meanwhile. */
interface Outage {
  since: number;
  dropped: number;
  atStart: boolean;
}

/**
 * A `PubSubAdapter` over Redis pub/sub, for several processes (or machines) serving one app.
 * A broadcast reaches this process's subscribers at once and the other processes through one
 * Redis channel per topic; each process holds one Redis subscription per topic with local
 * subscribers. Delivery across processes is at most once: what is published while Redis is
 * down reaches this process only, and is counted and logged.
 *
 * @example
 * const pubsub = redisPubSub({ url: process.env.REDIS_URL });
 * await pubsub.ready; // DJUST_ERR_REDIS_UNAVAILABLE, naming the URL, when Redis is not there
 * const live = djustLite({ pubsub });
 */
export class RedisPubSub implements PubSubAdapter {
  /** Resolves once Redis is reached (or, with `startDegraded`, once the start gave up waiting). */
  readonly ready: Promise<void>;
  /** SSE routing between the processes sharing this Redis (used by the SSE transport). */
  readonly streams: RedisStreamRouter;
  readonly #local = new MemoryPubSub();
  readonly #pub: RedisClientLike;
  readonly #sub: RedisClientLike;
  readonly #ownsPub: boolean;
  readonly #origin = randomBytes(12).toString('base64url');
  readonly #prefix: string;
  readonly #url: string;
  readonly #maxPending: number;
  readonly #logger: ResolvedLogger;
  #pending = 0;
  #published = 0;
  #dropped = 0;
  #outages = 0;
  #ignored = 0;
  #outage: Outage | null = { since: Date.now(), dropped: 0, atStart: true };
  #lastError = '';
  #startTimer: NodeJS.Timeout | null = null;
  #settle: ((err?: Error) => void) | null = null;
  #closing: Promise<void> | null = null;

  constructor(options: RedisPubSubOptions) {
    const o = resolveRedisOptions(options);
    const { url, client, maxBackoffMs } = o;
    this.#maxPending = o.maxPendingPublishes;
    this.#prefix = o.channelPrefix;
    this.#logger = o.logger;
    this.#url = url !== undefined ? shownUrl(url) : 'the given client';

    // No offline queue: a publish while Redis is away fails at once (counted), never delivered minutes late.
    const reconnectStrategy = (retries: number): number => Math.min(50 * 2 ** Math.min(retries, 16), maxBackoffMs) + Math.floor(Math.random() * 50);
    this.#ownsPub = url !== undefined;
    this.#pub = url !== undefined ? createClient({ url, disableOfflineQueue: true, socket: { reconnectStrategy } }) : (client as RedisClientLike);
    this.#sub = this.#pub.duplicate();
    this.streams = new RedisStreamRouter({
      origin: this.#origin,
      prefix: o.channelPrefix,
      logger: this.#logger,
      ready: () => this.#pub.isReady,
      command: (args) => this.#pub.sendCommand(args),
    }, {
      streamTtlMs: o.streamTtlMs,
      forwardTimeoutMs: o.forwardTimeoutMs,
      maxPendingForwards: o.maxPendingPublishes,
      holderCheckMs: o.holderCheckMs,
    });
    for (const c of [this.#pub, this.#sub]) {
      c.on('error', this.#onError);
      c.on('ready', this.#onReady);
    }

    this.ready = new Promise<void>((resolve, reject) => {
      this.#settle = (err) => {
        this.#settle = null;
        if (this.#startTimer) clearTimeout(this.#startTimer);
        this.#startTimer = null;
        if (err) reject(err);
        else resolve();
      };
    });
    this.#startTimer = setTimeout(() => this.#startTimedOut(o.connectTimeoutMs, o.startDegraded), o.connectTimeoutMs);
    for (const c of [this.#pub, this.#sub]) {
      if (!c.isOpen) c.connect().catch(this.#onError);
    }
    this.#onReady();
  }

  subscribe(topic: string, subscriber: Subscriber): void {
    const first = !this.#local.has(topic);
    this.#local.subscribe(topic, subscriber);
    if (first && this.#closing === null) this.#redisSubscribe([topic]);
  }

  unsubscribe(topic: string, subscriber: Subscriber): void {
    if (!this.#local.has(topic)) return;
    this.#local.unsubscribe(topic, subscriber);
    if (!this.#local.has(topic) && this.#closing === null) this.#redisUnsubscribe(topic);
  }

  /**
   * Delivers to this process's subscribers at once, and publishes the message (encoded once, as
   * JSON) for the other processes. Returns this process's subscriber count. While Redis is down
   * the message reaches this process only and is counted in `stats.dropped`.
   */
  broadcast(topic: string, message: unknown): number {
    checkTopic('broadcast(topic, message)', topic);
    let json: string | undefined;
    try {
      json = JSON.stringify(message);
    } catch {
      json = undefined;
    }
    if (json === undefined) throw invalidArgument('broadcast(topic, message)', 'message', 'a JSON value (pubsub is Redis: it crosses processes)', message);
    const count = this.#local.broadcast(topic, message);
    if (this.#closing !== null) return count;
    if (!this.#pub.isReady || this.#pending >= this.#maxPending) {
      this.#drop(this.#pub.isReady ? `over ${this.#maxPending} publishes waiting for Redis (option maxPendingPublishes)` : 'not connected');
      return count;
    }
    this.#pending += 1;
    this.#pub.publish(this.#prefix + topic, this.#origin + json).then(
      () => {
        this.#pending -= 1;
        this.#published += 1;
      },
      (err: unknown) => {
        this.#pending -= 1;
        this.#drop(err instanceof Error ? err.message : String(err));
      },
    );
    return count;
  }

  /** Counters since start; see `RedisPubSubStats`. */
  get stats(): RedisPubSubStats {
    return { connected: this.#outage === null, published: this.#published, dropped: this.#dropped, outages: this.#outages, ignored: this.#ignored + this.streams.ignored };
  }

  /** Number of topics this process subscribes to (one Redis subscription each). */
  get topicCount(): number {
    return this.#local.topicCount;
  }

  /** Closes the adapter's connections (not a `client` you passed in). Idempotent; `live.close()` calls it. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    this.#settle?.();
    this.streams.close();
    for (const c of [this.#pub, this.#sub]) {
      c.off('ready', this.#onReady);
    }
    const owned = this.#ownsPub ? [this.#sub, this.#pub] : [this.#sub];
    await Promise.all(owned.map(async (c) => {
      try {
        if (c.isReady) await c.close();
        else c.destroy();
      } catch {
        // already closed
      }
    }));
    for (const c of [this.#pub, this.#sub]) c.off('error', this.#onError);
  }

  readonly #onMessage = (raw: string, channel: string): void => {
    if (raw.startsWith(this.#origin)) return; // published here: delivered locally already
    const topic = channel.slice(this.#prefix.length);
    if (!this.#local.has(topic)) return;
    let message: unknown;
    try {
      message = JSON.parse(raw.slice(ORIGIN_LENGTH));
    } catch {
      this.#ignored += 1;
      this.#logger.debug(`djust-lite/redis: ignored a message on "${channel}" that is not djust-lite's.`);
      return;
    }
    this.#local.broadcast(topic, message);
  };

  #redisSubscribe(topics: string[]): void {
    this.#sub.subscribe(topics.map((t) => this.#prefix + t), this.#onMessage).then(
      () => {
        // Unsubscribed while the SUBSCRIBE was on its way: node-redis had no listener to remove yet.
        for (const topic of topics) if (!this.#local.has(topic) && this.#closing === null) this.#redisUnsubscribe(topic);
      },
      (err: unknown) => this.#logger.debug(`djust-lite/redis: SUBSCRIBE failed (${err instanceof Error ? err.message : String(err)}); retried when Redis is back.`),
    );
  }

  #redisUnsubscribe(topic: string): void {
    this.#sub.unsubscribe(this.#prefix + topic, this.#onMessage).catch(() => {
      // the connection is gone, and with it the subscription
    });
  }

  #drop(reason: string): void {
    this.#dropped += 1;
    if (this.#outage === null) this.#beginOutage(reason);
    (this.#outage as Outage).dropped += 1;
  }

  #beginOutage(reason: string): void {
    this.#outages += 1;
    this.#outage = { since: Date.now(), dropped: 0, atStart: false };
    this.#logger.warn(`djust-lite/redis: lost Redis at ${this.#url} (${reason}); reconnecting. Until it is back, broadcasts reach this process only (pub/sub is at-most-once across processes).`);
  }

  readonly #onError = (err: unknown): void => {
    this.#lastError = err instanceof Error ? err.message : String(err);
    if (this.#outage === null) this.#beginOutage(this.#lastError);
    else this.#logger.debug(`djust-lite/redis: ${this.#lastError}`);
  };

  readonly #onReady = (): void => {
    if (!this.#pub.isReady || !this.#sub.isReady || this.#closing !== null) return;
    const outage = this.#outage;
    this.#outage = null;
    if (this.#local.topicCount > 0) this.#redisSubscribe([...this.#local.topics()]);
    this.#sub.subscribe(this.streams.channel, this.streams.onMessage).catch((err: unknown) => {
      this.#logger.debug(`djust-lite/redis: SUBSCRIBE ${this.streams.channel} failed (${err instanceof Error ? err.message : String(err)}); retried when Redis is back.`);
    });
    if (outage) this.streams.reclaim();
    if (outage && (!outage.atStart || outage.dropped > 0 || this.#settle === null)) {
      this.#logger.info(`djust-lite/redis: connected to Redis at ${this.#url} after ${Date.now() - outage.since} ms; ${outage.dropped} broadcast(s) published meanwhile reached this process only.`);
    }
    this.#settle?.();
  };

  #startTimedOut(ms: number, degraded: boolean): void {
    this.#startTimer = null;
    const cause = this.#lastError ? ` (${this.#lastError})` : '';
    if (degraded) {
      this.#outages += 1;
      this.#logger.warn(`djust-lite/redis: cannot reach Redis at ${this.#url} within ${ms} ms${cause}; starting degraded (option startDegraded): broadcasts reach this process only until it connects.`);
      this.#settle?.();
      return;
    }
    const err = new DjustError('DJUST_ERR_REDIS_UNAVAILABLE', `${WHERE}: cannot reach Redis at ${this.#url} within ${ms} ms${cause}. Start Redis, fix option "url" of redisPubSub() (the "pubsub" option of djustLite()), or pass startDegraded: true to start with in-process delivery only.`);
    this.#settle?.(err);
    void this.close();
  }
}

/**
 * Creates the Redis adapter for the option `pubsub`: `live.broadcast` and views' `subscribe`
 * then reach every process sharing the Redis. Connects at once; `ready` rejects with
 * `DJUST_ERR_REDIS_UNAVAILABLE` when Redis cannot be reached within `connectTimeoutMs` (left
 * unawaited, that rejection stops the process).
 *
 * @example
 * import { redisPubSub } from 'djust-lite/redis';
 * const pubsub = redisPubSub({ url: process.env.REDIS_URL });
 * await pubsub.ready;
 * app.use(djustLite({ pubsub, secret: process.env.DJUST_SECRET }));
 */
export function redisPubSub(options: RedisPubSubOptions): RedisPubSub {
  return new RedisPubSub(options);
}
