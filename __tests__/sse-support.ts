/** Test helpers for the SSE transport: a raw stream reader (eventsource-parser) and a POST. */
import http from 'node:http';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { eventHandler, LiveView, type DjustLite, type MountContext } from '../lib';
import type { ServerMessage } from '../lib/protocol';

export type Msg = ServerMessage & Record<string, unknown>;

/** One parsed SSE message: the id and event lines, and the JSON data. */
export interface SseEvent {
  id: string | undefined;
  event: string | undefined;
  data: Msg;
}

/** A raw `GET …/sse/:session` stream, parsed with eventsource-parser as it arrives. */
export class SseStream {
  readonly events: SseEvent[] = [];
  readonly comments: string[] = [];
  retry: number | undefined;
  raw = '';
  ended = false;
  /** Chunks as they arrived (one per res.write on the server, on loopback). */
  readonly chunks: string[] = [];
  readonly #waiters = new Set<() => void>();

  private constructor(
    readonly status: number,
    readonly headers: http.IncomingHttpHeaders,
    readonly req: http.ClientRequest,
    res: http.IncomingMessage,
  ) {
    const parser = createParser({
      onEvent: (event: EventSourceMessage) => this.events.push({ id: event.id, event: event.event, data: JSON.parse(event.data) as Msg }),
      onComment: (comment) => this.comments.push(comment),
      onRetry: (retry) => (this.retry = retry),
    });
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      this.raw += chunk;
      this.chunks.push(chunk);
      if (status === 200) parser.feed(chunk);
      this.#wake();
    });
    res.once('close', () => {
      this.ended = true;
      this.#wake();
    });
  }

  /** Opens `path` (relative to `base`); resolves once the response headers arrived. */
  static open(base: string, path: string, headers: Record<string, string> = {}): Promise<SseStream> {
    return new Promise((resolve, reject) => {
      const req = http.get(base + path, { headers: { accept: 'text/event-stream', ...headers }, agent: false }, (res) => {
        resolve(new SseStream(res.statusCode ?? 0, res.headers, req, res));
      });
      req.once('error', (err) => ((err as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(err)));
    });
  }

  get messages(): Msg[] {
    return this.events.map((e) => e.data);
  }

  /** The last event id received. */
  get lastId(): string | undefined {
    return this.events.at(-1)?.id;
  }

  /** Resolves when `test()` holds; fails after `timeoutMs` with what arrived so far. */
  waitFor(test: (stream: this) => boolean, what = 'condition', timeoutMs = 3000): Promise<void> {
    if (test(this)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const wake = () => {
        if (!test(this)) return;
        clearTimeout(timer);
        this.#waiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(wake);
        reject(new Error(`timed out waiting for ${what}; stream so far:\n${this.raw.slice(-1500)}`));
      }, timeoutMs);
      this.#waiters.add(wake);
    });
  }

  /** Waits for a message of `type` (and matching `where`), returns it. */
  async next(type: string, where: (m: Msg) => boolean = () => true, from = 0): Promise<Msg> {
    const find = () => this.messages.slice(from).find((m) => m.type === type && where(m));
    await this.waitFor(() => find() !== undefined, `a "${type}" message`);
    return find() as Msg;
  }

  waitForEnd(): Promise<void> {
    return this.waitFor((s) => s.ended, 'the end of the stream');
  }

  /** Drops the connection from the client side (like a network drop). */
  close(): void {
    this.req.destroy();
  }

  #wake(): void {
    for (const wake of [...this.#waiters]) wake();
  }
}

/** One HTTP request with a text body; resolves with status, headers and body. */
export function send(
  base: string,
  path: string,
  init: { method?: string; body?: string | Buffer; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(base + path, { method: init.method ?? 'POST', headers: init.headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.once('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.once('error', reject);
    req.end(init.body);
  });
}

/** POSTs one envelope as JSON to a session. */
export function post(base: string, session: string, envelope: unknown, headers: Record<string, string> = {}) {
  return send(base, `/djust/sse/${session}/message`, {
    body: typeof envelope === 'string' ? envelope : JSON.stringify(envelope),
    headers: { 'content-type': 'application/json', ...headers },
  });
}

/** `Counter <n>` titles, a meta tag and a flash per click; `boom` throws; `tick` is server push. */
export class CounterView extends LiveView {
  static template = 'counter.njk';
  count = 0;
  label = 'start';
  /** `?tag=` of every connected view that unmounted. */
  static unmounted = new Set<string>();
  #tag: string | null = null;

  mount(ctx: MountContext) {
    this.pageTitle = 'Counter 0';
    if (!ctx.connected) return;
    if (typeof ctx.query.tag === 'string') this.#tag = ctx.query.tag;
    if (typeof ctx.query.topic === 'string') this.subscribe(ctx.query.topic);
  }

  @eventHandler()
  inc(params: { by?: unknown; tag?: unknown }) {
    this.count += typeof params.by === 'number' ? params.by : 1;
    this.pageTitle = `Counter ${this.count}`;
    this.pageMeta = { 'og:title': `${String(params.tag ?? 'c')} ${this.count}` };
    this.putFlash('info', `now ${this.count}`);
  }

  @eventHandler()
  same() {
    // changes nothing: the response is `reply`
  }

  @eventHandler()
  boom() {
    this.pageTitle = 'never sent';
    throw new Error('kaboom');
  }

  handleInfo(message: unknown) {
    this.label = String(message);
    this.pageTitle = `Counter ${this.count} (${this.label})`;
  }

  unmount() {
    if (this.#tag !== null) CounterView.unmounted.add(this.#tag);
  }
}

export function counterRoutes(live: DjustLite): void {
  live.route('/counter', CounterView);
}

/** A fresh session id (8–128 of [A-Za-z0-9_-]). */
let sessions = 0;
export function sessionId(): string {
  sessions += 1;
  return `test-session-${process.pid}-${sessions}-${Math.random().toString(36).slice(2, 8)}`;
}

export function streamPath(session: string, token: string, extra = ''): string {
  return `/djust/sse/${session}?token=${encodeURIComponent(token)}${extra}`;
}
