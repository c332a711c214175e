/**
 * What every benchmark client does, whatever the system's protocol: open one live
 * connection the way a browser tab would, send one event at a time and resolve when the
 * update the user waits for has arrived, and count the bytes its sockets moved.
 */
import http from 'node:http';
import type { Socket } from 'node:net';

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

export interface HttpResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A plain GET on a fresh connection (what the first page load of a tab costs). */
export function httpGet(url: string, headers: Record<string, string> = {}, timeoutMs = 10000): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { accept: 'text/html', ...headers }, agent: false, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };

/** The value of the first `name="…"` attribute in `html` (entities decoded), or throws. */
export function attr(html: string, name: string, where = 'page'): string {
  const match = new RegExp(`${name}="([^"]*)"`).exec(html);
  if (!match) throw new Error(`bench: no ${name}="…" in the ${where}`);
  return (match[1] as string).replace(/&(amp|lt|gt|quot|#39);/g, (e) => ENTITIES[e] as string);
}

/** Text of a ws message (Buffer, Buffer[] or ArrayBuffer) without copying when possible. */
export function frameText(data: Buffer | ArrayBuffer | Buffer[]): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}
