import type { IncomingMessage, ServerResponse } from 'node:http';
import { clearInterval, setInterval } from 'node:timers';
import { Connection, type DispatcherContext } from '../dispatcher';
import { originAllowed } from '../origin';
import { SseSession, writeResumeGap, type SessionHost } from './sse-session';

/** Session ids: what `crypto.randomUUID()` gives, or any 8–128 URL-safe characters. */
export const SESSION_ID_RE = /^[A-Za-z0-9_-]{8,128}$/;

interface Live {
  session: SseSession;
  connection: Connection;
}

type Counter = { count: () => number; track: (delta: 1 | -1) => void };

/** Headers of the 202 a message POST gets (flat array: the cheapest form for writeHead). */
const ACCEPTED_HEADERS = ['Content-Length', '0', 'Cache-Control', 'no-store'];

const PLAIN = { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' } as const;

/** Answers with a status and a one-line plain-text reason (readable in curl). */
function refuse(res: ServerResponse, status: number, reason: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...PLAIN, ...headers });
  res.end(`${reason}\n`);
}

/**
 * Reads a request body as UTF-8, counting bytes as they arrive: null as soon as it passes
 * `limit` (the rest is discarded, never buffered). A body an earlier middleware already
 * parsed (e.g. `express.json()`) is re-serialised.
 */
function readBody(req: IncomingMessage, limit: number): Promise<string | null> {
  const parsed = (req as { body?: unknown }).body;
  if (req.readableEnded && parsed !== undefined) {
    const text = typeof parsed === 'string' ? parsed : Buffer.isBuffer(parsed) ? parsed.toString('utf8') : JSON.stringify(parsed);
    return Promise.resolve(Buffer.byteLength(text) > limit ? null : text);
  }
  if (Number(req.headers['content-length']) > limit) return Promise.resolve(null);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      req.off('data', onData);
      req.resume(); // discard the rest; the 413 closes the connection
      resolve(null);
    };
    req.on('data', onData);
    req.once('end', () => resolve(size > limit ? null : Buffer.concat(chunks).toString('utf8')));
    req.once('error', reject);
  });
}

function isJson(req: IncomingMessage): boolean {
  const type = (req.headers['content-type'] ?? '').split(';', 1)[0]?.trim().toLowerCase();
  return type === 'application/json';
}

/**
 * The SSE transport (docs/protocol.md, "SSE") under `${prefix}/sse`:
 * - `GET  /:session?token=…` opens the event stream and mounts the view; with `Last-Event-ID`
 *   (header, or `lastEventId` query parameter) it resumes the session and replays what was missed;
 * - `POST /:session/message` takes one JSON envelope (docs/protocol.md) and answers 202; results go to the stream;
 * - `DELETE /:session` ends the session now (the view unmounts) and answers 204 (also when it
 *   had already ended).
 * Each session is a Connection whose Sink is the session (see sse-session.ts).
 */
export class SseTransport {
  readonly #ctx: DispatcherContext;
  readonly #base: string;
  readonly #sessions = new Map<string, Live>();
  readonly #perClient = new Map<string, number>();
  readonly #counter: Counter;
  readonly #heartbeat: NodeJS.Timeout;
  readonly #host: SessionHost;
  /** `${base}/:session/message` with a well-formed id: the per-event POST, routed without URL parsing. */
  readonly #messagePath: RegExp;

  constructor(ctx: DispatcherContext, counter: Counter) {
    this.#ctx = ctx;
    this.#base = `${ctx.options.prefix}/sse`;
    this.#messagePath = new RegExp(`^${this.#base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/([A-Za-z0-9_-]{8,128})/message(?:\\?|$)`);
    this.#counter = counter;
    const { sseBufferSize, sseLingerMs, sseRetryMs } = ctx.options;
    this.#host = { bufferSize: sseBufferSize, lingerMs: sseLingerMs, retryMs: sseRetryMs, end: (session) => void this.#end(session) };
    this.#heartbeat = setInterval(() => {
      for (const { session, connection } of this.#sessions.values()) {
        session.ping();
        connection.sweep();
      }
    }, ctx.options.heartbeatMs);
    this.#heartbeat.unref();
  }

  /** Live SSE sessions (streaming or lingering). */
  get size(): number {
    return this.#sessions.size;
  }

  /** Takes requests under `${prefix}/sse`; returns false for every other path. */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    if (!(req.url ?? '').startsWith(this.#base)) return false;
    // The hot path (one POST per event): a plain `…/:session/message` needs no URL parsing and
    // none of the checks below it would fail (its pathname is the raw path).
    const postTo = req.method === 'POST' ? this.#messagePath.exec(req.url ?? '')?.[1] : undefined;
    if (postTo !== undefined) {
      if (!originAllowed(req, this.#ctx.options.allowedOrigins)) {
        refuse(res, 403, 'Forbidden: Origin not allowed (option allowedOrigins).');
        return true;
      }
      this.#message(req, res, postTo).catch((err: unknown) => this.#failed(req, res, `${this.#base}/${postTo}/message`, err));
      return true;
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    if (path !== this.#base && !path.startsWith(`${this.#base}/`)) return false;
    const [id = '', tail, ...rest] = path.slice(this.#base.length + 1).split('/');
    const endpoint = tail === undefined ? 'stream' : tail === 'message' && rest.length === 0 ? 'message' : null;
    if (endpoint === null || id === '') {
      refuse(res, 404, `Not Found: SSE endpoints are GET/DELETE ${this.#base}/:session and POST ${this.#base}/:session/message.`);
      return true;
    }
    const allowed = endpoint === 'stream' ? ['GET', 'DELETE'] : ['POST'];
    if (!allowed.includes(req.method ?? '')) {
      refuse(res, 405, `Method Not Allowed: use ${allowed.join(' or ')} on ${path}.`, { Allow: allowed.join(', ') });
      return true;
    }
    if (!SESSION_ID_RE.test(id)) {
      refuse(res, 400, `Bad Request: session id must be 8-128 characters of A-Z a-z 0-9 _ - (e.g. a UUID), got ${JSON.stringify(id.slice(0, 40))}.`);
      return true;
    }
    if (!originAllowed(req, this.#ctx.options.allowedOrigins)) {
      refuse(res, 403, 'Forbidden: Origin not allowed (option allowedOrigins).');
      return true;
    }
    const work = req.method === 'GET' ? this.#stream(req, res, id, url.searchParams)
      : req.method === 'POST' ? this.#message(req, res, id)
      : this.#delete(res, id);
    work.catch((err: unknown) => this.#failed(req, res, path, err));
    return true;
  }

  #failed(req: IncomingMessage, res: ServerResponse, path: string, err: unknown): void {
    this.#ctx.options.logger.error(`djust-lite: SSE ${req.method ?? ''} ${path} failed`, err);
    if (!res.headersSent) refuse(res, 500, 'Internal Server Error: see the server log.');
    else res.end();
  }

  async #stream(req: IncomingMessage, res: ServerResponse, id: string, query: URLSearchParams): Promise<void> {
    const { options } = this.#ctx;
    const token = query.get('token');
    if (!token) return refuse(res, 400, 'Bad Request: the stream needs ?token=... (the data-djust-token attribute of the page\'s script tag).');
    const header = req.headers['last-event-id'];
    const lastEventId = (typeof header === 'string' && header !== '' ? header : query.get('lastEventId')) || null;
    const existing = this.#sessions.get(id);
    if (existing && existing.session.token !== token) {
      return refuse(res, 403, `Forbidden: session "${id}" is live with another token; choose a new session id.`);
    }
    if (lastEventId !== null) {
      if (!existing) return writeResumeGap(res, options.sseRetryMs, `Session "${id}" is gone: it ended, or stayed without a stream longer than option sseLingerMs (${options.sseLingerMs} ms).`);
      const resumed = existing.session.attach(res, lastEventId);
      if (resumed.ok) return;
      await this.#end(existing.session);
      return writeResumeGap(res, options.sseRetryMs, `Cannot resume session "${id}" after id ${JSON.stringify(lastEventId.slice(0, 20))}: the messages from there on are no longer buffered (option sseBufferSize keeps the last ${options.sseBufferSize}).`);
    }
    // No Last-Event-ID: mount afresh (a session already live on this id and token is replaced).
    const firstId = existing ? existing.session.nextId : 1;
    if (existing) void this.#end(existing.session);
    const client = (req as { ip?: string }).ip ?? req.socket.remoteAddress ?? '';
    if (this.#counter.count() >= options.maxConnections) {
      return refuse(res, 429, `Too Many Requests: ${options.maxConnections} live connections already (option maxConnections).`);
    }
    if ((this.#perClient.get(client) ?? 0) >= options.maxSessionsPerClient) {
      return refuse(res, 429, `Too Many Requests: this client already has ${options.maxSessionsPerClient} live SSE sessions (option maxSessionsPerClient).`);
    }
    const session = new SseSession(this.#host, id, token, client, firstId);
    const connection = new Connection(this.#ctx, session.sink);
    this.#sessions.set(id, { session, connection });
    this.#perClient.set(client, (this.#perClient.get(client) ?? 0) + 1);
    this.#counter.track(1);
    session.attach(res, null);
    connection.receive(JSON.stringify({ type: 'mount', token, url: query.get('url') ?? undefined }));
  }

  async #message(req: IncomingMessage, res: ServerResponse, id: string): Promise<void> {
    const limit = this.#ctx.options.maxMessageBytes;
    if (!isJson(req)) return refuse(res, 415, 'Unsupported Media Type: POST the envelope as JSON with Content-Type: application/json.');
    if (!this.#sessions.has(id)) return this.#unknown(res, id);
    const body = await readBody(req, limit);
    if (body === null) return refuse(res, 413, `Payload Too Large: body over ${limit} bytes (option maxMessageBytes).`, { Connection: 'close' });
    const live = this.#sessions.get(id);
    if (!live) return this.#unknown(res, id);
    live.connection.receive(body);
    res.writeHead(202, ACCEPTED_HEADERS);
    res.end();
  }

  /** Idempotent: a session that already ended answers 204 too (the client is leaving either way). */
  async #delete(res: ServerResponse, id: string): Promise<void> {
    const live = this.#sessions.get(id);
    if (live) await this.#end(live.session);
    res.writeHead(204, { 'Cache-Control': 'no-store' });
    res.end();
  }

  #unknown(res: ServerResponse, id: string): void {
    refuse(res, 404, `Not Found: no live SSE session "${id}" (it ended, or was never opened: GET ${this.#base}/${id}?token=... first).`);
  }

  /** Ends a session: its stream closes, its Connection closes (the view unmounts). Idempotent. */
  async #end(session: SseSession): Promise<void> {
    session.finish();
    const live = this.#sessions.get(session.id);
    if (live?.session !== session) return;
    this.#sessions.delete(session.id);
    const left = (this.#perClient.get(session.client) ?? 1) - 1;
    if (left > 0) this.#perClient.set(session.client, left);
    else this.#perClient.delete(session.client);
    this.#counter.track(-1);
    await live.connection.close();
  }

  /** Ends every session (views unmount) and stops the heartbeat. */
  async close(): Promise<void> {
    clearInterval(this.#heartbeat);
    await Promise.all([...this.#sessions.values()].map(({ session }) => this.#end(session)));
  }
}
