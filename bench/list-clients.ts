/**
 * The client of the component-per-row list page (bench/list-variants.ts): djust-lite's WebSocket
 * client (bench/client-djust.ts) whose `inc` goes to one row's component — the event carries
 * `target`, that row's `dj-cid`, read from the `mounted` region (the tab's DOM has it too).
 * The row of the n-th click is the plain page's (`rowOf`), so every variant bumps the same rows.
 */
import type { ServerMessage } from '../lib/contract/protocol';
import { envelope } from '../lib/testing/messages';
import { WebSocketChannel, webSocketUrl } from '../lib/testing/websocket';
import type { EventKind, Page, SystemClient } from './client';
import { DjustProtocolClient, djustPage } from './client-djust';
import { rowOf } from './list-view';

const MOUNT_TIMEOUT_MS = 10000;

/** Row id → `dj-cid`, from a region whose rows are `<tr id="row-<id>" … dj-cid="<cid>">`. */
export function componentIds(html: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const [tag] of html.matchAll(/<tr\s[^>]*>/g)) {
    const id = /\sid="row-(\d+)"/.exec(tag)?.[1];
    const cid = /\sdj-cid="(\d+)"/.exec(tag)?.[1];
    if (id !== undefined && cid !== undefined) out.set(Number(id), Number(cid));
  }
  return out;
}

class ComponentRowsClient extends DjustProtocolClient {
  readonly #channel: WebSocketChannel;
  readonly #rows: number;
  #cids = new Map<number, number>();
  #clicks = 0;

  private constructor(base: string, page: Page, rows: number) {
    super();
    this.#rows = rows;
    this.#channel = new WebSocketChannel(webSocketUrl(base, page.prefix), {
      message: (m, bytes) => this.onMessage(m, bytes),
      closed: (code) => this.onClosed(`code ${code}`),
    }, { origin: base, timeoutMs: MOUNT_TIMEOUT_MS });
    this.#channel.ws.on('upgrade', (res) => this.meter.add(res.socket));
  }

  static open(base: string, page: Page, rows: number): Promise<ComponentRowsClient> {
    const client = new ComponentRowsClient(base, page, rows);
    const channel = client.#channel;
    channel.opened.then(() => channel.send(envelope.mount(page.token ?? '', page.url)), () => {}); // a refusal closes: onClosed reports it
    return client.mounted();
  }

  protected override onMessage(m: ServerMessage, bytes: number): void {
    if (m.type === 'mounted') {
      this.#cids = componentIds(m.html);
      if (this.#cids.size !== this.#rows) {
        this.mount.settle(new Error(`component rows: the mounted region has ${this.#cids.size} rows with a dj-cid, expected ${this.#rows}`));
        return;
      }
    }
    super.onMessage(m, bytes);
  }

  send(kind: EventKind): Promise<void> {
    const row = rowOf(this.#clicks++, this.#rows);
    const target = this.#cids.get(row) as number;
    const ref = ++this.nextRef;
    const done = this.pending.begin(kind, ref);
    this.#channel.send(envelope.event(ref, kind, {}, target));
    return done;
  }

  close(): void {
    this.#channel.terminate();
  }
}

/** The component list page's client at `route` (`rows` rows). */
export function componentRowsClient(route: string, rows: number): SystemClient {
  return {
    page: (base) => djustPage(base, route),
    connect: (base, page) => ComponentRowsClient.open(base, page, rows),
    probe: async () => null,
  };
}
