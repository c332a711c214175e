/**
 * LiveClient (public/client.js) with scripted transports and a fake clock: every event ref is
 * answered or times out (the page re-syncs), the unanswered refs stay bounded, navigation to
 * another route always loads it, a reload loop the server causes stops, `auto` never moves a page
 * whose WebSocket opened to SSE, and a POST that keeps failing shows dj-disconnected.
 * @jest-environment jsdom
 */
import { LiveClient } from '../../public/client.js';
import { ACK_TIMEOUT_MS, MAX_UNACKED } from '../../public/constants.js';
import { connectSse } from '../../public/sse.js';
import { scriptedTransports, type Scripted } from '../helpers/scripted-transport';



const { opened, transports, last } = scriptedTransports();
const root = () => document.querySelector('[dj-root]') as HTMLElement;
let client: LiveClient;

function start(transport: 'auto' | 'websocket' | 'sse' = 'websocket', available: ConstructorParameters<typeof LiveClient>[2] = transports) {
  client = new LiveClient(document, { token: 't.t', prefix: '/djust', transport, announce: false }, available).start();
  return client;
}

/** Opens the newest connection and mounts over it. */
function live(): Scripted {
  const t = last();
  t.open();
  t.mounted();
  return t;
}

/** Past the longest reconnect backoff (10 s + 25%). */
const reconnectDelay = () => jest.advanceTimersByTime(12500);

beforeEach(() => {
  jest.useFakeTimers();
  opened.length = 0;
  sessionStorage.clear();
  document.body.innerHTML = '<main dj-root><p>x</p></main>';
});
afterEach(() => {
  client.stop();
  jest.useRealTimers();
});

describe('LiveClient', () => {
  describe('acknowledgements', () => {
    it('forgets a ref once its patch, reply or error arrives', () => {
      const t = (start(), live());
      const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
      const refs = ['a', 'b', 'c'].map((e) => (void client.pushEvent(e, {}), client.ref));
      expect([...client.unacked.keys()]).toEqual(refs);
      t.answer('patch', refs[0] as number);
      t.answer('reply', refs[1] as number);
      t.answer('error', refs[2] as number, { code: 'unknown_event', message: 'm' });
      warn.mockRestore();
      expect(client.unacked.size).toBe(0);
      jest.advanceTimersByTime(ACK_TIMEOUT_MS * 2);
      expect(opened).toHaveLength(1);
    });

    it('re-syncs when no answer comes for ACK_TIMEOUT_MS: logs the ref, shows dj-disconnected, reconnects and mounts again', () => {
      const error = jest.spyOn(console, 'error').mockImplementation(() => undefined);
      try {
        const t = (start(), live());
        client.pushEvent('save', { a: 1 });
        jest.advanceTimersByTime(ACK_TIMEOUT_MS - 1);
        expect(error).not.toHaveBeenCalled();
        jest.advanceTimersByTime(1);
        expect(error).toHaveBeenCalledWith('djust-lite: no answer to ref 1 ("save") in 35 s; re-syncing.');
        expect(t.closed).toBe(true);
        expect(root().classList.contains('dj-disconnected')).toBe(true);
        expect(client.unacked.size).toBe(0);
        reconnectDelay();
        expect(opened).toHaveLength(2);
        last().open();
        expect(last().sent).toEqual([{ type: 'mount', token: 't.t', url: location.pathname + location.search }]);
      } finally {
        error.mockRestore();
      }
    });

    it('waits ACK_TIMEOUT_MS from the last answer: a queue the server works through slowly is no timeout', () => {
      const t = (start(), live());
      const [a, b] = ['a', 'b'].map((e) => (void client.pushEvent(e, {}), client.ref)) as [number, number];
      jest.advanceTimersByTime(ACK_TIMEOUT_MS - 1000);
      t.answer('reply', a);
      jest.advanceTimersByTime(ACK_TIMEOUT_MS - 1000);
      expect(t.closed).toBe(false);
      t.answer('reply', b);
      jest.advanceTimersByTime(ACK_TIMEOUT_MS * 2);
      expect(t.closed).toBe(false);
    });

    it(`keeps at most ${MAX_UNACKED} refs unanswered; later events wait, in order, until answers come`, () => {
      const t = (start(), live());
      for (let i = 0; i < MAX_UNACKED + 3; i += 1) client.pushEvent(`e${i}`, {});
      expect(t.events()).toHaveLength(MAX_UNACKED);
      expect(client.unacked.size).toBe(MAX_UNACKED);
      expect(client.pending.map((m) => m.event)).toEqual([`e${MAX_UNACKED}`, `e${MAX_UNACKED + 1}`, `e${MAX_UNACKED + 2}`]);
      t.answer('reply', 1);
      t.answer('reply', 2);
      expect(t.events().map((m) => m.event).slice(-2)).toEqual([`e${MAX_UNACKED}`, `e${MAX_UNACKED + 1}`]);
      expect(client.unacked.size).toBe(MAX_UNACKED);
      // a navigation over the bound is refused, so it loads as a page
      expect(client.pushParams('/x', false)).toBe(false);
    });

    it('forgets the refs of a connection that dropped: the new mount re-syncs, nothing times out later', () => {
      const t = (start(), live());
      client.pushEvent('a', {});
      t.drop();
      expect(client.unacked.size).toBe(0);
      reconnectDelay();
      live();
      jest.advanceTimersByTime(ACK_TIMEOUT_MS * 2);
      expect(opened).toHaveLength(2);
      expect(last().closed).toBe(false);
    });

    it('counts a params (live navigation) as a ref to answer', () => {
      const t = (start(), live());
      expect(client.pushParams('/counter?x=1', false)).toBe(true);
      expect([...client.unacked]).toEqual([[1, '/counter?x=1']]);
      t.answer('patch', 1);
      expect(client.unacked.size).toBe(0);
    });
  });

  describe('reloads', () => {
    let reloads: number;
    let warn: jest.SpyInstance;
    let error: jest.SpyInstance;
    beforeEach(() => {
      reloads = 0;
      warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
      error = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    });
    afterEach(() => {
      warn.mockRestore();
      error.mockRestore();
    });
    const withReloadCounted = (c: LiveClient) => Object.assign(c, { reload: () => void (reloads += 1) });

    it.each(['unknown_route', 'forbidden'])('loads another route the user navigated to every time, however often (%s answering a params)', (code) => {
      withReloadCounted(start());
      const t = live();
      for (let i = 1; i <= 3; i += 1) {
        expect(client.pushParams(`/elsewhere/${i}`, false)).toBe(true);
        t.answer('error', client.ref, { code, message: 'not a path of /counter' });
        expect(reloads).toBe(i);
      }
      expect(client.stopped).toBe(false);
      expect(sessionStorage.getItem('djust-lite:reloaded-at')).toBeNull();
    });

    it('reloads once for a token the server refuses, and stops with a console.error when it is refused again within a minute', () => {
      withReloadCounted(start());
      live().h.onMessage({ type: 'error', ref: null, code: 'bad_token', message: 'bad' });
      expect(reloads).toBe(1);
      // the reloaded page (same sessionStorage) gets bad_token again
      client.stop();
      withReloadCounted(start());
      live().h.onMessage({ type: 'error', ref: null, code: 'bad_token', message: 'bad' });
      expect(reloads).toBe(1);
      expect(client.stopped).toBe(true);
      expect(error).toHaveBeenCalledWith('djust-lite: bad_token again after a reload; stopped. Reload by hand; check all servers share one secret.');
      expect(root().classList.contains('dj-disconnected')).toBe(true);
    });

    it('a navigation reload does not count against the loop guard', () => {
      withReloadCounted(start());
      const t = live();
      client.pushParams('/elsewhere', false);
      t.answer('error', client.ref, { code: 'unknown_route', message: 'm' });
      t.h.onMessage({ type: 'error', ref: null, code: 'token_expired', message: 'old' });
      expect(reloads).toBe(2);
      expect(client.stopped).toBe(false);
    });
  });

  describe('transport choice (auto)', () => {
    it('once a WebSocket has opened, refused opens during a restart never move the page to SSE', () => {
      start('auto');
      live().drop(); // the server restarts
      for (let i = 0; i < 6; i += 1) {
        reconnectDelay();
        expect(last().kind).toBe('websocket');
        last().refuse();
      }
      reconnectDelay();
      expect(opened.map((t) => t.kind)).toEqual(Array(8).fill('websocket'));
      live();
      expect(client.mode).toBe('websocket');
    });

    it('when WebSocket never opened: two refused opens try SSE, which stays once its stream answers', () => {
      start('auto');
      last().refuse();
      reconnectDelay();
      last().refuse();
      reconnectDelay();
      expect(last().kind).toBe('sse');
      live().drop();
      reconnectDelay();
      last().refuse();
      reconnectDelay();
      last().refuse();
      reconnectDelay();
      expect(opened.map((t) => t.kind)).toEqual(['websocket', 'websocket', 'sse', 'sse', 'sse', 'sse']);
    });

    it('when neither has opened (the server is down at first load), goes back to WebSocket after a refused SSE stream', () => {
      start('auto');
      for (let i = 0; i < 5; i += 1) {
        last().refuse();
        reconnectDelay();
      }
      expect(opened.map((t) => t.kind)).toEqual(['websocket', 'websocket', 'sse', 'websocket', 'websocket', 'sse']);
      live();
      expect(client.mode).toBe('sse');
    });

    it('transport "websocket" never tries SSE', () => {
      start('websocket');
      for (let i = 0; i < 4; i += 1) {
        last().refuse();
        reconnectDelay();
      }
      expect(new Set(opened.map((t) => t.kind))).toEqual(new Set(['websocket']));
    });
  });

  it('over SSE, a POST that keeps failing shows dj-disconnected, logs it and reconnects', async () => {
    const error = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const flush = async () => {
      for (let i = 0; i < 10; i += 1) await Promise.resolve();
    };
    class OpenEventSource {
      static made: OpenEventSource[] = [];
      readyState = 1;
      onopen: (() => void) | null = null;
      onerror: (() => void) | null = null;
      listeners: Record<string, (ev: { data: string; lastEventId: string }) => void> = {};
      constructor(readonly url: string) {
        OpenEventSource.made.push(this);
        setTimeout(() => this.onopen?.(), 0);
      }
      addEventListener(type: string, fn: (ev: { data: string; lastEventId: string }) => void) {
        this.listeners[type] = fn;
      }
      close() {
        this.readyState = 2;
      }
    }
    const posts: string[] = [];
    const realFetch = globalThis.fetch;
    Object.assign(globalThis, {
      EventSource: OpenEventSource,
      fetch: async (url: string, init: { method: string }) => {
        posts.push(`${init.method} ${url}`);
        throw new TypeError('Failed to fetch');
      },
    });
    try {
      start('sse', { sse: connectSse });
      await flush();
      jest.advanceTimersByTime(0);
      const es = OpenEventSource.made[0] as OpenEventSource;
      es.listeners.mounted?.({ data: JSON.stringify({ type: 'mounted', html: '<p>x</p>' }), lastEventId: '1' });
      expect(root().classList.contains('dj-connected')).toBe(true);
      client.pushEvent('save', {});
      for (const wait of [250, 1000, 3000, 0]) {
        await flush();
        jest.advanceTimersByTime(wait);
      }
      await flush();
      expect(posts.filter((p) => p.startsWith('POST'))).toHaveLength(4);
      expect(root().classList.contains('dj-disconnected')).toBe(true);
      expect(error).toHaveBeenCalledWith(expect.stringContaining('djust-lite: POST failed 4 times'));
      reconnectDelay();
      await flush();
      expect(OpenEventSource.made).toHaveLength(2); // a new session mounts afresh
    } finally {
      client.stop(); // its DELETE goes to the fake fetch
      error.mockRestore();
      Object.assign(globalThis, { fetch: realFetch });
      delete (globalThis as { EventSource?: unknown }).EventSource;
    }
  });
});
