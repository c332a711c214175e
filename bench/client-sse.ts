/**
 * djust-lite over its SSE transport (docs/protocol.md): `GET ${prefix}/sse/:session?token=…` opens an
 * event stream that mounts the view and carries every server envelope as
 * `id:/event:/data:` records; events go up as `POST ${prefix}/sse/:session/message` (JSON,
 * answered 202; the result arrives on the stream). One keep-alive connection for the POSTs
 * per tab, as a browser would reuse. Whether the endpoint exists is probed at run time.
 * The stream, its parser (eventsource-parser), URLs and envelopes are lib/testing's protocol
 * client; only the POST stays a bare node:http request, to meter its socket.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { request } from '../lib/testing/page';
import { openSseStream, sseMessageUrl, sseStreamBaseUrl, sseStreamUrl, sseTokenHeaders } from '../lib/testing/sse';
import { DjustProtocolClient, djustPage } from './client-djust';
import type { EventKind, Page, SystemClient } from './client';

const streamUrl = (base: string, page: Page, session: string): string => sseStreamUrl(base, page.prefix ?? '/djust', session, { token: page.token ?? '', url: page.url ?? '' });

class DjustSseClient extends DjustProtocolClient {
  /** The session (DELETEd on close), and where envelopes are POSTed. */
  readonly #session: string;
  readonly #message: URL;
  /** The stream's token: POST and DELETE carry it (X-Djust-Token). */
  readonly #token: Record<string, string>;
  readonly #agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  #stream: http.ClientRequest | null = null;

  private constructor(base: string, page: Page, session: string) {
    super();
    this.#session = sseStreamBaseUrl(base, page.prefix ?? '/djust', session);
    this.#message = new URL(sseMessageUrl(base, page.prefix ?? '/djust', session));
    this.#token = sseTokenHeaders(page.token ?? '');
  }

  static open(base: string, page: Page): Promise<DjustSseClient> {
    const session = randomUUID();
    const client = new DjustSseClient(base, page, session);
    const { req, response } = openSseStream(streamUrl(base, page, session), {
      opened: (res) => res.statusCode !== 200 && client.onClosed(`stream answered HTTP ${res.statusCode}`),
      record: (record) => record.message && client.onMessage(record.message, Buffer.byteLength(record.data)),
      closed: () => client.onClosed('stream ended'),
    }, { timeoutMs: 10000 });
    response.catch((err: Error) => client.onClosed(err.message));
    req.on('socket', (socket) => {
      socket.setNoDelay(true);
      client.meter.add(socket);
    });
    client.#stream = req;
    return client.mounted();
  }

  send(kind: EventKind): Promise<void> {
    const { message, done } = this.beginEvent(kind);
    const body = Buffer.from(JSON.stringify(message));
    const target = this.#message;
    const req = http.request(
      {
        host: target.hostname,
        port: target.port,
        method: 'POST',
        path: target.pathname,
        agent: this.#agent,
        headers: { 'content-type': 'application/json', 'content-length': body.length, origin: target.origin, ...this.#token },
      },
      (res) => {
        if (res.statusCode !== 202) this.pending.fail(new Error(`djust-lite SSE: POST answered HTTP ${res.statusCode}`));
        res.resume();
      },
    );
    req.on('socket', (socket) => {
      socket.setNoDelay(true); // as browsers do
      this.meter.add(socket);
    });
    req.on('error', (err) => this.pending.fail(err));
    req.end(body);
    return done;
  }

  /** Like a closing tab: DELETE the session (fire and forget), drop the stream. */
  close(): void {
    request(this.#session, { method: 'DELETE', headers: this.#token, agent: false }).catch(() => {});
    this.#stream?.destroy();
    this.#agent.destroy();
  }
}

/**
 * Null when `GET ${prefix}/sse/:session` answers with an event stream; otherwise the reason the
 * SSE rows show ("transport not available" on 404, as while the transport is not written yet).
 */
async function probeSse(base: string, page: Page): Promise<string | null> {
  const { req, response } = openSseStream(streamUrl(base, page, `probe-${randomUUID()}`), { record: () => {} }, { timeoutMs: 5000 });
  try {
    const res = await response;
    const type = String(res.headers['content-type'] ?? '');
    if (res.statusCode === 404) return 'transport not available';
    if (res.statusCode !== 200 || !type.startsWith('text/event-stream')) return `transport not available: HTTP ${res.statusCode} ${type}`;
    return null;
  } catch (err) {
    return `transport not available: ${(err as Error).message}`;
  } finally {
    req.destroy();
  }
}

export const djustSse: SystemClient = {
  page: djustPage,
  connect: (base, page) => DjustSseClient.open(base, page),
  probe: probeSse,
};
