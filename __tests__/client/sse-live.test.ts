/**
 * The browser client (public/client.js + public/sse.js) under jsdom against a real server, with
 * a small spec-following EventSource over lib/testing's SSE stream (jsdom has none): forced SSE, fallback from
 * a blocked WebSocket, and a network drop that loses no title.
 * @jest-environment jsdom
 * @jest-environment-options {"customExportConditions": ["node", "node-addons"]}
 */
import type http from 'node:http';
import { LiveClient } from '../../public/client.js';
import { connectSse } from '../../public/sse.js';
import { fetchPage, request } from '../../lib/testing/page';
import { openSseStream } from '../../lib/testing/sse';
import { startApp, type TestApp } from '../helpers/server';
import { counterRoutes, sessionId } from '../helpers/sse-support';

let app: TestApp;
const sources: NodeEventSource[] = [];
const clients: LiveClient[] = [];

type Listener = (ev: { type: string; data?: string; lastEventId?: string }) => void;

/**
 * EventSource as browsers implement it, enough for public/sse.js: sends Last-Event-ID on its
 * own reconnects, honours retry:, an empty id resets it, a non-200 answer closes it. As in a
 * browser, `onerror` also gets server messages named `error`, and `error` listeners also get
 * connection errors (which carry no `data`).
 * `drop()` cuts the connection and holds the reconnect until `restore()`.
 */
class NodeEventSource {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSED = 2;
  readyState = 0;
  onopen: (() => void) | null = null;
  onerror: Listener | null = null;
  readonly listeners = new Map<string, Listener[]>();
  /** Last-Event-ID header of each request made. */
  readonly requests: (string | undefined)[] = [];
  #lastId = '';
  #retry = 1000;
  #req: http.ClientRequest | null = null;
  #held = false;
  #pending = false;

  constructor(readonly url: string) {
    sources.push(this);
    this.#connect();
  }

  addEventListener(type: string, listener: Listener): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }

  close(): void {
    this.readyState = 2;
    this.#req?.destroy();
  }

  drop(): void {
    this.#held = true;
    this.#req?.destroy();
  }

  restore(): void {
    this.#held = false;
    if (this.#pending) this.#connect();
  }

  #connect(): void {
    this.#pending = false;
    const headers: Record<string, string> = {};
    if (this.#lastId) headers['last-event-id'] = this.#lastId;
    this.requests.push(headers['last-event-id']);
    const { req } = openSseStream(app.base + this.url, {
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
    }, { headers });
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
    this.#pending = true;
    setTimeout(() => !this.#held && this.readyState === 0 && this.#connect(), this.#retry);
  }
}

/** fetch over node:http for the POSTs and DELETEs of sse.js. */
async function nodeFetch(url: string, init: { method?: string; body?: string; headers?: Record<string, string> } = {}) {
  const { status } = await request(app.base + url, { ...init, agent: false });
  return { status, ok: status < 300, text: async () => '' };
}

beforeAll(async () => {
  app = await startApp(counterRoutes, { sseRetryMs: 20, sseLingerMs: 2000 });
  Object.assign(globalThis, { EventSource: NodeEventSource, fetch: nodeFetch });
});
afterEach(() => {
  for (const client of clients.splice(0)) client.stop();
  for (const source of sources.splice(0)) source.close();
});
afterAll(async () => {
  await app.close();
});

function waitFor(cond: () => boolean, what: string, timeoutMs = 4000): Promise<void> {
  return new Promise((resolve, reject) => {
    const end = Date.now() + timeoutMs;
    const tick = () => {
      if (cond()) return resolve();
      if (Date.now() > end) return reject(new Error(`timed out waiting for ${what}; title "${document.title}"`));
      setTimeout(tick, 5);
    };
    tick();
  });
}

/** Loads /counter into the jsdom document; records every message the client handles. */
async function loadPage(query: string): Promise<{ token: string; seen: Array<Record<string, unknown>> }> {
  const { html, token } = await fetchPage(app.base, `/counter${query}`);
  document.documentElement.innerHTML = html.replace(/^<!doctype html>\s*<html>/i, '').replace(/<\/html>\s*$/, '');
  const seen: Array<Record<string, unknown>> = [];
  document.addEventListener('djust:message', (ev) => seen.push((ev as CustomEvent).detail as Record<string, unknown>));
  return { token, seen };
}

const root = () => document.querySelector('[dj-root]') as HTMLElement;

describe('LiveClient over SSE', () => {
  it('with transport "sse": mounts over the stream and follows events', async () => {
    const { token } = await loadPage('');
    const client = new LiveClient(document, { token, prefix: '/djust', transport: 'sse' }, { sse: connectSse }).start();
    clients.push(client);
    await waitFor(() => root().classList.contains('dj-connected'), 'dj-connected');
    client.pushEvent('inc', { by: 2 });
    await waitFor(() => document.title === 'Counter 2', 'Counter 2');
    expect(root().querySelector('#count')?.textContent).toBe('2');
    expect(document.querySelector('meta[property="og:title"]')?.getAttribute('content')).toBe('c 2');
    // A server `event: error` reaches EventSource.onerror too; it must not look like a drop.
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    client.pushEvent('nope', {});
    await waitFor(() => warn.mock.calls.some(([text]) => String(text).includes('unknown_event')), 'the unknown_event error');
    warn.mockRestore();
    expect(root().classList.contains('dj-connected')).toBe(true);
    client.pushEvent('inc', {});
    await waitFor(() => document.title === 'Counter 3', 'Counter 3');
  });

  it('in "auto" mode falls back to SSE when the WebSocket never opens', async () => {
    const { token } = await loadPage('');
    let attempts = 0;
    const blocked = (_prefix: string, handlers: { onClose(opened: boolean): void }) => {
      attempts += 1;
      setTimeout(() => handlers.onClose(false), 0);
      return { send: () => false, close: () => undefined };
    };
    const client = new LiveClient(document, { token, prefix: '/djust', transport: 'auto' }, { websocket: blocked, sse: connectSse }).start();
    clients.push(client);
    await waitFor(() => root().classList.contains('dj-connected'), 'dj-connected over SSE');
    expect(attempts).toBe(2);
    expect(client.mode).toBe('sse');
  });

  it('resumes after a network drop: the title set meanwhile arrives, queued events are sent, no re-mount', async () => {
    const tag = sessionId();
    const { token, seen } = await loadPage(`?tag=${tag}&topic=${tag}`);
    const client = new LiveClient(document, { token, prefix: '/djust', transport: 'sse' }, { sse: connectSse }).start();
    clients.push(client);
    await waitFor(() => root().classList.contains('dj-connected'), 'dj-connected');
    client.pushEvent('inc', {});
    await waitFor(() => document.title === 'Counter 1', 'Counter 1');
    const source = sources[0] as NodeEventSource;

    source.drop();
    await waitFor(() => root().classList.contains('dj-disconnected'), 'dj-disconnected');
    // While the stream is down: server push changes the title, and the user clicks.
    expect(app.live.broadcast(tag, 'away')).toBe(1);
    client.pushEvent('inc', {});
    await new Promise((r) => setTimeout(r, 50));
    expect(document.title).toBe('Counter 1');

    source.restore();
    await waitFor(() => document.title === 'Counter 2', 'the queued event after the replay');
    expect(root().querySelector('#label')?.textContent).toBe('away');
    expect(root().classList.contains('dj-connected')).toBe(true);
    const titles = seen.filter((m) => m.type === 'page_metadata' && m.action === 'title').map((m) => m.value);
    expect(titles).toEqual(['Counter 0', 'Counter 1', 'Counter 1 (away)', 'Counter 2']);
    expect(seen.filter((m) => m.type === 'mounted')).toHaveLength(1);
    // The browser's own reconnect carried Last-Event-ID; the same EventSource resumed.
    expect(sources).toHaveLength(1);
    expect(source.requests).toHaveLength(2);
    expect(source.requests[0]).toBeUndefined();
    expect(Number(source.requests[1])).toBeGreaterThan(2);
  });

  it('mounts afresh on a new session, without a reload, when the server lost the session (resume_gap)', async () => {
    const { token, seen } = await loadPage('');
    const client = new LiveClient(document, { token, prefix: '/djust', transport: 'sse' }, { sse: connectSse }).start();
    clients.push(client);
    await waitFor(() => root().classList.contains('dj-connected'), 'dj-connected');
    client.pushEvent('inc', {});
    await waitFor(() => document.title === 'Counter 1', 'Counter 1');
    const first = sources[0] as NodeEventSource;
    first.drop();
    await waitFor(() => root().classList.contains('dj-disconnected'), 'dj-disconnected');
    // The server forgets the session (as a restart would).
    const session = first.url.split('?')[0] as string;
    await nodeFetch(session, { method: 'DELETE', headers: { 'x-djust-token': token } });
    first.restore();
    await waitFor(() => seen.filter((m) => m.type === 'mounted').length === 2, 'a second mount');
    await waitFor(() => root().classList.contains('dj-connected'), 'dj-connected again');
    expect(document.title).toBe('Counter 0');
    expect(sources).toHaveLength(2);
    expect((sources[1] as NodeEventSource).url.split('?')[0]).not.toBe(session);
    expect(seen.some((m) => m.type === 'error')).toBe(false);
    client.pushEvent('inc', {});
    await waitFor(() => document.title === 'Counter 1', 'Counter 1 on the new view');
  });

  it('keeps an event queued while the stream was down and sends it after the re-mount when the server lost the stream (a restart)', async () => {
    const { token, seen } = await loadPage('');
    const client = new LiveClient(document, { token, prefix: '/djust', transport: 'sse' }, { sse: connectSse }).start();
    clients.push(client);
    await waitFor(() => root().classList.contains('dj-connected'), 'dj-connected');
    const first = sources[0] as NodeEventSource;
    first.drop();
    await waitFor(() => root().classList.contains('dj-disconnected'), 'dj-disconnected');
    const submitted = client.pushEvent('inc', { by: 5 }); // the user submits while the server restarts
    const stream = first.url.split('?')[0] as string;
    await nodeFetch(stream, { method: 'DELETE', headers: { 'x-djust-token': token } });
    first.restore();
    await waitFor(() => seen.filter((m) => m.type === 'mounted').length === 2, 'a second mount');
    await waitFor(() => document.title === 'Counter 5', 'the queued event applied on the new view');
    await expect(submitted).resolves.toBeUndefined();
    expect(root().querySelector('#count')?.textContent).toBe('5');
  });
});
