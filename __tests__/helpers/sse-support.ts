/** Test helpers for the SSE transport: a recording stream and a POST, over lib/testing's SSE client. */
import type http from 'node:http';
import { eventHandler, LiveView, type DjustLite, type MountContext } from '../../lib';
import type { ServerMessage } from '../../lib/contract/protocol';
import { request } from '../../lib/testing/page';
import { openSseStream, postEnvelope, sseTokenHeaders } from '../../lib/testing/sse';
import { Waiters } from '../../lib/testing/waiters';

export type Msg = ServerMessage & Record<string, unknown>;

/** One parsed SSE message: the id and event lines, and the JSON data. */
export interface SseEvent {
  id: string | undefined;
  event: string | undefined;
  data: Msg;
}

/** A raw `GET …/sse/:session` stream (lib/testing's `openSseStream`), recorded as it arrives. */
export class SseStream {
  readonly events: SseEvent[] = [];
  readonly comments: string[] = [];
  retry: number | undefined;
  raw = '';
  ended = false;
  /** Chunks as they arrived (one per res.write on the server, on loopback). */
  readonly chunks: string[] = [];
  status = 0;
  headers: http.IncomingHttpHeaders = {};
  readonly req: http.ClientRequest;
  readonly #response: Promise<http.IncomingMessage>;
  readonly #waiters = new Waiters();

  private constructor(url: string, headers: Record<string, string>) {
    const wake = () => this.#waiters.wake();
    const stream = openSseStream(url, {
      record: (record) => {
        this.events.push({ id: record.id, event: record.event, data: record.message as Msg });
        wake();
      },
      comment: (comment) => this.comments.push(comment),
      retry: (retry) => (this.retry = retry),
      chunk: (chunk) => {
        this.raw += chunk;
        this.chunks.push(chunk);
        wake();
      },
      closed: () => {
        this.ended = true;
        wake();
      },
    }, { headers });
    this.req = stream.req;
    this.#response = stream.response;
  }

  /** Opens `path` (relative to `base`); resolves once the response headers arrived. */
  static async open(base: string, path: string, headers: Record<string, string> = {}): Promise<SseStream> {
    const stream = new SseStream(base + path, headers);
    const res = await stream.#response;
    stream.status = res.statusCode ?? 0;
    stream.headers = res.headers;
    return stream;
  }

  get messages(): Msg[] {
    return this.events.map((e) => e.data);
  }

  /** The last event id received. */
  get lastId(): string | undefined {
    return this.events.at(-1)?.id;
  }

  /** Resolves when `test()` holds; fails after `timeoutMs` with what arrived so far. */
  async waitFor(test: (stream: this) => boolean, what = 'condition', timeoutMs = 3000): Promise<void> {
    await this.#waiters.until(() => test(this) || undefined, timeoutMs, () => new Error(`timed out waiting for ${what}; stream so far:\n${this.raw.slice(-1500)}`));
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
}

/** One HTTP request with a text body (POST unless `method` says otherwise), on a fresh connection. */
export function send(base: string, path: string, init: { method?: string; body?: string | Buffer; headers?: Record<string, string> } = {}) {
  return request(base + path, { ...init, method: init.method ?? 'POST', agent: false });
}

/** The token each session's stream was first opened with (by `streamPath`): what its POSTs and DELETEs carry. */
const tokens = new Map<string, string>();

/** The X-Djust-Token header for `session` (the token its stream was opened with). */
export function tokenHeaders(session: string): Record<string, string> {
  return sseTokenHeaders(tokens.get(session) ?? '');
}

/** POSTs one envelope as JSON to a session, with its token (`headers` may override it). */
export function post(base: string, session: string, envelope: unknown, headers: Record<string, string> = {}) {
  return postEnvelope(base, '/djust', session, tokens.get(session) ?? '', envelope, { headers, agent: false });
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
  if (!tokens.has(session)) tokens.set(session, token);
  return `/djust/sse/${session}?token=${encodeURIComponent(token)}${extra}`;
}
