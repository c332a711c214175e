import { randomBytes } from 'node:crypto';
import { clearInterval, clearTimeout, setInterval, setTimeout } from 'node:timers';
import type { ResolvedLogger } from '../logger';
import type { ForwardResult, SessionHandler, SessionRouter } from '../pubsub';

/** What the router needs from the adapter's connections. */
export interface RouterLink {
  /** This process's id (the prefix of its published messages). */
  readonly origin: string;
  /** Prefix of every channel and key. */
  readonly prefix: string;
  readonly logger: ResolvedLogger;
  /** The publishing connection is up. */
  ready(): boolean;
  /** One command on the publishing connection. */
  command(args: string[]): Promise<unknown>;
}

export interface SessionRouterOptions {
  /** Life of a session's owner key without a refresh, in ms (refreshed every third of it). */
  sessionTtlMs: number;
  /** How long a forwarded POST waits for the owner's answer, in ms. */
  forwardTimeoutMs: number;
  /** Forwarded POSTs waiting for an answer before more are refused. */
  maxPendingForwards: number;
}

/** A message on a process channel. */
type RouterMessage =
  | { k: 'fwd'; r: string; f: string; s: string; b: string; t: string }
  | { k: 'ack'; r: string; a: 'delivered' | 'unknown' | 'forbidden' }
  | { k: 'evict'; s: string };

/** Extends the key while it names this process, or sets it again when it expired (never takes another's). */
const REFRESH_SCRIPT = "local v = redis.call('GET', KEYS[1]) if v == false or v == ARGV[1] then return redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) else return 0 end";

/** Deletes the key only while it still names this process (another may have claimed it since). */
const RELEASE_SCRIPT = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end";

/**
 * SSE without sticky sessions, over the Redis adapter's connections. A process that opens a
 * session's stream records `<prefix>@sse:<session> → <process id>` (a key with a TTL,
 * refreshed while the session lives) and tells the previous holder, if any, to end its copy. A
 * POST that lands on a process not holding the session is published to the holder's channel
 * `<prefix>@proc:<id>`; the holder enqueues it and answers, and only then does the POST get
 * its 202. The browser client sends a page's POSTs one after the other, each after the
 * previous answer, so the page's events apply in the order it sent them wherever they land.
 */
export class RedisSessionRouter implements SessionRouter {
  readonly #link: RouterLink;
  readonly #options: SessionRouterOptions;
  readonly #held = new Set<string>();
  readonly #pending = new Map<string, { resolve: (r: ForwardResult) => void; timer: NodeJS.Timeout }>();
  readonly #refresh: NodeJS.Timeout;
  #handler: SessionHandler | null = null;

  constructor(link: RouterLink, options: SessionRouterOptions) {
    this.#link = link;
    this.#options = options;
    this.#refresh = setInterval(() => this.#refreshAll(), Math.max(1, Math.floor(options.sessionTtlMs / 3)));
    this.#refresh.unref();
  }

  /** This process's channel: forwarded POSTs and answers arrive on it. */
  get channel(): string {
    return this.#channelOf(this.#link.origin);
  }

  listen(handler: SessionHandler): void {
    this.#handler = handler;
  }

  claim(id: string): void {
    this.#held.add(id);
    if (!this.#link.ready()) return; // claimed again when Redis is back (reclaim)
    this.#link.command(['SET', this.#keyOf(id), this.#link.origin, 'PX', String(this.#options.sessionTtlMs), 'GET']).then(
      (previous) => {
        if (typeof previous === 'string' && previous !== this.#link.origin) this.#send(previous, { k: 'evict', s: id });
      },
      (err: unknown) => this.#link.logger.debug(`djust-lite/redis: could not record SSE session "${id}" (${String(err)}); retried when Redis is back.`),
    );
  }

  release(id: string): void {
    if (!this.#held.delete(id) || !this.#link.ready()) return;
    this.#link.command(['EVAL', RELEASE_SCRIPT, '1', this.#keyOf(id), this.#link.origin]).catch(() => {
      // the key expires by itself
    });
  }

  async forward(id: string, body: string, token: string): Promise<ForwardResult> {
    if (!this.#link.ready()) return 'unreachable';
    if (this.#pending.size >= this.#options.maxPendingForwards) return 'unreachable';
    const owner = await this.#link.command(['GET', this.#keyOf(id)]).catch(() => null);
    if (typeof owner !== 'string') return 'unknown';
    if (owner === this.#link.origin) return 'unknown'; // the key outlived our copy
    const r = randomBytes(9).toString('base64url');
    return new Promise<ForwardResult>((resolve) => {
      const timer = setTimeout(() => {
        this.#pending.delete(r);
        resolve('unreachable');
      }, this.#options.forwardTimeoutMs);
      this.#pending.set(r, { resolve, timer });
      this.#send(owner, { k: 'fwd', r, f: this.#link.origin, s: id, b: body, t: token });
    });
  }

  /** Every session held here again (after an outage the keys may have expired). */
  reclaim(): void {
    for (const id of this.#held) this.claim(id);
  }

  close(): void {
    clearInterval(this.#refresh);
    for (const { resolve, timer } of this.#pending.values()) {
      clearTimeout(timer);
      resolve('unreachable');
    }
    this.#pending.clear();
    for (const id of [...this.#held]) this.release(id);
  }

  /** A message on this process's channel. */
  readonly onMessage = (raw: string): void => {
    let message: RouterMessage;
    try {
      message = JSON.parse(raw) as RouterMessage;
    } catch {
      return;
    }
    if (message.k === 'ack') {
      const waiting = this.#pending.get(message.r);
      if (!waiting) return; // answered after its timeout
      this.#pending.delete(message.r);
      clearTimeout(waiting.timer);
      waiting.resolve(message.a);
    } else if (message.k === 'fwd') {
      const answer = this.#handler?.deliver(message.s, message.b, message.t) ?? 'unknown';
      this.#send(message.f, { k: 'ack', r: message.r, a: answer });
    } else if (message.k === 'evict') {
      if (this.#held.has(message.s)) this.#handler?.evict(message.s);
    }
  };

  #send(origin: string, message: RouterMessage): void {
    this.#link.command(['PUBLISH', this.#channelOf(origin), JSON.stringify(message)]).catch((err: unknown) => {
      this.#link.logger.debug(`djust-lite/redis: could not reach process ${origin} (${String(err)}).`);
    });
  }

  #refreshAll(): void {
    if (this.#held.size === 0 || !this.#link.ready()) return;
    const ttl = String(this.#options.sessionTtlMs);
    for (const id of this.#held) {
      this.#link.command(['EVAL', REFRESH_SCRIPT, '1', this.#keyOf(id), this.#link.origin, ttl]).catch(() => {});
    }
  }

  #keyOf(id: string): string {
    return `${this.#link.prefix}@sse:${id}`;
  }

  #channelOf(origin: string): string {
    return `${this.#link.prefix}@proc:${origin}`;
  }
}
