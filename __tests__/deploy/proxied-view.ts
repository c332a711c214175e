/**
 * A live page driven through a reverse proxy with lib/testing's protocol clients (liveTest
 * talks to the app's own address; this talks to whatever origin it is given): GET the page,
 * connect over WebSocket or SSE with the browser's `Origin` and any extra headers (an
 * `X-Forwarded-For`), mount, send events, keep the head as the browser would.
 */
import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import WebSocket from 'ws';
import type { ServerMessage } from '../../lib/contract/protocol';
import { envelope, parseServerFrame } from '../../lib/testing/messages';
import { fetchPage, request } from '../../lib/testing/page';
import { openSseStream, postEnvelope, sseStreamBaseUrl, sseStreamUrl, sseTokenHeaders } from '../../lib/testing/sse';
import { Waiters } from '../../lib/testing/waiters';
import { webSocketUrl } from '../../lib/testing/websocket';

export interface ProxiedOptions {
  transport: 'websocket' | 'sse';
  /** Headers of every request (the page, the upgrade or stream, the POSTs). */
  headers?: Record<string, string>;
  /** The `Origin` the browser sends; default the origin the page came from. `null`: none. */
  origin?: string | null;
}

export class ProxiedView {
  readonly messages: ServerMessage[] = [];
  title: string | undefined;
  readonly meta = new Map<string, string>();
  closed = false;
  readonly #waiters = new Waiters();
  #send: (message: object) => Promise<void> = async () => {};
  #leave: () => Promise<void> = async () => {};
  #ref = 0;

  private constructor() {}

  /**
   * Opens `path` of the app behind `origin` and mounts it; rejects with the status when the
   * upgrade or the stream is refused.
   */
  static async open(origin: string, path: string, options: ProxiedOptions): Promise<ProxiedView> {
    const headers = options.headers ?? {};
    const originHeader: Record<string, string> = options.origin === undefined ? { origin } : options.origin === null ? {} : { origin: options.origin };
    const page = await fetchPage(origin, path, { headers });
    if (page.status !== 200) throw new Error(`GET ${path} through ${origin}: ${page.status} ${page.body.slice(0, 200)}`);
    const view = new ProxiedView();
    const receive = (message: ServerMessage | null) => {
      if (!message) return;
      view.messages.push(message);
      if (message.type === 'page_metadata' && message.action === 'title') view.title = message.value;
      if (message.type === 'page_metadata' && message.action === 'meta') {
        if ('content' in message && typeof message.content === 'string') view.meta.set(message.name, message.content);
      }
      view.#waiters.wake();
    };
    const ended = () => {
      view.closed = true;
      view.#waiters.wake();
    };
    if (options.transport === 'websocket') {
      const ws = new WebSocket(webSocketUrl(origin, page.prefix), { headers: { ...headers, ...originHeader }, perMessageDeflate: false, handshakeTimeout: 5000 });
      ws.on('message', (data: Buffer) => { for (const m of parseServerFrame(data.toString('utf8')) ?? []) receive(m); });
      ws.on('close', ended);
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('unexpected-response', (_req: http.ClientRequest, res: http.IncomingMessage) => {
          reject(new Error(`the WebSocket upgrade was refused: ${res.statusCode ?? 0}`));
          ws.terminate();
        });
        ws.once('error', reject);
      });
      view.#send = (message) => new Promise((resolve, reject) => ws.send(JSON.stringify(message), (err) => (err ? reject(err) : resolve())));
      view.#leave = () => new Promise((resolve) => {
        if (ws.readyState === WebSocket.CLOSED) return resolve();
        ws.once('close', () => resolve());
        ws.close(1000);
      });
      await view.#send(envelope.mount(page.token, path));
    } else {
      const session = randomUUID();
      let refusal = '';
      const stream = openSseStream(sseStreamUrl(origin, page.prefix, session, { token: page.token, url: path }), {
        record: (record) => receive(record.message),
        chunk: (text) => void (refusal += refusal.length < 300 ? text : ''),
        closed: ended,
      }, { headers: { ...headers, ...originHeader } });
      const res = await stream.response;
      if (res.statusCode !== 200) {
        stream.req.destroy();
        throw new Error(`the SSE stream was refused: ${res.statusCode ?? 0} ${refusal.trim()}`);
      }
      view.#send = async (message) => {
        const answer = await postEnvelope(origin, page.prefix, session, page.token, message, { headers: { ...headers, ...originHeader } });
        if (answer.status !== 202) throw new Error(`POST refused: ${answer.status} ${answer.body.trim()}`);
      };
      view.#leave = async () => {
        await request(sseStreamBaseUrl(origin, page.prefix, session), { method: 'DELETE', headers: { ...headers, ...sseTokenHeaders(page.token) } }).catch(() => {});
        stream.req.destroy();
      };
    }
    await view.waitFor((m) => m.type === 'mounted', 'mounted');
    return view;
  }

  /** Resolves with the first message matching `pred`; rejects after 5 s or when the connection ends. */
  waitFor(pred: (m: ServerMessage) => boolean, what = 'a message'): Promise<ServerMessage> {
    return this.#waiters.until(
      () => {
        const found = this.messages.find(pred);
        if (found) return found;
        if (this.closed) throw new Error(`the connection ended before ${what}: ${JSON.stringify(this.messages.slice(-3))}`);
        return undefined;
      },
      5000,
      () => new Error(`no ${what} within 5 s: ${JSON.stringify(this.messages.slice(-3))}`),
    );
  }

  /** Sends an event and resolves once its title arrived (every StoreView event sets one). */
  async event(name: string): Promise<void> {
    const ref = ++this.#ref;
    const from = this.messages.length;
    await this.#send(envelope.event(ref, name));
    await this.waitFor((m) => m.type === 'error' && m.ref === ref || (this.messages.indexOf(m) >= from && m.type === 'page_metadata' && m.action === 'title'), `the title after ${name}`);
  }

  async close(): Promise<void> {
    await this.#leave();
  }
}
