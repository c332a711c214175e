// Just over 300 lines: the SSE endpoint's routing and checks; framing is sse-session.ts, bodies
// read-body.ts, routing to other processes sse-remote.ts.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { clearInterval, setInterval } from 'node:timers';
import type { ClientAddresses } from './client-address';
import { Connection } from '../connection/connection';
import type { LiveContext } from '../connection/context';
import { originAllowed } from './origin';
import type { StreamRouter } from '../pubsub/pubsub';
import type { ConnectionLimits } from './connection-limits';
import { MountDeadlines } from './mount-deadline';
import { readBody } from './read-body';
import { readUploadBody } from './upload-post';
import { relayTarget, sessionHandler } from './sse-remote';
import { SseStream, writeResumeGap, type SessionHost } from './sse-stream';

/** Session ids: what `crypto.randomUUID()` gives, or any 8–128 URL-safe characters. */
export const SESSION_ID_RE = /^[A-Za-z0-9_-]{8,128}$/;

/**
 * The request header a POST or DELETE proves it belongs to the view with: the token the stream
 * was opened with (`data-djust-token`). Node lower-cases header names.
 */
export const TOKEN_HEADER = 'x-djust-token';

interface Live {
  session: SseStream;
  connection: Connection;
}

/** Headers of the 202 a message POST gets (flat array: the cheapest form for writeHead). */
const ACCEPTED_HEADERS = ['Content-Length', '0', 'Cache-Control', 'no-store'];

const PLAIN = { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' } as const;

/** The request's path without its query (which may hold the token): what a log line shows. */
function pathOf(req: IncomingMessage): string {
  return (req.url ?? '').split('?', 1)[0] as string;
}

const MISSING_TOKEN = 'Forbidden: POST and DELETE need the stream\'s token in the X-Djust-Token header (the data-djust-token attribute of the page\'s script tag).';

const wrongToken = (id: string): string => `Forbidden: X-Djust-Token is not the token session "${id}" was opened with.`;

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
 * POST and DELETE carry the stream's token in `X-Djust-Token` (403 otherwise). A session counts
 * against the connection limits (per client address too) until it ends, and ends with
 * `mount_timeout` if its view has not mounted within `mountTimeoutMs`. Every refusal goes
 * through `#refuse`. Each session is a Connection whose Sink is the session (see sse-session.ts).
 */
export class SseTransport {
  readonly #ctx: LiveContext;
  readonly #base: string;
  readonly #sessions = new Map<string, Live>();
  readonly #limits: ConnectionLimits;
  readonly #addresses: ClientAddresses;
  readonly #heartbeat: NodeJS.Timeout;
  /** Option mountTimeoutMs: a session whose view has not mounted in time is ended. */
  readonly #deadlines: MountDeadlines;
  readonly #host: SessionHost;
  /** `${base}/:session/message` with a well-formed id: the per-event POST, routed without URL parsing. */
  readonly #messagePath: RegExp;

  constructor(ctx: LiveContext, limits: ConnectionLimits, addresses: ClientAddresses) {
    this.#ctx = ctx;
    this.#base = `${ctx.options.prefix}/sse`;
    this.#messagePath = new RegExp(`^${this.#base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/([A-Za-z0-9_-]{8,128})/message(?:\\?|$)`);
    this.#limits = limits;
    this.#addresses = addresses;
    const { sseBufferSize, sseLingerMs, sseRetryMs } = ctx.options;
    this.#host = { bufferSize: sseBufferSize, lingerMs: sseLingerMs, retryMs: sseRetryMs, end: (session) => void this.#end(session) };
    this.#heartbeat = setInterval(() => {
      for (const { session, connection } of this.#sessions.values()) {
        session.ping();
        connection.sweep();
      }
    }, ctx.options.heartbeatMs);
    this.#heartbeat.unref();
    this.#deadlines = new MountDeadlines(ctx.options.mountTimeoutMs, (who) => `SSE session ${who}`, ctx.options.logger.debug);
    // Several processes (docs/scaling.md): what other processes forward for the sessions held here.
    ctx.pubsub.streams?.listen(sessionHandler((id) => this.#sessions.get(id), (session) => void this.#end(session)));
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
      if (!originAllowed(req, this.#ctx.options.allowedOrigins, this.#addresses)) {
        this.#refuse(req, res, 403, 'Forbidden: Origin not allowed (option allowedOrigins).');
        return true;
      }
      this.#message(req, res, postTo).catch((err: unknown) => this.#failed(req, res, `${this.#base}/${postTo}/message`, err));
      return true;
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    if (path !== this.#base && !path.startsWith(`${this.#base}/`)) return false;
    const [id = '', tail, ...rest] = path.slice(this.#base.length + 1).split('/');
    const endpoint = tail === undefined ? 'stream' : (tail === 'message' || tail === 'upload') && rest.length === 0 ? tail : null;
    if (endpoint === null || id === '') {
      this.#refuse(req, res, 404, `Not Found: SSE endpoints are GET/DELETE ${this.#base}/:session and POST ${this.#base}/:session/message.`);
      return true;
    }
    const allowed = endpoint === 'stream' ? ['GET', 'DELETE'] : ['POST'];
    if (!allowed.includes(req.method ?? '')) {
      this.#refuse(req, res, 405, `Method Not Allowed: use ${allowed.join(' or ')} on ${path}.`, { Allow: allowed.join(', ') });
      return true;
    }
    if (!SESSION_ID_RE.test(id)) {
      this.#refuse(req, res, 400, `Bad Request: session id must be 8-128 characters of A-Z a-z 0-9 _ - (e.g. a UUID), got ${JSON.stringify(id.slice(0, 40))}.`);
      return true;
    }
    if (!originAllowed(req, this.#ctx.options.allowedOrigins, this.#addresses)) {
      this.#refuse(req, res, 403, 'Forbidden: Origin not allowed (option allowedOrigins).');
      return true;
    }
    const work = req.method === 'GET' ? this.#stream(req, res, id, url.searchParams)
      : req.method === 'POST' ? (endpoint === 'upload' ? this.#upload(req, res, id) : this.#message(req, res, id))
      : this.#delete(req, res, id);
    work.catch((err: unknown) => this.#failed(req, res, path, err));
    return true;
  }

  /**
   * The one way a request is refused: `status` and a one-line plain-text `reason` naming the
   * rule or option (readable in curl), logged at debug. A request whose body was not read gets
   * `Connection: close`, so its socket ends with the answer; `destroy` drops the socket as soon
   * as the answer is written (a body that never finishes).
   */
  #refuse(req: IncomingMessage, res: ServerResponse, status: number, reason: string, headers: Record<string, string> = {}, destroy = false): void {
    this.#ctx.options.logger.debug(`djust-lite: SSE ${req.method ?? ''} ${pathOf(req)} from ${this.#addresses.of(req) || 'an unknown address'} refused with ${status}: ${reason}`);
    const close = destroy || !req.complete ? { Connection: 'close' } : {};
    res.writeHead(status, { ...PLAIN, ...close, ...headers });
    res.end(`${reason}\n`, destroy ? () => req.socket.destroy() : undefined);
  }

  #failed(req: IncomingMessage, res: ServerResponse, path: string, err: unknown): void {
    if (req.destroyed || (err as { code?: unknown } | null)?.code === 'ECONNRESET') {
      // The client went away (an aborted request): one line, not a stack.
      this.#ctx.options.logger.debug(`djust-lite: SSE ${req.method ?? ''} ${path}: the client went away (${err instanceof Error ? err.message : String(err)}).`);
      return void res.destroy();
    }
    this.#ctx.options.logger.error(`djust-lite: SSE ${req.method ?? ''} ${path} failed`, err);
    if (!res.headersSent) this.#refuse(req, res, 500, 'Internal Server Error: see the server log.');
    else res.end();
  }

  /** The token a POST or DELETE carries in its X-Djust-Token header, or null. */
  #tokenOf(req: IncomingMessage): string | null {
    const token = req.headers[TOKEN_HEADER];
    return typeof token === 'string' && token !== '' ? token : null;
  }

  async #stream(req: IncomingMessage, res: ServerResponse, id: string, query: URLSearchParams): Promise<void> {
    const { options } = this.#ctx;
    const token = query.get('token');
    if (!token) return this.#refuse(req, res, 400, 'Bad Request: the stream needs ?token=... (the data-djust-token attribute of the page\'s script tag).');
    const header = req.headers['last-event-id'];
    const lastEventId = (typeof header === 'string' && header !== '' ? header : query.get('lastEventId')) || null;
    const existing = this.#sessions.get(id);
    if (existing && !existing.session.tokenMatches(token)) {
      return this.#refuse(req, res, 403, `Forbidden: session "${id}" is live with another token; choose a new session id.`);
    }
    if (lastEventId !== null) {
      if (!existing && this.#ctx.pubsub.streams) return this.#resumeElsewhere(req, res, this.#ctx.pubsub.streams, id, token, lastEventId);
      if (!existing) return writeResumeGap(res, options.sseRetryMs, `Session "${id}" is gone: it ended, or stayed without a stream longer than option sseLingerMs (${options.sseLingerMs} ms).`);
      const resumed = existing.session.attach(res, lastEventId);
      if (resumed.ok) return;
      const shown = JSON.stringify(lastEventId.slice(0, 20));
      // Only a lingering session ends here: one still streaming to its client is not ended by
      // a resume it cannot serve (an id it never sent); only this new stream gets resume_gap.
      if (!existing.session.streaming) await this.#end(existing.session);
      return writeResumeGap(res, options.sseRetryMs, resumed.future
        ? `Cannot resume session "${id}" after id ${shown}: the session has not sent that id (the last one was ${existing.session.nextId - 1}).`
        : `Cannot resume session "${id}" after id ${shown}: the messages from there on are no longer buffered (option sseBufferSize keeps the last ${options.sseBufferSize}).`);
    }
    // No Last-Event-ID: mount afresh (a session already live on this id and token is replaced).
    const firstId = existing ? existing.session.nextId : 1;
    if (existing) void this.#end(existing.session);
    const client = this.#addresses.of(req);
    const full = this.#limits.refusal(client);
    if (full !== null) return this.#refuse(req, res, 429, `Too Many Requests: ${full}.`);
    const session = new SseStream(this.#host, id, token, client, firstId);
    const connection = new Connection(this.#ctx, session.sink);
    this.#deadlines.start(connection, session.sink, `"${id}" from ${client || 'an unknown address'}`);
    this.#sessions.set(id, { session, connection });
    this.#ctx.pubsub.streams?.claim(id);
    this.#limits.opened(client);
    session.attach(res, null);
    connection.receive(JSON.stringify({ type: 'mount', token, url: query.get('url') ?? undefined }));
  }

  /**
   * One envelope for the session's Connection. The X-Djust-Token header must be the token the
   * stream was opened with (403 otherwise): a session id alone does nothing.
   */
  async #message(req: IncomingMessage, res: ServerResponse, id: string): Promise<void> {
    const { maxMessageBytes: limit, bodyTimeoutMs } = this.#ctx.options;
    if (!isJson(req)) return this.#refuse(req, res, 415, 'Unsupported Media Type: POST the envelope as JSON with Content-Type: application/json.');
    const token = this.#tokenOf(req);
    if (token === null) return this.#refuse(req, res, 403, MISSING_TOKEN);
    const live = this.#sessions.get(id);
    const router = this.#ctx.pubsub.streams;
    if (!live && !router) return this.#unknown(req, res, id);
    if (live && !live.session.tokenMatches(token)) return this.#refuse(req, res, 403, wrongToken(id));
    const body = await readBody(req, limit, bodyTimeoutMs);
    if (!body.ok) {
      switch (body.why) {
        case 'too_large':
          return this.#refuse(req, res, 413, `Payload Too Large: body over ${limit} bytes (option maxMessageBytes).`, { Connection: 'close' });
        case 'timeout':
          return this.#refuse(req, res, 408, `Request Timeout: the body did not arrive within ${bodyTimeoutMs} ms (option bodyTimeoutMs).`, {}, true);
        case 'aborted':
          this.#ctx.options.logger.debug(`djust-lite: SSE POST ${pathOf(req)}: the client aborted the request mid-body.`);
          return void res.destroy();
      }
    }
    // The session may have ended (or been replaced) while the body arrived.
    const now = this.#sessions.get(id);
    if (!now && router) return this.#forward(req, res, router, id, body.text, token);
    if (!now) return this.#unknown(req, res, id);
    if (now !== live && !now.session.tokenMatches(token)) return this.#refuse(req, res, 403, wrongToken(id));
    now.connection.receive(body.text);
    res.writeHead(202, ACCEPTED_HEADERS);
    res.end();
  }

  /**
   * One upload chunk (docs/uploads.md): checked as a message POST is (token, size), then handed
   * to the session's Connection; its `ack` goes out on the stream. Sessions held by another
   * process are not reached: uploads need the stream's own process (404 otherwise).
   */
  async #upload(req: IncomingMessage, res: ServerResponse, id: string): Promise<void> {
    const { maxMessageBytes: limit, bodyTimeoutMs } = this.#ctx.options;
    const token = this.#tokenOf(req);
    if (token === null) return this.#refuse(req, res, 403, MISSING_TOKEN);
    const live = this.#sessions.get(id);
    if (!live) return this.#unknown(req, res, id);
    if (!live.session.tokenMatches(token)) return this.#refuse(req, res, 403, wrongToken(id));
    const body = await readUploadBody(req, limit, bodyTimeoutMs);
    if (!body.ok) {
      if (body.why === 'aborted') return void res.destroy();
      return body.why === 'bad_type' ? this.#refuse(req, res, 415, 'Unsupported Media Type: POST an upload chunk as application/octet-stream.')
        : body.why === 'timeout' ? this.#refuse(req, res, 408, `Request Timeout: the body did not arrive within ${bodyTimeoutMs} ms (option bodyTimeoutMs).`, {}, true)
        : this.#refuse(req, res, 413, `Payload Too Large: upload chunk over ${limit} bytes (option maxMessageBytes); use a smaller chunkSize.`, { Connection: 'close' });
    }
    const now = this.#sessions.get(id);
    if (now !== live) return this.#unknown(req, res, id);
    live.connection.upload(body.bytes);
    res.writeHead(202, ACCEPTED_HEADERS);
    res.end();
  }

  /**
   * Ends the session now; needs the X-Djust-Token header as a POST does. Idempotent: a session
   * that already ended answers 204 too (the client is leaving either way).
   */
  async #delete(req: IncomingMessage, res: ServerResponse, id: string): Promise<void> {
    const token = this.#tokenOf(req);
    if (token === null) return this.#refuse(req, res, 403, MISSING_TOKEN);
    const live = this.#sessions.get(id);
    if (live && !live.session.tokenMatches(token)) return this.#refuse(req, res, 403, wrongToken(id));
    if (live) await this.#end(live.session);
    else if (this.#ctx.pubsub.streams && (await this.#ctx.pubsub.streams.forward(id, null, token)) === 'forbidden') return this.#refuse(req, res, 403, wrongToken(id));
    res.writeHead(204, { 'Cache-Control': 'no-store' });
    res.end();
  }

  /**
   * A stream reconnected here with `Last-Event-ID` for a session another process may hold
   * (option pubsub with SSE routing): that process relays the session's stream here, replay
   * first; `resume_gap` when no process holds it or its buffer no longer covers the id.
   */
  async #resumeElsewhere(req: IncomingMessage, res: ServerResponse, router: StreamRouter, id: string, token: string, lastEventId: string): Promise<void> {
    const { sseRetryMs, sseLingerMs, maxBufferedBytes } = this.#ctx.options;
    const relay = await router.resume(id, token, lastEventId, relayTarget(res, sseRetryMs, maxBufferedBytes));
    if (relay.answer === 'ok') {
      if (res.writableEnded || res.destroyed) relay.close();
      else res.once('close', relay.close);
      return;
    }
    if (relay.answer === 'forbidden') return this.#refuse(req, res, 403, `Forbidden: session "${id}" is live with another token; choose a new session id.`);
    return writeResumeGap(res, sseRetryMs, relay.answer === 'gap'
      ? `Cannot resume session "${id}" after id ${JSON.stringify(lastEventId.slice(0, 20))}: the messages from there on are no longer buffered by the process holding it.`
      : `Session "${id}" is gone: it ended, stayed without a stream longer than option sseLingerMs (${sseLingerMs} ms), or its process ended.`);
  }

  /**
   * A POST for a session another process holds (option pubsub with SSE routing): answered 202
   * once the holder has enqueued it, so a page's POSTs (sent one after the other) apply in order.
   */
  async #forward(req: IncomingMessage, res: ServerResponse, router: StreamRouter, id: string, body: string, token: string): Promise<void> {
    const result = await router.forward(id, body, token);
    if (result === 'unknown') return this.#unknown(req, res, id);
    if (result === 'forbidden') return this.#refuse(req, res, 403, wrongToken(id));
    if (result === 'unreachable') return this.#refuse(req, res, 503, `Service Unavailable: the process holding SSE session "${id}" did not answer (Redis down, or that process ended); open the stream again.`);
    res.writeHead(202, ACCEPTED_HEADERS);
    res.end();
  }

  #unknown(req: IncomingMessage, res: ServerResponse, id: string): void {
    this.#refuse(req, res, 404, `Not Found: no live SSE session "${id}" (it ended, or was never opened: GET ${this.#base}/${id}?token=... first).`);
  }

  /** Ends a session: its stream closes, its Connection closes (the view unmounts). Idempotent. */
  async #end(session: SseStream): Promise<void> {
    session.finish();
    const live = this.#sessions.get(session.id);
    if (live?.session !== session) return;
    this.#sessions.delete(session.id);
    this.#ctx.pubsub.streams?.release(session.id);
    this.#limits.closed(session.client);
    await live.connection.close();
  }

  /** Ends every session (views unmount) and stops the heartbeat. */
  async close(): Promise<void> {
    clearInterval(this.#heartbeat);
    this.#deadlines.stop();
    await Promise.all([...this.#sessions.values()].map(({ session }) => this.#end(session)));
  }
}
