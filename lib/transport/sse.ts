// About 300 lines: the SSE endpoint's checks and answers; the URL's parse is sse-route.ts,
// framing sse-stream.ts, bodies read-body.ts, routing to other processes sse-remote.ts.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { clearInterval, setInterval } from 'node:timers';
import type { ClientAddresses } from './client-address';
import { Connection } from '../connection/connection';
import type { LiveContext } from '../connection/context';
import { originAllowed } from './origin';
import type { Located, StreamRouter } from '../pubsub/pubsub';
import type { ConnectionLimits } from './connection-limits';
import { MountDeadlines } from './mount-deadline';
import { readBody } from './read-body';
import { relayTarget, streamHandler, type HeldStream } from './sse-remote';
import { sseRoute } from './sse-route';
import { SseStream, writeResumeGap, type StreamHost } from './sse-stream';
import type { WriteBatch } from './write-batch';
import { readUploadBody } from './upload-post';

export { STREAM_ID_RE } from './sse-route';

/**
 * The request header a POST or DELETE proves it belongs to the view with: the token the stream
 * was opened with (`data-djust-token`). Node lower-cases header names.
 */
export const TOKEN_HEADER = 'x-djust-token';

/** Headers of the 202 a message POST gets (flat array: the cheapest form for writeHead). */
const ACCEPTED_HEADERS = ['Content-Length', '0', 'Cache-Control', 'no-store'];

const PLAIN = { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' } as const;

/** The request's path without its query (which may hold the token): what a log line shows. */
function pathOf(req: IncomingMessage): string {
  return (req.url ?? '').split('?', 1)[0] as string;
}

const MISSING_TOKEN = 'Forbidden: POST and DELETE need the stream\'s token in the X-Djust-Token header (the data-djust-token attribute of the page\'s script tag).';

const wrongToken = (id: string): string => `Forbidden: X-Djust-Token is not the token stream "${id}" was opened with.`;

function isJson(req: IncomingMessage): boolean {
  const type = (req.headers['content-type'] ?? '').split(';', 1)[0]?.trim().toLowerCase();
  return type === 'application/json';
}

/** The token a POST or DELETE carries in its X-Djust-Token header, or null. */
function tokenOf(req: IncomingMessage): string | null {
  const token = req.headers[TOKEN_HEADER];
  return typeof token === 'string' && token !== '' ? token : null;
}

/**
 * The SSE transport (docs/protocol.md, "SSE") under `${prefix}/sse`:
 * - `GET  /:stream?token=…` opens the event stream and mounts the view; with `Last-Event-ID`
 *   (header, or `lastEventId` query parameter) it resumes the stream and replays what was missed;
 * - `POST /:stream/message` takes one JSON envelope (docs/protocol.md) and answers 202; results go to the stream;
 * - `DELETE /:stream` ends the stream now (the view unmounts) and answers 204 (also when it
 *   had already ended).
 * Each request is routed with one parse of its URL (sse-route.ts), one Origin check and one
 * token check (`#held` for a stream held here; `#locate` — signature, then holder and binding —
 * for one another process holds, before any body is read). POST and DELETE carry the stream's
 * token in `X-Djust-Token` (403 otherwise). A stream counts against the connection limits (per
 * client address too) until it ends, and ends with `mount_timeout` if its view has not mounted
 * within `mountTimeoutMs`. Every refusal goes through `#refuse`. Each stream is a Connection
 * whose Sink is the SseStream.
 */
export class SseTransport {
  readonly #ctx: LiveContext;
  readonly #base: string;
  readonly #streams = new Map<string, HeldStream>();
  readonly #limits: ConnectionLimits;
  readonly #addresses: ClientAddresses;
  readonly #heartbeat: NodeJS.Timeout;
  /** Option mountTimeoutMs: a stream whose view has not mounted in time is ended. */
  readonly #deadlines: MountDeadlines;
  readonly #host: StreamHost;

  constructor(ctx: LiveContext, limits: ConnectionLimits, addresses: ClientAddresses, writes: WriteBatch) {
    this.#ctx = ctx;
    this.#base = `${ctx.options.prefix}/sse`;
    this.#limits = limits;
    this.#addresses = addresses;
    const { sseBufferSize, sseLingerMs, sseRetryMs } = ctx.options;
    this.#host = { bufferSize: sseBufferSize, lingerMs: sseLingerMs, retryMs: sseRetryMs, writes, end: (stream) => void this.#end(stream) };
    this.#heartbeat = setInterval(() => {
      for (const { stream, connection } of this.#streams.values()) {
        stream.ping();
        connection.sweep();
      }
    }, ctx.options.heartbeatMs);
    this.#heartbeat.unref();
    this.#deadlines = new MountDeadlines(ctx.options.mountTimeoutMs, (who) => `SSE stream ${who}`, ctx.options.logger.debug);
    // Several processes (docs/scaling.md): what other processes forward for the streams held here.
    ctx.pubsub.streams?.listen(streamHandler((id, token) => this.#held(id, token), (id) => this.#streams.get(id), (stream) => void this.#end(stream)));
  }

  /** Live SSE streams (streaming or lingering). */
  get size(): number {
    return this.#streams.size;
  }

  /** Takes requests under `${prefix}/sse`; returns false for every other path. */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    const url = req.url ?? '';
    if (!url.startsWith(this.#base)) return false;
    const route = sseRoute(req.method ?? '', url, this.#base);
    if (route === null) return false;
    if ('status' in route) {
      this.#refuse(req, res, route.status, route.reason, route.headers);
      return true;
    }
    if (!originAllowed(req, this.#ctx.options.allowedOrigins, this.#addresses)) {
      this.#refuse(req, res, 403, 'Forbidden: Origin not allowed (option allowedOrigins).');
      return true;
    }
    const { id } = route;
    const work = route.endpoint === 'message' ? this.#message(req, res, id)
      : route.endpoint === 'upload' ? this.#upload(req, res, id)
      : req.method === 'GET' ? this.#stream(req, res, id, new URLSearchParams(route.query))
      : this.#delete(req, res, id);
    work.catch((err: unknown) => this.#failed(req, res, err));
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

  #failed(req: IncomingMessage, res: ServerResponse, err: unknown): void {
    if (req.destroyed || (err as { code?: unknown } | null)?.code === 'ECONNRESET') {
      // The client went away (an aborted request): one line, not a stack.
      this.#ctx.options.logger.debug(`djust-lite: SSE ${req.method ?? ''} ${pathOf(req)}: the client went away (${err instanceof Error ? err.message : String(err)}).`);
      return void res.destroy();
    }
    this.#ctx.options.logger.error(`djust-lite: SSE ${req.method ?? ''} ${pathOf(req)} failed`, err);
    if (!res.headersSent) this.#refuse(req, res, 500, 'Internal Server Error: see the server log.');
    else res.end();
  }

  /** The token check for a stream held here: the stream, null when none is held here, 'forbidden' when `token` is not its own. */
  #held(id: string, token: string): HeldStream | null | 'forbidden' {
    const live = this.#streams.get(id);
    if (live === undefined) return null;
    return live.stream.tokenMatches(token) ? live : 'forbidden';
  }

  /**
   * The token check for a stream not held here: its signature first (a forged token costs one
   * HMAC, no Redis), then who holds the stream and whether the token is the one it was opened
   * with (one Redis GET). Nothing is sent to the holder yet.
   */
  async #locate(router: StreamRouter, id: string, token: string): Promise<Located> {
    return this.#signed(token) ? router.locate(id, token) : { answer: 'forbidden' };
  }

  /** Whether `token` carries this app's signature; an expired one still names its stream (a stream outlives its token). */
  #signed(token: string): boolean {
    const verified = this.#ctx.signer.verify(token, this.#ctx.now());
    return verified.ok || verified.code !== 'bad_token';
  }

  async #stream(req: IncomingMessage, res: ServerResponse, id: string, query: URLSearchParams): Promise<void> {
    const { options } = this.#ctx;
    const token = query.get('token');
    if (!token) return this.#refuse(req, res, 400, 'Bad Request: the stream needs ?token=... (the data-djust-token attribute of the page\'s script tag).');
    const header = req.headers['last-event-id'];
    const lastEventId = (typeof header === 'string' && header !== '' ? header : query.get('lastEventId')) || null;
    const existing = this.#held(id, token);
    if (existing === 'forbidden') return this.#refuse(req, res, 403, `Forbidden: stream "${id}" is live with another token; choose a new stream id.`);
    if (lastEventId !== null) {
      const router = this.#ctx.pubsub.streams;
      if (!existing && router) return this.#resumeElsewhere(req, res, router, id, token, lastEventId);
      if (!existing) return writeResumeGap(res, options.sseRetryMs, `Stream "${id}" is gone: it ended, or stayed without a connection longer than option sseLingerMs (${options.sseLingerMs} ms).`);
      const resumed = existing.stream.attach(res, lastEventId);
      if (resumed.ok) return;
      const shown = JSON.stringify(lastEventId.slice(0, 20));
      // Only a lingering stream ends here: one still connected to its client is not ended by
      // a resume it cannot serve (an id it never sent); only this new request gets resume_gap.
      if (!existing.stream.streaming) await this.#end(existing.stream);
      return writeResumeGap(res, options.sseRetryMs, resumed.future
        ? `Cannot resume stream "${id}" after id ${shown}: the stream has not sent that id (the last one was ${existing.stream.nextId - 1}).`
        : `Cannot resume stream "${id}" after id ${shown}: the messages from there on are no longer buffered (option sseBufferSize keeps the last ${options.sseBufferSize}).`);
    }
    // No Last-Event-ID: mount afresh (a stream already live on this id and token is replaced).
    const firstId = existing ? existing.stream.nextId : 1;
    if (existing) void this.#end(existing.stream);
    const client = this.#addresses.of(req);
    const full = this.#limits.refusal(client);
    if (full !== null) return this.#refuse(req, res, 429, `Too Many Requests: ${full}.`);
    const stream = new SseStream(this.#host, id, token, client, firstId);
    const connection = new Connection(this.#ctx, stream.sink);
    this.#deadlines.start(connection, `"${id}" from ${client || 'an unknown address'}`);
    this.#streams.set(id, { stream, connection });
    this.#ctx.pubsub.streams?.claim(id, token);
    this.#limits.opened(client);
    stream.attach(res, null);
    const url = query.get('url');
    connection.mount(url === null ? { type: 'mount', token } : { type: 'mount', token, url });
  }

  /**
   * One envelope for the stream's Connection. The X-Djust-Token header must be the token the
   * stream was opened with (403 otherwise): a stream id alone does nothing.
   */
  async #message(req: IncomingMessage, res: ServerResponse, id: string): Promise<void> {
    const { maxMessageBytes: limit, bodyTimeoutMs } = this.#ctx.options;
    if (!isJson(req)) return this.#refuse(req, res, 415, 'Unsupported Media Type: POST the envelope as JSON with Content-Type: application/json.');
    const token = tokenOf(req);
    if (token === null) return this.#refuse(req, res, 403, MISSING_TOKEN);
    return this.#routed<string>(req, res, id, token, async () => {
      const body = await readBody(req, limit, bodyTimeoutMs);
      if (body.ok) return body.text;
      switch (body.why) {
        case 'too_large':
          return this.#refuse(req, res, 413, `Payload Too Large: body over ${limit} bytes (option maxMessageBytes).`, { Connection: 'close' });
        case 'timeout':
          return this.#refuse(req, res, 408, `Request Timeout: the body did not arrive within ${bodyTimeoutMs} ms (option bodyTimeoutMs).`, {}, true);
        case 'aborted':
          this.#ctx.options.logger.debug(`djust-lite: SSE POST ${pathOf(req)}: the client aborted the request mid-body.`);
          return void res.destroy();
      }
    }, (held, text) => held.connection.receive(text));
  }

  /**
   * One upload chunk (docs/uploads.md): checked as a message POST is (token, size), then handed
   * to the stream's Connection; its `upload` answer goes out on the stream.
   */
  async #upload(req: IncomingMessage, res: ServerResponse, id: string): Promise<void> {
    const { maxUploadChunkBytes: limit, bodyTimeoutMs } = this.#ctx.options;
    const token = tokenOf(req);
    if (token === null) return this.#refuse(req, res, 403, MISSING_TOKEN);
    return this.#routed<Buffer>(req, res, id, token, async () => {
      const body = await readUploadBody(req, limit, bodyTimeoutMs);
      if (body.ok) return body.bytes;
      if (body.why === 'aborted') return void res.destroy();
      return body.why === 'bad_type' ? this.#refuse(req, res, 415, 'Unsupported Media Type: POST an upload chunk as application/octet-stream.')
        : body.why === 'timeout' ? this.#refuse(req, res, 408, `Request Timeout: the body did not arrive within ${bodyTimeoutMs} ms (option bodyTimeoutMs).`, {}, true)
        : this.#refuse(req, res, 413, `Payload Too Large: upload chunk over ${limit} bytes (option maxUploadChunkBytes); use a smaller chunkSize or raise the option.`, { Connection: 'close' });
    }, (held, bytes) => held.connection.upload(bytes));
  }

  /**
   * The path every POST with a body takes (an envelope, an upload chunk). For a stream another
   * process holds, the holder and the token are checked before the body is read (`read`
   * answers a bad body itself and gives undefined); then the body goes to the stream here
   * (`take`) or is forwarded to its holder, and the POST gets its 202 once it is enqueued.
   */
  async #routed<B extends string | Buffer>(req: IncomingMessage, res: ServerResponse, id: string, token: string, read: () => Promise<B | void>, take: (held: HeldStream, body: B) => void): Promise<void> {
    const router = this.#ctx.pubsub.streams;
    const here = this.#held(id, token);
    if (here === 'forbidden') return this.#refuse(req, res, 403, wrongToken(id));
    let remote: Located | null = null;
    if (here === null) {
      if (!router) return this.#unknown(req, res, id);
      remote = await this.#locate(router, id, token);
      if (remote.answer !== 'held') return this.#forwarded(req, res, id, remote.answer);
    }
    const body = await read();
    if (body === undefined) return;
    if (remote?.answer === 'held') return this.#forwarded(req, res, id, await remote.forward(body));
    // The stream may have ended, or moved to another process, while the body arrived.
    const now = this.#held(id, token);
    if (now === 'forbidden') return this.#refuse(req, res, 403, wrongToken(id));
    if (now === null) {
      if (!router) return this.#unknown(req, res, id);
      const moved = await this.#locate(router, id, token);
      return this.#forwarded(req, res, id, moved.answer === 'held' ? await moved.forward(body) : moved.answer);
    }
    take(now, body);
    res.writeHead(202, ACCEPTED_HEADERS);
    res.end();
  }

  /**
   * Ends the stream now; needs the X-Djust-Token header as a POST does. Idempotent: a stream
   * that already ended answers 204 too (the client is leaving either way).
   */
  async #delete(req: IncomingMessage, res: ServerResponse, id: string): Promise<void> {
    const token = tokenOf(req);
    if (token === null) return this.#refuse(req, res, 403, MISSING_TOKEN);
    const here = this.#held(id, token);
    if (here === 'forbidden') return this.#refuse(req, res, 403, wrongToken(id));
    const router = this.#ctx.pubsub.streams;
    if (here) await this.#end(here.stream);
    else if (router) {
      const remote = await this.#locate(router, id, token);
      const answer = remote.answer === 'held' ? await remote.forward(null) : remote.answer;
      if (answer === 'forbidden') return this.#refuse(req, res, 403, wrongToken(id));
    }
    res.writeHead(204, { 'Cache-Control': 'no-store' });
    res.end();
  }

  /**
   * A stream reconnected here with `Last-Event-ID` while another process may hold it (option
   * pubsub with SSE routing): that process relays the stream here, replay first; `resume_gap`
   * when no process holds it or its buffer no longer covers the id.
   */
  async #resumeElsewhere(req: IncomingMessage, res: ServerResponse, router: StreamRouter, id: string, token: string, lastEventId: string): Promise<void> {
    const { sseRetryMs, sseLingerMs, maxBufferedBytes } = this.#ctx.options;
    const relay = this.#signed(token) ? await router.resume(id, token, lastEventId, relayTarget(res, sseRetryMs, maxBufferedBytes)) : { answer: 'forbidden' as const, close() {} };
    if (relay.answer === 'ok') {
      if (res.writableEnded || res.destroyed) relay.close();
      else res.once('close', relay.close);
      return;
    }
    if (relay.answer === 'forbidden') return this.#refuse(req, res, 403, `Forbidden: stream "${id}" is live with another token; choose a new stream id.`);
    return writeResumeGap(res, sseRetryMs, relay.answer === 'gap'
      ? `Cannot resume stream "${id}" after id ${JSON.stringify(lastEventId.slice(0, 20))}: the messages from there on are no longer buffered by the process holding it.`
      : `Stream "${id}" is gone: it ended, stayed without a connection longer than option sseLingerMs (${sseLingerMs} ms), or its process ended.`);
  }

  /**
   * The answer to a POST for a stream another process holds: 202 once the holder has enqueued
   * it (so a page's POSTs, sent one after the other, apply in order), or the refusal.
   */
  #forwarded(req: IncomingMessage, res: ServerResponse, id: string, result: Located['answer'] | 'delivered' | 'unreachable'): void {
    if (result === 'unknown') return this.#unknown(req, res, id);
    if (result === 'forbidden') return this.#refuse(req, res, 403, wrongToken(id));
    if (result === 'unreachable') return this.#refuse(req, res, 503, `Service Unavailable: the process holding SSE stream "${id}" did not answer (Redis down, or that process ended); open the stream again.`);
    res.writeHead(202, ACCEPTED_HEADERS);
    res.end();
  }

  #unknown(req: IncomingMessage, res: ServerResponse, id: string): void {
    this.#refuse(req, res, 404, `Not Found: no live SSE stream "${id}" (it ended, or was never opened: GET ${this.#base}/${id}?token=... first).`);
  }

  /** Ends a stream: its response closes, its Connection closes (the view unmounts). Idempotent. */
  async #end(stream: SseStream): Promise<void> {
    stream.finish();
    const live = this.#streams.get(stream.id);
    if (live?.stream !== stream) return;
    this.#streams.delete(stream.id);
    this.#ctx.pubsub.streams?.release(stream.id);
    this.#limits.closed(stream.client);
    this.#deadlines.release(live.connection);
    await live.connection.close();
  }

  /** Ends every stream (views unmount) and stops the heartbeat. */
  async close(): Promise<void> {
    clearInterval(this.#heartbeat);
    this.#deadlines.stop();
    await Promise.all([...this.#streams.values()].map(({ stream }) => this.#end(stream)));
  }
}
