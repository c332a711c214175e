/**
 * What every benchmark client does, whatever the system's protocol: open one live
 * connection the way a browser tab would, send one event at a time and resolve when the
 * update the user waits for has arrived, and count the bytes its sockets moved.
 */
import type { Socket } from 'node:net';
import { request } from '../lib/testing/page';
import { Waiters } from '../lib/testing/waiters';

/**
 * The three events of the counter view (the same in every system):
 * - `inc`: count + 1 and a new title — resolves when the new title arrives (click → title);
 * - `retitle`: a new title only — resolves on the title;
 * - `bump`: count + 1, no title — resolves on the content update.
 */
export type EventKind = 'inc' | 'retitle' | 'bump';
export const EVENT_KINDS: readonly EventKind[] = ['inc', 'retitle', 'bump'];

export interface WireBytes {
  /** Bytes the client's sockets received (TCP payload: HTTP/WS/SSE framing included). */
  read: number;
  /** Bytes the client's sockets sent. */
  written: number;
  /** Bytes of application messages received (JSON text, no framing). */
  messages: number;
}

export interface LiveClient {
  /** Sends one event; resolves when its update arrived, rejects on an error reply or a dropped connection. */
  send(kind: EventKind): Promise<void>;
  wire(): WireBytes;
  /** Rejects the event in flight if it has waited longer than `ms` (the harness's watchdog). */
  expire(now: number, ms: number): void;
  close(): void;
}

/** What a connection needs from the page a browser would have loaded first. */
export type Page = Record<string, string>;

/** A system under test, as the harness drives it. */
export interface SystemClient {
  /** Loads the page (GET) and pulls out what the live connection needs. */
  page(base: string): Promise<Page>;
  /** Opens and mounts one live connection. */
  connect(base: string, page: Page): Promise<LiveClient>;
  /** Null when the system can run here; else why not (shown as "n/a (…)"). */
  probe(base: string, page: Page): Promise<string | null>;
}

/** One in-flight event: the harness keeps a single one per connection (closed loop). */
export class Pending {
  #resolve: (() => void) | null = null;
  #reject: ((err: Error) => void) | null = null;
  kind: EventKind | null = null;
  ref: string | number | null = null;
  since = 0;

  get active(): boolean {
    return this.#resolve !== null;
  }

  begin(kind: EventKind, ref: string | number | null): Promise<void> {
    if (this.#resolve) return Promise.reject(new Error('bench client: one event at a time'));
    this.kind = kind;
    this.ref = ref;
    this.since = performance.now();
    return new Promise<void>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  done(): void {
    const resolve = this.#resolve;
    this.#resolve = this.#reject = null;
    this.kind = null;
    resolve?.();
  }

  fail(err: Error): void {
    const reject = this.#reject;
    this.#resolve = this.#reject = null;
    this.kind = null;
    reject?.(err);
  }

  expire(now: number, ms: number): void {
    if (this.#resolve && now - this.since > ms) this.fail(new Error(`no answer within ${ms} ms`));
  }
}

/** Sums the byte counters of every socket a client used (destroyed sockets keep theirs). */
export class SocketMeter {
  readonly #sockets = new Set<Socket>();
  messages = 0;

  add(socket: Socket | undefined | null): void {
    if (socket) this.#sockets.add(socket);
  }

  wire(): WireBytes {
    let read = 0;
    let written = 0;
    for (const socket of this.#sockets) {
      read += socket.bytesRead;
      written += socket.bytesWritten;
    }
    return { read, written, messages: this.messages };
  }
}

/**
 * The first answer a connection waits for (djust-lite's `mounted`, LiveViewJS's join reply):
 * settled once, waited for with a deadline (lib/testing's bounded waits).
 */
export class Handshake {
  #state: true | Error | null = null;
  readonly #waiters = new Waiters();

  /** True until `settle()`. */
  get waiting(): boolean {
    return this.#state === null;
  }

  /** Ends the wait: ok, or failed with `err`. Later calls are ignored. */
  settle(err?: Error): void {
    if (this.#state !== null) return;
    this.#state = err ?? true;
    this.#waiters.wake();
  }

  wait(timeoutMs: number, what: string): Promise<void> {
    return this.#waiters.until(() => {
      if (this.#state instanceof Error) throw this.#state;
      return this.#state ?? undefined;
    }, timeoutMs, () => new Error(`${what} within ${timeoutMs} ms`)).then(() => undefined);
  }
}

/** What every client shares: one event in flight, the bytes its sockets moved, the watchdog. */
export abstract class BenchClient implements LiveClient {
  protected readonly pending = new Pending();
  protected readonly meter = new SocketMeter();

  abstract send(kind: EventKind): Promise<void>;
  abstract close(): void;

  wire(): WireBytes {
    return this.meter.wire();
  }

  expire(now: number, ms: number): void {
    this.pending.expire(now, ms);
  }

  /** Resolves with this client once `handshake` does; closes it if that fails. */
  protected async ready(handshake: Promise<void>): Promise<this> {
    try {
      await handshake;
    } catch (err) {
      this.close();
      throw err;
    }
    return this;
  }
}

/** GETs a page on a fresh connection (what the first page load of a tab costs); throws unless it answers 200. */
export async function getPage(base: string, path: string, system: string): Promise<string> {
  const res = await request(`${base}${path}`, { headers: { accept: 'text/html' }, agent: false, timeoutMs: 10000 });
  if (res.status !== 200) throw new Error(`${system}: GET ${path} answered ${res.status}`);
  return res.body;
}
