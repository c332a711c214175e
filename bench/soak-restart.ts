/**
 * Server restart while a page has a queued submit (issue 23, row 9), on both transports: the
 * built browser client (public/build/djust.min.js) runs in a jsdom window against a soak-server
 * child; the server is stopped, the page submits (`step`), a new server starts on the same port,
 * and the submit must apply once on the re-mounted view. jsdom has WebSocket; EventSource is the
 * small spec-following one below (reconnects with Last-Event-ID, honours retry:, an empty id
 * resets it, a non-200 answer closes it). Every wait is bounded; every child is stopped.
 */
import fs from 'node:fs';
import type http from 'node:http';
import { createServer } from 'node:net';
import path from 'node:path';
import { JSDOM } from 'jsdom';
import { fetchPage } from '../lib/testing/page';
import { openSseStream } from '../lib/testing/sse';
import { ServerProcess } from './spawn';

type Listener = (ev: { type: string; data?: string; lastEventId?: string }) => void;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** An EventSource for the jsdom window, over lib/testing's SSE reader; `origin` resolves relative URLs. */
function eventSourceFor(origin: string) {
  return class NodeEventSource {
    static readonly CONNECTING = 0;
    static readonly OPEN = 1;
    static readonly CLOSED = 2;
    readyState = 0;
    onopen: (() => void) | null = null;
    onerror: Listener | null = null;
    readonly listeners = new Map<string, Listener[]>();
    #lastId = '';
    #retry = 1000;
    #req: http.ClientRequest | null = null;
    #attempts = 0;

    constructor(readonly url: string) {
      this.#connect();
    }

    addEventListener(type: string, listener: Listener): void {
      this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
    }

    close(): void {
      this.readyState = 2;
      this.#req?.destroy();
    }

    #connect(): void {
      if (this.readyState === 2 || ++this.#attempts > 200) return;
      const headers: Record<string, string> = this.#lastId ? { 'last-event-id': this.#lastId } : {};
      const { req } = openSseStream(new URL(this.url, origin).href, {
        opened: (res) => {
          if (res.statusCode !== 200) {
            this.readyState = 2;
            this.#dispatch('error', { type: 'error' });
            return;
          }
          this.readyState = 1;
          this.onopen?.();
        },
        record: (ev) => {
          if (ev.id !== undefined) this.#lastId = ev.id;
          const type = ev.event ?? 'message';
          this.#dispatch(type, { type, data: ev.data, lastEventId: this.#lastId });
        },
        retry: (ms) => void (this.#retry = ms),
        closed: () => this.#dropped(req),
      }, { headers, timeoutMs: 2000 });
      req.once('error', () => this.#dropped(req));
      this.#req = req;
    }

    #dispatch(type: string, ev: Parameters<Listener>[0]): void {
      for (const listener of this.listeners.get(type) ?? []) listener(ev);
      if (type === 'error') this.onerror?.(ev);
    }

    #dropped(req: http.ClientRequest): void {
      if (this.#req !== req || this.readyState === 2) return;
      this.readyState = 0;
      this.#dispatch('error', { type: 'error' });
      setTimeout(() => this.readyState === 0 && this.#connect(), this.#retry);
    }
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

function startOn(port: number): Promise<ServerProcess> {
  const ts = __filename.endsWith('.ts');
  return ServerProcess.start(`soak restart :${port}`, path.join(__dirname, ts ? 'soak-server.ts' : 'soak-server.js'), {
    nodeFlags: ts ? ['-r', 'ts-node/register/transpile-only'] : [],
    env: { SOAK_PORT: String(port), SOAK_OPTIONS: JSON.stringify({ maxConnectionsPerClient: 100_000 }), TS_NODE_PROJECT: path.join(__dirname, '..', 'tsconfig.json') },
    startTimeoutMs: 60_000,
  });
}

async function until(cond: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = performance.now() + timeoutMs;
  while (!cond()) {
    if (performance.now() > end) return false;
    await sleep(20);
  }
  return true;
}

/** One trial: page live on `transport`, server stopped, submit, server back on the same port; did the submit apply on the new view? */
async function trial(transport: 'websocket' | 'sse', bundle: string, n: number): Promise<{ delivered: boolean; ms: number; note: string }> {
  const port = await freePort();
  let server = await startOn(port);
  const c = `restart-${transport}-${n}`;
  const url = `${server.base}/echo?c=${c}`;
  const page = await fetchPage(server.base, `/echo?c=${c}`, { agent: false });
  const dom = new JSDOM(page.html.replace('data-djust-token=', `data-djust-transport="${transport}" data-djust-token=`), { url, runScripts: 'outside-only', pretendToBeVisual: true });
  const win = dom.window as unknown as Record<string, unknown> & { eval(src: string): unknown; document: Document; close(): void };
  const origin = server.base;
  Object.assign(win, {
    EventSource: eventSourceFor(origin),
    fetch: (input: string, init?: RequestInit) => fetch(new URL(input, origin), init),
  });
  if (!(win.crypto as Crypto | undefined)?.randomUUID) Object.assign(win, { crypto: globalThis.crypto });
  const errors: string[] = [];
  win.console = { ...console, debug() {}, warn() {}, error: (...a: unknown[]) => void errors.push(a.map(String).join(' ').slice(0, 200)) };
  const started = performance.now();
  try {
    win.eval(bundle);
    const root = () => win.document.querySelector('[dj-root]');
    if (!(await until(() => root()?.classList.contains('dj-connected') === true, 10_000))) return { delivered: false, ms: 0, note: 'never connected' };
    await server.stop();
    await until(() => root()?.classList.contains('dj-disconnected') === true, 10_000);
    const at = performance.now();
    const djust = win.djust as { pushEvent(event: string, params: object): Promise<unknown> };
    void djust.pushEvent('step', { seq: 7 }).catch(() => undefined);
    await sleep(300);
    server = await startOn(port);
    const delivered = await until(() => win.document.title === `${c} #7`, 30_000);
    return { delivered, ms: performance.now() - at, note: delivered ? '' : `title "${win.document.title}"; ${errors.slice(-2).join(' | ')}` };
  } finally {
    (win.djust as { stop?: () => void } | undefined)?.stop?.();
    win.close();
    await server.stop();
    void started;
  }
}

/** `trials` restarts per transport; how many queued submits applied after the re-mount. */
export async function restartTrials(trials: number): Promise<Record<'websocket' | 'sse', { delivered: number; trials: number; notes: string[]; ms: number[] }>> {
  // The bundle is an ES module whose only export is a trailing `export{…}`: run as a classic script without it (it boots on its own).
  const bundle = fs.readFileSync(path.join(process.env.BENCH_ROOT ?? path.join(__dirname, '..'), 'public', 'build', 'djust.min.js'), 'utf8').replace(/export\s*\{[^}]*\};?\s*$/, '');
  const out = { websocket: { delivered: 0, trials, notes: [] as string[], ms: [] as number[] }, sse: { delivered: 0, trials, notes: [] as string[], ms: [] as number[] } };
  for (const transport of ['sse', 'websocket'] as const) {
    for (let n = 0; n < trials; n += 1) {
      const r = await trial(transport, bundle, n);
      if (r.delivered) {
        out[transport].delivered += 1;
        out[transport].ms.push(Math.round(r.ms));
      } else out[transport].notes.push(r.note);
    }
  }
  return out;
}
