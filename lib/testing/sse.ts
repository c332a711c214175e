import * as http from 'node:http';
import { createParser } from 'eventsource-parser';
import type { ServerMessage } from '../contract/protocol';
import { parseServerMessage } from './messages';
import { request, type HttpResponse, type RequestInit } from './page';
import { DjustError } from '../core/errors';

/** One record of a djust event stream: its `id:` and `event:` lines, its `data`, and that data parsed. */
export interface SseRecord {
  id: string | undefined;
  event: string | undefined;
  data: string;
  /** `data` as a server message; null when it is not one. */
  message: ServerMessage | null;
}

/** What an event stream opened with `openSseStream` reports. */
export interface SseEvents {
  /** The response headers arrived (called before any record). */
  opened?(res: http.IncomingMessage): void;
  /** One record (only on a 200 answer; parsed with eventsource-parser). */
  record(record: SseRecord): void;
  comment?(text: string): void;
  retry?(ms: number): void;
  /** Every chunk of the body as it arrived, whatever the status. */
  chunk?(text: string): void;
  /** The response ended or the connection dropped. */
  closed?(): void;
}

export interface SseOptions {
  headers?: Record<string, string>;
  /** `false` (default) for a connection of its own. */
  agent?: http.Agent | false;
  /** How long the response headers may take, in ms. Default 5000. */
  timeoutMs?: number;
}

/** The running stream: its request (to drop it: `req.destroy()`), and its response once the headers arrived. */
export interface SseStreamHandle {
  req: http.ClientRequest;
  response: Promise<http.IncomingMessage>;
}

/**
 * GETs an event stream and parses it as it arrives. The request is returned at once (to watch
 * its socket); `response` settles when the headers arrive, or fails after `timeoutMs`.
 *
 * @example
 * const { response } = openSseStream(sseStreamUrl(base, '/djust', streamId, { token }), { record: (r) => r.message && seen.push(r.message) });
 * expect((await response).statusCode).toBe(200);
 */
export function openSseStream(url: string, on: SseEvents, options: SseOptions = {}): SseStreamHandle {
  const { headers = {}, agent = false, timeoutMs = 5000 } = options;
  let req!: http.ClientRequest;
  const response = new Promise<http.IncomingMessage>((resolve, reject) => {
    const timer = setTimeout(() => req.destroy(new DjustError('DJUST_ERR_LIVE_TEST_TIMEOUT', `GET ${url}: no event stream within ${timeoutMs} ms`)), timeoutMs);
    req = http.get(url, { headers: { accept: 'text/event-stream', ...headers }, agent }, (res) => {
      clearTimeout(timer);
      on.opened?.(res);
      const parser = res.statusCode === 200
        ? createParser({
          onEvent: (event) => on.record({ id: event.id, event: event.event, data: event.data, message: parseServerMessage(event.data) }),
          onComment: on.comment,
          onRetry: on.retry,
        })
        : null;
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        on.chunk?.(chunk);
        parser?.feed(chunk);
      });
      res.once('close', () => on.closed?.());
      resolve(res);
    });
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err); // a no-op once the response arrived: 'close' reports the drop
    });
  });
  response.catch(() => {}); // the caller's to await; never unhandled
  return { req, response };
}

/** `${base}${prefix}/sse/${stream}?token=…&url=…`: the stream that mounts the page's view. */
export function sseStreamUrl(base: string, prefix: string, stream: string, query: { token: string; url?: string }): string {
  const search = new URLSearchParams(query.url === undefined ? { token: query.token } : { token: query.token, url: query.url });
  return `${sseStreamBaseUrl(base, prefix, stream)}?${search}`;
}

/** `${base}${prefix}/sse/${stream}`: the stream itself, without a query (DELETE it to leave). */
export function sseStreamBaseUrl(base: string, prefix: string, stream: string): string {
  return `${base}${prefix}/sse/${encodeURIComponent(stream)}`;
}

/** `${base}${prefix}/sse/${stream}/message`: where envelopes are POSTed. */
export function sseMessageUrl(base: string, prefix: string, stream: string): string {
  return `${sseStreamBaseUrl(base, prefix, stream)}/message`;
}

/**
 * The header that binds a POST or DELETE to its stream: the token the stream was opened with
 * (`TOKEN_HEADER` in lib/transport/sse.ts; a test keeps the two and public/sse.js in step).
 *
 * @example
 * await request(sseStreamBaseUrl(base, '/djust', stream), { method: 'DELETE', headers: sseTokenHeaders(page.token) });
 */
export function sseTokenHeaders(token: string): Record<string, string> {
  return { 'x-djust-token': token };
}

/**
 * POSTs one envelope (JSON; a string is sent as it is) to an SSE stream, with the stream's
 * `token` (the one it was opened with); the server answers 202 and sends the result
 * on the stream.
 *
 * @example
 * const answer = await postEnvelope(base, '/djust', stream, page.token, envelope.event(1, 'inc'));
 * expect(answer.status).toBe(202);
 */
export function postEnvelope(base: string, prefix: string, stream: string, token: string, message: unknown, init: Omit<RequestInit, 'method' | 'body'> = {}): Promise<HttpResponse> {
  return request(sseMessageUrl(base, prefix, stream), {
    ...init,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...sseTokenHeaders(token), ...init.headers },
    body: typeof message === 'string' ? message : JSON.stringify(message),
  });
}
