/**
 * djust-lite's wire protocol (docs/protocol.md) over its WebSocket transport: GET the page, take the
 * signed token from `data-djust-token`, open `${prefix}/ws`, send `mount`, then `event`
 * envelopes. After an event the server sends the response (`patch`/`reply`/`error`) and then
 * `page_metadata`; a click→title round trip ends at the `page_metadata` title message.
 * Page, envelopes, parsing and the WebSocket channel are lib/testing's protocol client.
 */
import type { EventMessage, ServerMessage } from '../lib/contract/protocol';
import { envelope } from '../lib/testing/messages';
import { readLiveScript } from '../lib/testing/page';
import { WebSocketChannel, webSocketUrl } from '../lib/testing/websocket';
import { BenchClient, Handshake, getPage, type EventKind, type Page, type SystemClient } from './client';

const MOUNT_TIMEOUT_MS = 10000;

/** GET `route` (default /counter) and read the script tag's data attributes. */
export async function djustPage(base: string, route = '/counter'): Promise<Page> {
  const script = readLiveScript(await getPage(base, route, 'djust-lite'));
  if (!script) throw new Error(`djust-lite: GET ${route} has no djust script tag (data-djust-token)`);
  return { token: script.token, prefix: script.prefix, url: route };
}

/**
 * The envelope handling shared by both djust-lite transports: which server message ends the
 * event in flight.
 */
export abstract class DjustProtocolClient extends BenchClient {
  protected nextRef = 0;
  protected readonly mount = new Handshake();

  protected onMessage(m: ServerMessage, bytes: number): void {
    this.meter.messages += bytes;
    const pending = this.pending;
    switch (m.type) {
      case 'mounted':
        this.mount.settle();
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
        if (this.mount.waiting) this.mount.settle(err);
        else if (pending.active) pending.fail(err);
        return;
      }
      default:
        return; // pong, flash, navigate
    }
  }

  protected onClosed(reason: string): void {
    const err = new Error(`djust-lite: connection closed (${reason})`);
    this.mount.settle(err);
    this.pending.fail(err);
  }

  /** Resolves on `mounted`, rejects on an `error` before it or when the connection drops. */
  protected mounted(): Promise<this> {
    return this.ready(this.mount.wait(MOUNT_TIMEOUT_MS, 'djust-lite: no "mounted"'));
  }

  /** Starts event `kind`: its envelope to send, and the promise of its end. */
  protected beginEvent(kind: EventKind): { message: EventMessage; done: Promise<void> } {
    const ref = ++this.nextRef;
    return { message: envelope.event(ref, kind), done: this.pending.begin(kind, ref) };
  }
}

class DjustWsClient extends DjustProtocolClient {
  readonly #channel: WebSocketChannel;

  private constructor(base: string, page: Page) {
    super();
    this.#channel = new WebSocketChannel(webSocketUrl(base, page.prefix), {
      message: (m, bytes) => this.onMessage(m, bytes),
      closed: (code) => this.onClosed(`code ${code}`),
    }, { origin: base, timeoutMs: MOUNT_TIMEOUT_MS });
    this.#channel.ws.on('upgrade', (res) => this.meter.add(res.socket));
  }

  static open(base: string, page: Page): Promise<DjustWsClient> {
    const client = new DjustWsClient(base, page);
    const channel = client.#channel;
    channel.opened.then(() => channel.send(envelope.mount(page.token ?? '', page.url)), () => {}); // a refusal closes: onClosed reports it
    return client.mounted();
  }

  send(kind: EventKind): Promise<void> {
    const { message, done } = this.beginEvent(kind);
    this.#channel.send(message);
    return done;
  }

  close(): void {
    this.#channel.terminate();
  }
}

export const djustWs: SystemClient = {
  page: (base) => djustPage(base),
  connect: (base, page) => DjustWsClient.open(base, page),
  probe: async () => null,
};
