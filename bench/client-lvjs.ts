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
import { Pending, SocketMeter, attr, frameText, httpGet, type EventKind, type LiveClient, type Page, type SystemClient, type WireBytes } from './client';

type PhxMessage = [string | null, string | null, string, string, { status?: string; response?: { rendered?: Record<string, unknown>; diff?: Record<string, unknown> } }];

const HEARTBEAT_MS = 30000;

export async function lvjsPage(base: string): Promise<Page> {
  const res = await httpGet(`${base}/counter`);
  if (res.status !== 200) throw new Error(`LiveViewJS: GET /counter answered ${res.status}`);
  const csrf = /<meta name="csrf-token" content="([^"]*)"/.exec(res.body)?.[1];
  const id = /\sid="(phx-[^"]+)"/.exec(res.body)?.[1];
  if (!csrf || !id) throw new Error('LiveViewJS: page has no csrf-token meta or phx- view id');
  return { csrf, id, session: attr(res.body, 'data-phx-session'), static: attr(res.body, 'data-phx-static'), url: `${base}/counter` };
}

class LvjsClient implements LiveClient {
  readonly #ws: WebSocket;
  readonly #topic: string;
  readonly #pending = new Pending();
  readonly #meter = new SocketMeter();
  readonly #heartbeat: NodeJS.Timeout;
  #ref = 0;
  readonly #joinRef: string;
  #joined: ((err?: Error) => void) | null = null;

  private constructor(ws: WebSocket, page: Page) {
    this.#ws = ws;
    this.#topic = `lv:${page.id}`;
    this.#joinRef = String(++this.#ref);
    ws.on('upgrade', (res) => this.#meter.add(res.socket));
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary) this.#onMessage(frameText(data), data.length);
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

  static async open(base: string, page: Page): Promise<LvjsClient> {
    const url = `${base.replace(/^http/, 'ws')}/live/websocket?_csrf_token=${encodeURIComponent(page.csrf as string)}&vsn=2.0.0`;
    const client = new LvjsClient(new WebSocket(url, { perMessageDeflate: false, origin: base, handshakeTimeout: 10000 }), page);
    const joined = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => done(new Error('LiveViewJS: no join reply within 10 s')), 10000);
      const done = (err?: Error): void => {
        clearTimeout(timer);
        client.#joined = null;
        if (err) reject(err);
        else resolve();
      };
      client.#joined = done;
    });
    client.#ws.once('open', () => {
      const payload = { url: page.url, params: { _csrf_token: page.csrf, _mounts: 0 }, session: page.session, static: page.static };
      client.#ws.send(JSON.stringify([client.#joinRef, client.#joinRef, client.#topic, 'phx_join', payload]));
    });
    try {
      await joined;
    } catch (err) {
      client.close();
      throw err;
    }
    return client;
  }

  #onMessage(text: string, bytes: number): void {
    this.#meter.messages += bytes;
    const [, ref, , event, payload] = JSON.parse(text) as PhxMessage;
    if (event !== 'phx_reply') return;
    if (this.#joined && ref === this.#joinRef) {
      if (payload.status === 'ok' && payload.response?.rendered) this.#joined();
      else this.#joined(new Error(`LiveViewJS: join refused: ${text.slice(0, 200)}`));
      return;
    }
    const pending = this.#pending;
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
    this.#joined?.(err);
    this.#pending.fail(err);
  }

  send(kind: EventKind): Promise<void> {
    const ref = String(++this.#ref);
    const done = this.#pending.begin(kind, ref);
    this.#ws.send(JSON.stringify([this.#joinRef, ref, this.#topic, 'event', { type: 'click', event: kind, value: {} }]));
    return done;
  }

  wire(): WireBytes {
    return this.#meter.wire();
  }

  expire(now: number, ms: number): void {
    this.#pending.expire(now, ms);
  }

  close(): void {
    clearInterval(this.#heartbeat);
    this.#ws.terminate();
  }
}

export const liveviewjs: SystemClient = {
  page: lvjsPage,
  connect: (base, page) => LvjsClient.open(base, page),
  probe: async () => null,
};
