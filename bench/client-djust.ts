/**
 * djust-lite's wire protocol (DESIGN §4) over its WebSocket transport: GET the page, take the
 * signed token from `data-djust-token`, open `${prefix}/ws`, send `mount`, then `event`
 * envelopes. After an event the server sends the response (`patch`/`reply`/`error`) and then
 * `page_metadata`; a click→title round trip ends at the `page_metadata` title message.
 */
import WebSocket from 'ws';
import { Pending, SocketMeter, attr, frameText, httpGet, type EventKind, type LiveClient, type Page, type SystemClient, type WireBytes } from './client';

/** The envelopes the client reads (a subset of lib/protocol.ts's ServerMessage). */
interface Envelope {
  type: string;
  ref?: number | null;
  action?: string;
  code?: string;
  message?: string;
}

/** GET /counter and read the script tag's data attributes. */
export async function djustPage(base: string): Promise<Page> {
  const res = await httpGet(`${base}/counter`);
  if (res.status !== 200) throw new Error(`djust-lite: GET /counter answered ${res.status}`);
  return { token: attr(res.body, 'data-djust-token'), prefix: attr(res.body, 'data-djust-prefix'), url: '/counter' };
}

/**
 * The envelope handling shared by both djust-lite transports: which server message ends the
 * event in flight.
 */
export abstract class DjustProtocolClient implements LiveClient {
  protected readonly pending = new Pending();
  protected readonly meter = new SocketMeter();
  protected nextRef = 0;
  #mounted: ((err?: Error) => void) | null = null;

  abstract send(kind: EventKind): Promise<void>;
  abstract close(): void;

  /** Resolves on `mounted`, rejects on an `error` before it or when the connection drops. */
  protected waitMounted(timeoutMs = 10000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => done(new Error(`djust-lite: no "mounted" within ${timeoutMs} ms`)), timeoutMs);
      const done = (err?: Error): void => {
        clearTimeout(timer);
        this.#mounted = null;
        if (err) reject(err);
        else resolve();
      };
      this.#mounted = done;
    });
  }

  protected onEnvelope(text: string, bytes: number): void {
    this.meter.messages += bytes;
    const m = JSON.parse(text) as Envelope;
    const pending = this.pending;
    switch (m.type) {
      case 'mounted':
        this.#mounted?.();
        return;
      case 'patch':
        if (pending.kind === 'bump' && m.ref === pending.ref) pending.done();
        return;
      case 'reply':
        if (pending.kind === 'bump' && m.ref === pending.ref) pending.fail(new Error('djust-lite: "bump" got a reply without a patch'));
        return;
      case 'page_metadata':
        if (m.action === 'title' && (pending.kind === 'inc' || pending.kind === 'retitle')) pending.done();
        return;
      case 'error': {
        const err = new Error(`djust-lite error ${m.code}: ${m.message}`);
        if (this.#mounted) this.#mounted(err);
        else if (pending.active) pending.fail(err);
        return;
      }
      default:
        return; // pong, flash
    }
  }

  protected onClosed(reason: string): void {
    const err = new Error(`djust-lite: connection closed (${reason})`);
    this.#mounted?.(err);
    this.pending.fail(err);
  }

  /** Starts event `kind`: its envelope to send, and the promise of its end. */
  protected beginEvent(kind: EventKind): { text: string; done: Promise<void> } {
    const ref = ++this.nextRef;
    return { text: JSON.stringify({ type: 'event', ref, event: kind, params: {} }), done: this.pending.begin(kind, ref) };
  }

  /** Resolves with this client once `mounted` (from waitMounted()) does; closes it if that fails. */
  protected async afterMount(mounted: Promise<void>): Promise<this> {
    try {
      await mounted;
    } catch (err) {
      this.close();
      throw err;
    }
    return this;
  }

  wire(): WireBytes {
    return this.meter.wire();
  }

  expire(now: number, ms: number): void {
    this.pending.expire(now, ms);
  }
}

class DjustWsClient extends DjustProtocolClient {
  readonly #ws: WebSocket;

  private constructor(ws: WebSocket) {
    super();
    this.#ws = ws;
    ws.on('upgrade', (res) => this.meter.add(res.socket));
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary) this.onEnvelope(frameText(data), data.length);
    });
    ws.on('close', (code) => this.onClosed(`code ${code}`));
    ws.on('error', () => {
      // 'close' follows and reports it
    });
  }

  static async open(base: string, page: Page): Promise<DjustWsClient> {
    const url = `${base.replace(/^http/, 'ws')}${page.prefix}/ws`;
    const client = new DjustWsClient(new WebSocket(url, { perMessageDeflate: false, origin: base, handshakeTimeout: 10000 }));
    const mounted = client.waitMounted();
    client.#ws.once('open', () => client.#ws.send(JSON.stringify({ type: 'mount', token: page.token, url: page.url })));
    return client.afterMount(mounted);
  }

  send(kind: EventKind): Promise<void> {
    const { text, done } = this.beginEvent(kind);
    this.#ws.send(text);
    return done;
  }

  close(): void {
    this.#ws.terminate();
  }
}

export const djustWs: SystemClient = {
  page: djustPage,
  connect: (base, page) => DjustWsClient.open(base, page),
  probe: async () => null,
};
