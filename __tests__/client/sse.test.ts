/**
 * public/sse.js with a scripted EventSource and fetch: when the stream opens, how events are
 * POSTed, drops and resumes, giving up, and closing.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SSE_EVENTS } from '../../public/contract.js';
import { connectSse } from '../../public/sse.js';

type Listener = (ev: { data?: string; lastEventId?: string }) => void;

/**
 * An EventSource the test drives: open(), emit(), drop() (browser retries), fail() (browser
 * gives up). Like a browser's, it dispatches a server `event: error` message to `onerror` too,
 * and its own connection errors (no `data`) to `error` listeners too.
 */
class FakeEventSource {
  static instances: FakeEventSource[] = [];
  readyState = 0;
  onopen: (() => void) | null = null;
  onerror: Listener | null = null;
  readonly listeners = new Map<string, Listener[]>();
  closed = false;

  constructor(readonly url: string) {
    FakeEventSource.instances.push(this);
  }

  addEventListener(type: string, listener: Listener): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }

  close(): void {
    this.closed = true;
    this.readyState = 2;
  }

  open(): void {
    this.readyState = 1;
    this.onopen?.();
  }

  emit(message: { type: string } & Record<string, unknown>, id: string): void {
    this.#dispatch(message.type, { data: JSON.stringify(message), lastEventId: id });
  }

  drop(): void {
    this.readyState = 0;
    this.#dispatch('error', {});
  }

  fail(): void {
    this.readyState = 2;
    this.#dispatch('error', {});
  }

  #dispatch(type: string, ev: { data?: string; lastEventId?: string }): void {
    for (const listener of this.listeners.get(type) ?? []) listener(ev);
    if (type === 'error') this.onerror?.(ev);
  }
}

interface FetchCall {
  url: string;
  init: { method?: string; body?: string; headers?: Record<string, string>; keepalive?: boolean };
  answer(status: number, text?: () => Promise<string>): void;
  /** The request fails without an answer (network down, server restarting). */
  fail(): void;
}

const calls: FetchCall[] = [];
const realFetch = globalThis.fetch;

function fakeFetch(url: string, init: FetchCall['init'] = {}): Promise<{ status: number; ok: boolean; text(): Promise<string> }> {
  return new Promise((resolve, reject) => {
    calls.push({
      url,
      init,
      answer: (status, text = async () => '') => resolve({ status, ok: status >= 200 && status < 300, text }),
      fail: () => reject(new TypeError('Failed to fetch')),
    });
  });
}

function handlers() {
  return { onOpen: jest.fn(), onMessage: jest.fn(), onClose: jest.fn(), onLive: jest.fn() };
}

const flush = () => new Promise((r) => setImmediate(r));

beforeEach(() => {
  FakeEventSource.instances = [];
  calls.length = 0;
  Object.assign(globalThis, { EventSource: FakeEventSource, fetch: fakeFetch });
});
afterAll(() => {
  Object.assign(globalThis, { fetch: realFetch });
  delete (globalThis as { EventSource?: unknown }).EventSource;
});

/** Connects, lets the client send mount, opens the stream. */
async function connected(h = handlers()) {
  const transport = connectSse('/djust', h);
  await flush();
  expect(h.onOpen).toHaveBeenCalledTimes(1);
  expect(transport.send({ type: 'mount', token: 'tok.en', url: '/inbox?x=1' })).toBe(true);
  const es = FakeEventSource.instances[0] as FakeEventSource;
  es.open();
  return { h, transport, es };
}

describe('public/sse.js', () => {
  it('opens the stream on mount, with the token and url, at a random-UUID session', async () => {
    const h = handlers();
    const transport = connectSse('/djust', h);
    expect(FakeEventSource.instances).toHaveLength(0);
    await flush();
    expect(h.onOpen).toHaveBeenCalledTimes(1);
    transport.send({ type: 'mount', token: 'a.b', url: '/inbox' });
    const es = FakeEventSource.instances[0] as FakeEventSource;
    expect(es.url).toMatch(/^\/djust\/sse\/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\?token=a\.b&url=%2Finbox$/);
    expect(calls).toHaveLength(0); // the mount is the GET, not a POST
  });

  it('answers a refused upload chunk POST (421, 413…) as that chunk\'s upload error at once, and a taken one (202) not at all', async () => {
    const { h, transport } = await connected();
    const frame = (id: string) => {
      const head = new TextEncoder().encode(`${id}:0`);
      return Uint8Array.from([head.length, ...head, 1, 2, 3]);
    };
    const refused = frame('AAAAAAAAAAAAAAAAAAAAAA');
    expect(transport.upload?.(refused)).toBe(true);
    await flush();
    const first = calls.find((c) => c.url.endsWith('/upload')) as FetchCall;
    first.answer(421, async () => 'Misdirected Request: held by another process');
    await flush();
    await flush();
    expect(h.onMessage).toHaveBeenCalledWith({ type: 'upload', frame: refused, action: 'error', code: 'http_421', message: 'Misdirected Request: held by another process' });
    h.onMessage.mockClear();
    expect(transport.upload?.(frame('BBBBBBBBBBBBBBBBBBBBBB'))).toBe(true);
    await flush();
    (calls.filter((c) => c.url.endsWith('/upload'))[1] as FetchCall).answer(202);
    await flush();
    await flush();
    expect(h.onMessage).not.toHaveBeenCalled();
  });

  it('passes every message type of the stream to onMessage', async () => {
    const { h, es } = await connected();
    es.emit({ type: 'mounted', html: '<p>1</p>' }, '1');
    es.emit({ type: 'page_metadata', action: 'title', value: 'Inbox (1)' }, '2');
    es.emit({ type: 'flash', action: 'put', level: 'info', message: 'hi' }, '3');
    expect(h.onMessage.mock.calls.map(([m]) => (m as { type: string }).type)).toEqual(['mounted', 'page_metadata', 'flash']);
  });

  it('listens for every server message type declared in lib/contract/protocol.ts', () => {
    const source = readFileSync(path.join(__dirname, '..', '..', 'lib', 'contract', 'protocol.ts'), 'utf8');
    const server = source.slice(source.indexOf('// ---- server → client'), source.indexOf('// ---- parsing'));
    const declared = new Set([...server.matchAll(/type: '([a-z_]+)'/g)].map((m) => m[1]));
    expect(declared.size).toBeGreaterThan(5);
    expect(new Set(SSE_EVENTS)).toEqual(declared);
  });

  it('POSTs envelopes as JSON, one after the other, so they arrive in order', async () => {
    const { transport } = await connected();
    expect(transport.send({ type: 'event', ref: 1, event: 'a', params: {} })).toBe(true);
    expect(transport.send({ type: 'event', ref: 2, event: 'b', params: {} })).toBe(true);
    await flush();
    expect(calls).toHaveLength(1);
    const first = calls[0] as FetchCall;
    expect(first.url).toMatch(/^\/djust\/sse\/[0-9a-f-]{36}\/message$/);
    expect(first.init).toMatchObject({ method: 'POST', headers: { 'content-type': 'application/json' } });
    expect(JSON.parse(first.init.body as string)).toEqual({ type: 'event', ref: 1, event: 'a', params: {} });
    first.answer(202);
    await flush();
    expect(calls).toHaveLength(2);
    expect(JSON.parse((calls[1] as FetchCall).init.body as string)).toMatchObject({ ref: 2 });
  });

  it('returns false while the stream is not open, so the client queues the event', async () => {
    const { transport, es } = await connected();
    es.drop();
    expect(transport.send({ type: 'event', ref: 1, event: 'a', params: {} })).toBe(false);
    es.open();
    expect(transport.send({ type: 'event', ref: 1, event: 'a', params: {} })).toBe(true);
  });

  it('reports a drop and the browser\'s own resume with onLive, on the same session', async () => {
    const { h, es } = await connected();
    es.drop();
    expect(h.onLive).toHaveBeenLastCalledWith(false);
    es.open(); // the browser reconnected, sending Last-Event-ID
    expect(h.onLive).toHaveBeenLastCalledWith(true);
    expect(FakeEventSource.instances).toHaveLength(1);
    expect(h.onClose).not.toHaveBeenCalled();
  });

  it('reopens with lastEventId when the browser gives up, 3 times, then closes', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'queueMicrotask', 'nextTick'] });
    try {
      const { h, es } = await connected();
      es.emit({ type: 'page_metadata', action: 'title', value: 'x' }, '7');
      es.fail();
      expect(h.onClose).not.toHaveBeenCalled();
      jest.advanceTimersByTime(1000);
      const again = FakeEventSource.instances[1] as FakeEventSource;
      expect(again.url.startsWith(es.url.split('?')[0] as string)).toBe(true);
      expect(again.url).toMatch(/&lastEventId=7$/);
      again.fail();
      jest.advanceTimersByTime(2000);
      (FakeEventSource.instances[2] as FakeEventSource).fail();
      jest.advanceTimersByTime(3000);
      (FakeEventSource.instances[3] as FakeEventSource).fail();
      expect(h.onClose).toHaveBeenCalledWith(true, []);
      expect(FakeEventSource.instances).toHaveLength(4);
    } finally {
      jest.useRealTimers();
    }
  });

  it('closes without reopening when the stream never opened', async () => {
    const h = handlers();
    const transport = connectSse('/djust', h);
    await flush();
    transport.send({ type: 'mount', token: 't.t', url: '/' });
    (FakeEventSource.instances[0] as FakeEventSource).fail();
    expect(h.onClose).toHaveBeenCalledWith(false, []);
  });

  it.each(['bad_token', 'token_expired', 'unknown_route', 'forbidden', 'mount_failed'])('ends after a %s error (the server ended the session)', async (code) => {
    const { h, es } = await connected();
    es.emit({ type: 'error', ref: null, code, message: 'm' }, '');
    expect(h.onMessage).toHaveBeenCalledWith(expect.objectContaining({ code }));
    expect(es.closed).toBe(true);
    expect(h.onClose).toHaveBeenCalledWith(true, []);
  });

  it('closes on resume_gap without passing it on (no reload): the client mounts afresh on a new session', async () => {
    const { h, es } = await connected();
    es.emit({ type: 'error', ref: null, code: 'resume_gap', message: 'gone' }, '');
    expect(h.onMessage).not.toHaveBeenCalled();
    expect(es.closed).toBe(true);
    expect(h.onClose).toHaveBeenCalledWith(true, []);
  });

  it('stays open and live after an error that answers one event (not taken for a connection error)', async () => {
    const { h, es } = await connected();
    es.emit({ type: 'error', ref: 3, code: 'unknown_event', message: 'm' }, '4');
    expect(h.onMessage).toHaveBeenCalledTimes(1);
    expect(es.closed).toBe(false);
    expect(h.onLive).not.toHaveBeenCalled();
    expect(h.onClose).not.toHaveBeenCalled();
  });

  it('does not pass the EventSource\'s own error events to onMessage', async () => {
    const { h, es } = await connected();
    es.drop();
    expect(h.onMessage).not.toHaveBeenCalled();
  });

  it('ends when a POST finds no stream (404), handing back that envelope and those after it for the next mount', async () => {
    const { h, transport, es } = await connected();
    transport.send({ type: 'event', ref: 1, event: 'a', params: {} });
    transport.send({ type: 'event', ref: 2, event: 'b', params: {} });
    await flush();
    (calls[0] as FetchCall).answer(404);
    await flush();
    expect(es.closed).toBe(true);
    expect(calls).toHaveLength(1); // b was never POSTed to the lost stream
    expect(h.onClose).toHaveBeenCalledWith(true, [{ type: 'event', ref: 1, event: 'a', params: {} }, { type: 'event', ref: 2, event: 'b', params: {} }]);
  });

  it('reads every POST answer and warns with the server\'s reason for a refusal', async () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const { transport } = await connected();
      const read = jest.fn(async () => 'Payload Too Large: body over 65536 bytes (option maxMessageBytes).\n');
      transport.send({ type: 'event', ref: 1, event: 'a', params: {} });
      await flush();
      (calls[0] as FetchCall).answer(413, read);
      await flush();
      expect(read).toHaveBeenCalled();
      expect(warn).toHaveBeenCalledWith(expect.stringMatching(/^djust-lite: Payload Too Large: .*maxMessageBytes/));
    } finally {
      warn.mockRestore();
    }
  });

  it('POSTs and DELETEs carry the stream\'s token in X-Djust-Token', async () => {
    const { transport } = await connected();
    transport.send({ type: 'event', ref: 1, event: 'a', params: {} });
    await flush();
    expect(calls[0]?.init).toMatchObject({ method: 'POST', headers: { 'content-type': 'application/json', 'x-djust-token': 'tok.en' } });
    (calls[0] as FetchCall).answer(202);
    await flush();
    transport.close();
    expect(calls[1]?.init).toMatchObject({ method: 'DELETE', headers: { 'x-djust-token': 'tok.en' } });
  });

  describe('a failed POST', () => {
    beforeEach(() => jest.useFakeTimers({ doNotFake: ['setImmediate', 'queueMicrotask', 'nextTick'] }));
    afterEach(() => jest.useRealTimers());

    /** Lets the chain run, then moves the clock by `ms`. */
    async function after(ms: number) {
      await flush();
      jest.advanceTimersByTime(ms);
      await flush();
    }

    it.each([['a network error', (c: FetchCall) => c.fail()], ['503', (c: FetchCall) => c.answer(503)], ['429', (c: FetchCall) => c.answer(429)]])(
      'is tried again after %s, with backoff (250 ms, 1 s, 3 s), and a later envelope waits for it', async (_, failure) => {
        const { h, transport } = await connected();
        transport.send({ type: 'event', ref: 1, event: 'a', params: {} });
        transport.send({ type: 'event', ref: 2, event: 'b', params: {} });
        await flush();
        failure(calls[0] as FetchCall);
        await after(249);
        expect(calls).toHaveLength(1); // not yet, and ref 2 does not overtake
        await after(1);
        expect(calls.map((c) => JSON.parse(c.init.body as string).ref)).toEqual([1, 1]);
        failure(calls[1] as FetchCall);
        await after(1000);
        expect(calls).toHaveLength(3);
        (calls[2] as FetchCall).answer(202);
        await flush();
        expect(calls.map((c) => JSON.parse(c.init.body as string).ref)).toEqual([1, 1, 1, 2]);
        expect(h.onClose).not.toHaveBeenCalled();
      });

    it('gives up after 4 tries: logs what failed and what to do, ends the transport (the client reconnects) and sends nothing after it', async () => {
      const error = jest.spyOn(console, 'error').mockImplementation(() => undefined);
      try {
        const { h, transport, es } = await connected();
        transport.send({ type: 'event', ref: 1, event: 'a', params: {} });
        transport.send({ type: 'event', ref: 2, event: 'b', params: {} });
        for (const wait of [250, 1000, 3000]) {
          await flush();
          (calls.at(-1) as FetchCall).fail();
          await after(wait);
        }
        (calls.at(-1) as FetchCall).fail();
        await flush();
        expect(calls).toHaveLength(4);
        expect(error).toHaveBeenCalledWith(expect.stringMatching(/^djust-lite: POST failed 4 times \(TypeError: Failed to fetch\); reconnecting\. Check the server is up and takes POSTs at \/djust\/sse\/\.$/));
        expect(es.closed).toBe(true);
        expect(h.onClose).toHaveBeenCalledWith(true, [{ type: 'event', ref: 1, event: 'a', params: {} }, { type: 'event', ref: 2, event: 'b', params: {} }]);
        await after(10000);
        expect(calls).toHaveLength(4); // ref 2 was not sent to a stream given up
      } finally {
        error.mockRestore();
      }
    });

    it('is not tried again when the server refused it (4xx): the refusal is logged', async () => {
      const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
      try {
        const { h, transport } = await connected();
        transport.send({ type: 'event', ref: 1, event: 'a', params: {} });
        await flush();
        (calls[0] as FetchCall).answer(415, async () => 'Unsupported Media Type');
        await after(5000);
        expect(calls).toHaveLength(1);
        expect(warn).toHaveBeenCalledWith('djust-lite: Unsupported Media Type');
        expect(h.onClose).not.toHaveBeenCalled();
      } finally {
        warn.mockRestore();
      }
    });

    it('stops retrying when the transport is closed meanwhile', async () => {
      const { transport } = await connected();
      transport.send({ type: 'event', ref: 1, event: 'a', params: {} });
      await flush();
      (calls[0] as FetchCall).fail();
      await flush();
      transport.close(); // DELETE
      await after(5000);
      expect(calls.map((c) => c.init.method)).toEqual(['POST', 'DELETE']);
    });
  });

  it('close() DELETEs the session and does not report a close', async () => {
    const { h, transport, es } = await connected();
    transport.close();
    expect(es.closed).toBe(true);
    expect(calls[0]?.init).toMatchObject({ method: 'DELETE', keepalive: true });
    expect(calls[0]?.url).toBe(es.url.split('?')[0]);
    expect(h.onClose).not.toHaveBeenCalled();
    expect(transport.send({ type: 'event', ref: 1, event: 'a', params: {} })).toBe(false);
  });
});
