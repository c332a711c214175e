/**
 * LiveViewJS 0.8's wire protocol (Phoenix channels v2 JSON, read from
 * liveviewjs/dist/liveview.js `WsHandler`): messages are arrays
 * `[joinRef, ref, topic, event, payload]`. The page carries `data-phx-session` (a JWT),
 * `data-phx-static`, the view id `phx-…` and `<meta name="csrf-token">`. A tab joins topic
 * `lv:phx-…` with `{url, params: {_csrf_token, _mounts}, session, static}` and sends
 * `event` with `{type: "click", event, value}`; the answer is a `phx_reply` whose
 * `response.diff` carries the new title in its `t` key. Heartbeats every 30 s on topic
 * `phoenix`, as phoenix.js does (LiveViewJS drops a socket silent for 60 s).
 */
import WebSocket from 'ws';
import { findElement } from '../lib/testing/page';
import { BenchClient, Handshake, getPage, type EventKind, type Page, type SystemClient } from './client';

type PhxMessage = [string | null, string | null, string, string, { status?: string; response?: { rendered?: Record<string, unknown>; diff?: Record<string, unknown> } }];

const HEARTBEAT_MS = 30000;

/** GET `route` (default /counter): the CSRF token of its meta tag, and the session, statics and id of the view's root element. */
export async function lvjsPage(base: string, route = '/counter'): Promise<Page> {
  const html = await getPage(base, route, 'LiveViewJS');
  const csrf = findElement(html, (tag, attrs) => tag === 'meta' && attrs.name === 'csrf-token')?.content;
  const view = findElement(html, (_tag, attrs) => attrs['data-phx-session'] !== undefined);
  const { id, 'data-phx-session': session, 'data-phx-static': statics } = view ?? {};
  if (!csrf || !id?.startsWith('phx-') || session === undefined || statics === undefined) {
    throw new Error('LiveViewJS: page has no csrf-token meta or no phx- view with data-phx-session and data-phx-static');
  }
  return { csrf, id, session, static: statics, url: `${base}${route}` };
}

class LvjsClient extends BenchClient {
  readonly #ws: WebSocket;
  readonly #topic: string;
  readonly #heartbeat: NodeJS.Timeout;
  #ref = 0;
  readonly #joinRef: string;
  readonly #join = new Handshake();

  private constructor(ws: WebSocket, page: Page) {
    super();
    this.#ws = ws;
    this.#topic = `lv:${page.id}`;
    this.#joinRef = String(++this.#ref);
    ws.on('upgrade', (res) => this.meter.add(res.socket));
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary) this.#onMessage(data.toString('utf8'), data.length);
    });
    ws.on('close', (code) => this.#onClosed(`code ${code}`));
    ws.on('error', () => {
      // 'close' follows
    });
    this.#heartbeat = setInterval(() => {
      if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify([null, String(++this.#ref), 'phoenix', 'heartbeat', {}]));
    }, HEARTBEAT_MS);
    this.#heartbeat.unref();
  }

  static open(base: string, page: Page): Promise<LvjsClient> {
    const url = `${base.replace(/^http/, 'ws')}/live/websocket?_csrf_token=${encodeURIComponent(page.csrf as string)}&vsn=2.0.0`;
    const client = new LvjsClient(new WebSocket(url, { perMessageDeflate: false, origin: base, handshakeTimeout: 10000 }), page);
    client.#ws.once('open', () => {
      const payload = { url: page.url, params: { _csrf_token: page.csrf, _mounts: 0 }, session: page.session, static: page.static };
      client.#ws.send(JSON.stringify([client.#joinRef, client.#joinRef, client.#topic, 'phx_join', payload]));
    });
    return client.ready(client.#join.wait(10000, 'LiveViewJS: no join reply'));
  }

  #onMessage(text: string, bytes: number): void {
    this.meter.messages += bytes;
    const [, ref, , event, payload] = JSON.parse(text) as PhxMessage;
    if (event !== 'phx_reply') return;
    if (this.#join.waiting && ref === this.#joinRef) {
      if (payload.status === 'ok' && payload.response?.rendered) this.#join.settle();
      else this.#join.settle(new Error(`LiveViewJS: join refused: ${text.slice(0, 200)}`));
      return;
    }
    const pending = this.pending;
    if (!pending.active || ref !== pending.ref) return; // heartbeat replies
    const diff = payload.response?.diff;
    if (payload.status !== 'ok' || !diff) {
      pending.fail(new Error(`LiveViewJS: event failed: ${text.slice(0, 200)}`));
    } else if (pending.kind === 'bump' ? diff['0'] === undefined : typeof diff.t !== 'string') {
      pending.fail(new Error(`LiveViewJS: reply lacks the expected update: ${text.slice(0, 200)}`));
    } else {
      pending.done();
    }
  }

  #onClosed(reason: string): void {
    clearInterval(this.#heartbeat);
    const err = new Error(`LiveViewJS: connection closed (${reason})`);
    this.#join.settle(err);
    this.pending.fail(err);
  }

  send(kind: EventKind): Promise<void> {
    const ref = String(++this.#ref);
    const done = this.pending.begin(kind, ref);
    this.#ws.send(JSON.stringify([this.#joinRef, ref, this.#topic, 'event', { type: 'click', event: kind, value: {} }]));
    return done;
  }

  close(): void {
    clearInterval(this.#heartbeat);
    this.#ws.terminate();
  }
}

export const liveviewjs: SystemClient = {
  page: (base) => lvjsPage(base),
  connect: (base, page) => LvjsClient.open(base, page),
  probe: async () => null,
};
