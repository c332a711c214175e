import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { clearInterval, clearTimeout, setInterval, setTimeout } from 'node:timers';
import type { ResolvedLogger } from '../core/logger';
import type { ForwardBody, ForwardResult, Located, RelayTarget, ResumeAnswer, StreamHandler, StreamRouter } from '../pubsub/pubsub';
import { routerMessageOf, type RouterMessage } from './router-message';

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

export interface StreamRouterOptions {
  /** Life of a stream's holder key without a refresh, in ms (refreshed every third of it). */
  streamTtlMs: number;
  /** How long a forwarded POST waits for the owner's answer, in ms. */
  forwardTimeoutMs: number;
  /** Forwarded POSTs waiting for an answer before more are refused. */
  maxPendingForwards: number;
  /** How often the holders of the streams relayed here are checked (`PUBSUB NUMSUB` of their channels), in ms. */
  holderCheckMs: number;
}

/** Extends the key while it holds this process's value, or sets it again when it expired (never takes another's). */
const REFRESH_SCRIPT = "local v = redis.call('GET', KEYS[1]) if v == false or v == ARGV[1] then return redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) else return 0 end";

/** Deletes the key only while it still holds this process's value (another may have claimed it since). */
const RELEASE_SCRIPT = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end";

/** SHA-256 of a token, base64url: what the holder key stores to bind a stream to its token. */
const digestOf = (token: string): string => createHash('sha256').update(token).digest('base64url');

/** Whether two digests are equal, in constant time. */
function sameDigest(a: string, b: string): boolean {
  const [x, y] = [Buffer.from(a), Buffer.from(b)];
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * SSE without sticky sessions, over the Redis adapter's connections. A process that opens a
 * stream records `<prefix>@sse:<stream id> → "<process id> <sha256 of its token>"` (a key with
 * a TTL, refreshed while the stream lives) and tells the previous holder, if any, to end its
 * copy. A POST that lands on a process not holding the stream is located first — one GET: the
 * holder, and whether the POST's token is the stream's — before its body is read; only then is
 * the body published to the holder's channel `<prefix>@proc:<id>`; the holder enqueues it and
 * answers, and only then does the POST get its 202. The browser client sends a page's POSTs one
 * after the other, each after the previous answer, so the page's events apply in the order it
 * sent them wherever they land. Texts on the channel of another shape are ignored and counted.
 */
export class RedisStreamRouter implements StreamRouter {
  readonly #link: RouterLink;
  readonly #options: StreamRouterOptions;
  /** Streams held here → the value of their holder key (`"<process id> <token digest>"`). */
  readonly #held = new Map<string, string>();
  readonly #pending = new Map<string, { resolve: (answer: string | null) => void; timer: NodeJS.Timeout }>();
  /** Streams relayed to this process: request id → where their text goes, and the process holding the stream. */
  readonly #relaysIn = new Map<string, { target: RelayTarget; holder: string; answered: boolean }>();
  /** Streams held here relayed to other processes: request id → close listeners. */
  readonly #relaysOut = new Map<string, { to: string; closed: (() => void)[] }>();
  readonly #holderCheck: NodeJS.Timeout;
  readonly #refresh: NodeJS.Timeout;
  #handler: StreamHandler | null = null;
  #ignored = 0;

  constructor(link: RouterLink, options: StreamRouterOptions) {
    this.#link = link;
    this.#options = options;
    this.#refresh = setInterval(() => this.#refreshAll(), Math.max(1, Math.floor(options.streamTtlMs / 3)));
    this.#refresh.unref();
    this.#holderCheck = setInterval(() => void this.#checkHolders(), options.holderCheckMs);
    this.#holderCheck.unref();
  }

  /** This process's channel: forwarded POSTs and answers arrive on it. */
  get channel(): string {
    return this.#channelOf(this.#link.origin);
  }

  listen(handler: StreamHandler): void {
    this.#handler = handler;
  }

  claim(id: string, token: string): void {
    const value = `${this.#link.origin} ${digestOf(token)}`;
    this.#held.set(id, value);
    this.#record(id, value);
  }

  #record(id: string, value: string): void {
    if (!this.#link.ready()) return; // claimed again when Redis is back (reclaim)
    this.#link.command(['SET', this.#keyOf(id), value, 'PX', String(this.#options.streamTtlMs), 'GET']).then(
      (previous) => {
        const holder = typeof previous === 'string' ? previous.split(' ', 1)[0] : undefined;
        if (holder !== undefined && holder !== this.#link.origin) this.#send(holder, { k: 'evict', s: id });
      },
      (err: unknown) => this.#link.logger.debug(`djust-lite/redis: could not record SSE stream "${id}" (${String(err)}); retried when Redis is back.`),
    );
  }

  release(id: string): void {
    const value = this.#held.get(id);
    if (value === undefined || !this.#held.delete(id) || !this.#link.ready()) return;
    this.#link.command(['EVAL', RELEASE_SCRIPT, '1', this.#keyOf(id), value]).catch(() => {
      // the key expires by itself
    });
  }

  async locate(id: string, token: string): Promise<Located> {
    if (!this.#link.ready() || this.#pending.size >= this.#options.maxPendingForwards) return { answer: 'unreachable' };
    const held = await this.#holderOf(id);
    if (held === null) return { answer: 'unknown' };
    if (!sameDigest(held.digest, digestOf(token))) return { answer: 'forbidden' };
    return { answer: 'held', forward: (body) => this.#forwardTo(held.owner, id, body, token) };
  }

  /** `locate`, then `forward` at once: a body already in hand (tests, a DELETE). */
  async forward(id: string, body: ForwardBody, token: string): Promise<ForwardResult> {
    const located = await this.locate(id, token);
    return located.answer === 'held' ? located.forward(body) : located.answer;
  }

  async #forwardTo(owner: string, id: string, body: ForwardBody, token: string): Promise<ForwardResult> {
    if (this.#pending.size >= this.#options.maxPendingForwards) return 'unreachable';
    const r = randomBytes(9).toString('base64url');
    const f = this.#link.origin;
    // Channels carry text: an upload chunk's bytes go as base64 (a third more through Redis).
    const message: RouterMessage = Buffer.isBuffer(body) ? { k: 'up', r, f, s: id, u: body.toString('base64'), t: token } : { k: 'fwd', r, f, s: id, b: body, t: token };
    const answer = await this.#ask(r, () => this.#send(owner, message));
    return (answer ?? 'unreachable') as ForwardResult;
  }

  async resume(id: string, token: string, lastEventId: string, target: RelayTarget): Promise<{ answer: ResumeAnswer | 'unreachable'; close(): void }> {
    const none = { close() {} };
    if (!this.#link.ready() || this.#pending.size >= this.#options.maxPendingForwards) return { answer: 'unreachable', ...none };
    const held = await this.#holderOf(id);
    if (held === null) return { answer: 'unknown', ...none };
    if (!sameDigest(held.digest, digestOf(token))) return { answer: 'forbidden', ...none };
    const { owner } = held;
    const r = randomBytes(9).toString('base64url');
    // The holder's first frames (headers' retry and the replay) come before its answer.
    const relay = { target, holder: owner, answered: false };
    this.#relaysIn.set(r, relay);
    const answer = (await this.#ask(r, () => this.#send(owner, { k: 'attach', r, f: this.#link.origin, s: id, t: token, l: lastEventId }))) as ResumeAnswer | null;
    relay.answered = true;
    if (answer !== 'ok') {
      this.#relaysIn.delete(r);
      if (answer === null) this.#send(owner, { k: 'detach', r }); // in case it attached after all
      return { answer: answer ?? 'unreachable', ...none };
    }
    return {
      answer,
      close: () => {
        if (this.#relaysIn.delete(r)) this.#send(owner, { k: 'detach', r });
      },
    };
  }

  /** The process holding stream `id` (not this one) and the digest of its token, or null. */
  async #holderOf(id: string): Promise<{ owner: string; digest: string } | null> {
    const value = await this.#link.command(['GET', this.#keyOf(id)]).catch(() => null);
    if (typeof value !== 'string') return null;
    const [owner = '', digest = ''] = value.split(' ');
    if (owner === this.#link.origin || digest === '') return null; // the key outlived our copy, or is not ours
    return { owner, digest };
  }

  /** Sends a request with id `r`; resolves with its answer, or null after forwardTimeoutMs. */
  #ask(r: string, send: () => void): Promise<string | null> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#pending.delete(r);
        resolve(null);
      }, this.#options.forwardTimeoutMs);
      this.#pending.set(r, { resolve, timer });
      send();
    });
  }

  /** Ends the relayed streams whose holder no longer listens on its channel (it died): their clients reconnect. */
  async #checkHolders(): Promise<void> {
    if (this.#relaysIn.size === 0) return;
    const holders = [...new Set([...this.#relaysIn.values()].map((relay) => relay.holder))];
    const reply = await this.#link.command(['PUBSUB', 'NUMSUB', ...holders.map((h) => this.#channelOf(h))]).catch(() => null);
    // [channel, count, channel, count, …]; no answer (Redis down): the relays cannot flow either.
    const listening = new Set<string>();
    if (Array.isArray(reply)) for (let i = 0; i < holders.length; i += 1) if (Number(reply[2 * i + 1]) > 0) listening.add(holders[i] as string);
    for (const [r, relay] of this.#relaysIn) {
      if (!relay.answered || listening.has(relay.holder)) continue; // an unanswered one ends with its forwardTimeoutMs
      this.#relaysIn.delete(r);
      relay.target.end();
    }
  }

  /** Every stream held here recorded again (after an outage the keys may have expired). */
  reclaim(): void {
    for (const [id, value] of this.#held) this.#record(id, value);
  }

  close(): void {
    clearInterval(this.#refresh);
    clearInterval(this.#holderCheck);
    for (const { resolve, timer } of this.#pending.values()) {
      clearTimeout(timer);
      resolve(null);
    }
    this.#pending.clear();
    for (const relay of this.#relaysIn.values()) relay.target.end();
    this.#relaysIn.clear();
    for (const r of [...this.#relaysOut.keys()]) this.#closeRelayOut(r);
    for (const id of [...this.#held.keys()]) this.release(id);
  }

  /** Texts on this process's channel that were not a router message (anyone with Redis access can PUBLISH there). */
  get ignored(): number {
    return this.#ignored;
  }

  /**
   * A text on this process's channel. Junk (not JSON, another shape) is ignored and counted;
   * nothing here throws into the Redis client, which would take a throw for a lost connection.
   */
  readonly onMessage = (raw: string): void => {
    const message = routerMessageOf(raw);
    if (message === null) {
      this.#ignored += 1;
      this.#link.logger.debug(`djust-lite/redis: ignored a text on ${this.channel} that is not an SSE routing message (${JSON.stringify(raw.slice(0, 40))}).`);
      return;
    }
    try {
      this.#dispatch(message);
    } catch (err) {
      this.#link.logger.error(`djust-lite/redis: handling a "${message.k}" message on ${this.channel} failed`, err);
    }
  };

  #dispatch(message: RouterMessage): void {
    if (message.k === 'ack') {
      const waiting = this.#pending.get(message.r);
      if (!waiting) return; // answered after its timeout
      this.#pending.delete(message.r);
      clearTimeout(waiting.timer);
      waiting.resolve(message.a);
    } else if (message.k === 'fwd' || message.k === 'up') {
      const body = message.k === 'up' ? Buffer.from(message.u, 'base64') : message.b;
      const answer = this.#handler?.deliver(message.s, body, message.t) ?? 'unknown';
      this.#send(message.f, { k: 'ack', r: message.r, a: answer });
    } else if (message.k === 'evict') {
      if (this.#held.has(message.s)) this.#handler?.evict(message.s);
    } else if (message.k === 'attach') {
      this.#attach(message);
    } else if (message.k === 'frames') {
      this.#relaysIn.get(message.r)?.target.write(message.x);
    } else if (message.k === 'end') {
      const relay = this.#relaysIn.get(message.r);
      this.#relaysIn.delete(message.r);
      relay?.target.end();
    } else if (message.k === 'detach') {
      this.#closeRelayOut(message.r);
    }
  }

  /** Another process asks for a stream held here. */
  #attach(message: { r: string; f: string; s: string; t: string; l: string }): void {
    const { r, f: to } = message;
    const out = { to, closed: [] as (() => void)[] };
    this.#relaysOut.set(r, out);
    const answer = this.#handler?.attach(message.s, message.t, message.l, {
      write: (text) => {
        if (!this.#relaysOut.has(r)) return;
        // PUBLISH answers how many listened: none means that process is gone.
        this.#link.command(['PUBLISH', this.#channelOf(to), JSON.stringify({ k: 'frames', r, x: text })]).then(
          (listeners) => listeners === 0 && this.#closeRelayOut(r),
          () => this.#closeRelayOut(r),
        );
      },
      end: () => {
        if (!this.#relaysOut.delete(r)) return;
        this.#send(to, { k: 'end', r });
      },
      onClose: (listener) => void out.closed.push(listener),
    }) ?? 'unknown';
    if (answer !== 'ok') this.#relaysOut.delete(r);
    this.#send(to, { k: 'ack', r, a: answer });
  }

  #closeRelayOut(r: string): void {
    const out = this.#relaysOut.get(r);
    if (!out) return;
    this.#relaysOut.delete(r);
    for (const listener of out.closed) listener();
  }

  #send(origin: string, message: RouterMessage): void {
    this.#link.command(['PUBLISH', this.#channelOf(origin), JSON.stringify(message)]).catch((err: unknown) => {
      this.#link.logger.debug(`djust-lite/redis: could not reach process ${origin} (${String(err)}).`);
    });
  }

  #refreshAll(): void {
    if (this.#held.size === 0 || !this.#link.ready()) return;
    const ttl = String(this.#options.streamTtlMs);
    for (const [id, value] of this.#held) {
      this.#link.command(['EVAL', REFRESH_SCRIPT, '1', this.#keyOf(id), value, ttl]).catch(() => {});
    }
  }

  #keyOf(id: string): string {
    return `${this.#link.prefix}@sse:${id}`;
  }

  #channelOf(origin: string): string {
    return `${this.#link.prefix}@proc:${origin}`;
  }
}
