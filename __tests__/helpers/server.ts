import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import express from 'express';
import { applyPatch } from '../../public/patch.js';
import { djustLite, type DjustLite, type DjustLiteOptions } from '../../lib';
import type { ServerMessage } from '../../lib/contract/protocol';
import { fetchPage } from '../../lib/testing/page';
import { Waiters } from '../../lib/testing/waiters';
import { WebSocketChannel, webSocketUrl } from '../../lib/testing/websocket';

/**
 * A document to apply patches in: the environment's own under jsdom, else a JSDOM (loaded
 * lazily: jsdom cannot be imported inside a jsdom test environment).
 */
function scratchDocument(): Document {
  if (typeof document !== 'undefined') return document.implementation.createHTMLDocument('');
  const { JSDOM } = require('jsdom') as typeof import('jsdom');
  return new JSDOM('').window.document;
}

export const FIXTURE_VIEWS = path.join(__dirname, '..', 'fixtures', 'views');

export interface TestApp {
  base: string;
  port: number;
  server: Server;
  live: DjustLite;
  close(): Promise<void>;
}

/** An Express app with djust-lite on 127.0.0.1:0; `setup` registers routes. */
export async function startApp(setup: (live: DjustLite) => void, options: DjustLiteOptions = {}): Promise<TestApp> {
  const app = express();
  const live = djustLite({ views: FIXTURE_VIEWS, ...options });
  setup(live);
  app.use(live);
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  live.attach(server);
  const port = (server.address() as AddressInfo).port;
  return {
    base: `http://127.0.0.1:${port}`,
    port,
    server,
    live,
    async close() {
      await live.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

type Msg = ServerMessage & Record<string, unknown>;

/**
 * lib/testing's WebSocket channel that records every message and can wait for one; it also
 * keeps the live region as a browser shows it (`mounted` and `patch` applied by public/patch.js).
 */
export class WsClient {
  readonly messages: Msg[] = [];
  /** `regions[i]`: the region's HTML right after `messages[i]` was applied. */
  readonly regions: string[] = [];
  closeCode: number | null = null;
  closeReason = '';
  readonly #channel: WebSocketChannel;
  readonly #waiters = new Waiters();
  readonly #root: Element;

  private constructor(base: string, options: { origin?: string; prefix?: string; rootTag?: string }) {
    // The region's element decides how its HTML parses (`<tr>` needs a table section).
    const doc = scratchDocument();
    this.#root = doc.createElement(options.rootTag ?? 'main');
    if (options.rootTag === 'tbody') doc.createElement('table').appendChild(this.#root);
    this.#channel = new WebSocketChannel(webSocketUrl(base, options.prefix), {
      message: (message) => {
        if (message.type === 'mounted' || message.type === 'patch') applyPatch(this.#root, message);
        this.messages.push(message as Msg);
        this.regions.push(this.#root.innerHTML);
        this.#waiters.wake();
      },
      closed: (code, reason) => {
        this.closeCode = code;
        this.closeReason = reason;
        this.#waiters.wake();
      },
    }, { origin: options.origin });
  }

  /** The `ws` socket (raw frames, pause/resume). */
  get ws() {
    return this.#channel.ws;
  }

  static async open(base: string, options: { origin?: string; prefix?: string; rootTag?: string } = {}): Promise<WsClient> {
    const client = new WsClient(base, options);
    await client.#channel.opened;
    return client;
  }

  /** Opens, mounts with the token of `pathname` and waits for `mounted`. */
  static async mount(base: string, pathname: string, options: { rootTag?: string } = {}): Promise<WsClient> {
    const { token } = await fetchPage(base, pathname);
    const client = await WsClient.open(base, options);
    client.send({ type: 'mount', token });
    await client.waitFor((m) => m.type === 'mounted');
    return client;
  }

  /** The region's HTML after every `mounted`/`patch` received so far (or right after `message`). */
  region(message?: Msg): string {
    return message ? (this.regions[this.messages.indexOf(message)] as string) : this.#root.innerHTML;
  }

  send(message: unknown): void {
    this.#channel.send(message);
  }

  /** Resolves with the first recorded message (from index `from`) matching `pred`. */
  waitFor(pred: (m: Msg) => boolean, { from = 0, timeoutMs = 5000 } = {}): Promise<Msg> {
    return this.#until(() => this.messages.slice(from).find(pred), timeoutMs, 'message');
  }

  /** Resolves once `n` messages have been recorded in total. */
  waitForCount(n: number, timeoutMs = 5000): Promise<Msg[]> {
    return this.#until(() => (this.messages.length >= n ? this.messages.slice(0, n) : undefined), timeoutMs, `${n} messages`);
  }

  /** Resolves with the close code. */
  waitForClose(timeoutMs = 5000): Promise<number> {
    return this.#until(() => this.closeCode ?? undefined, timeoutMs, 'close');
  }

  /** The messages that answer event `ref`: its response and what followed it up to the next response. */
  async eventResult(ref: number): Promise<Msg[]> {
    const start = this.messages.findIndex((m) => 'ref' in m && m.ref === ref);
    const index = start >= 0 ? start : this.messages.indexOf(await this.waitFor((m) => 'ref' in m && m.ref === ref));
    // Side-channel messages of one job arrive in the same write, so they are already here.
    await new Promise((r) => setImmediate(r));
    const out: Msg[] = [this.messages[index] as Msg];
    for (const m of this.messages.slice(index + 1)) {
      if (m.type !== 'page_metadata' && m.type !== 'flash') break;
      out.push(m);
    }
    return out;
  }

  #until<T>(probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    return this.#waiters.until(probe, timeoutMs, () => new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.messages).slice(0, 800)}`));
  }

  close(): Promise<void> {
    return this.#channel.close();
  }
}
