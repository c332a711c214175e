import WebSocket from 'ws';
import { RegionState } from '../../lib/render/region';
import { TokenSigner } from '../../lib/routes/token';
import { CounterView, PushView } from '../fixtures/views';
import { fetchPage } from '../../lib/testing/page';
import { startApp, WsClient, type TestApp } from '../helpers/server';

const SECRET = 'test-secret-test-secret-test-secret-42';
let app: TestApp;
const clients: WsClient[] = [];
const track = (c: WsClient) => (clients.push(c), c);
const logged: string[] = [];
const logger = { warn: (m: string) => void logged.push(m), error: (m: string) => void logged.push(m) };

beforeAll(async () => {
  app = await startApp((live) => live.route('/counter', CounterView), {
    secret: SECRET,
    maxMessageBytes: 1024,
    maxEventsPerSecond: 20,
    maxQueuedEvents: 5,
    logger,
  });
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});
afterAll(() => app.close());

/** After a bad input, the same connection (or a fresh one) still works. */
async function stillWorks(client: WsClient, ref = 900): Promise<void> {
  client.send({ type: 'event', ref, event: 'inc', params: {} });
  const [response] = await client.eventResult(ref);
  expect(response?.type).toBe('patch');
}

describe('WebSocket transport: bad input', () => {
  it('answers a non-JSON frame with bad_json and ref null, and keeps the connection', async () => {
    const client = track(await WsClient.mount(app.base, '/counter'));
    client.ws.send('{not json');
    const error = await client.waitFor((m) => m.type === 'error');
    expect(error).toMatchObject({ type: 'error', ref: null, code: 'bad_json' });
    await stillWorks(client);
  });

  it('answers an unknown type with bad_message naming the expected types', async () => {
    const client = track(await WsClient.mount(app.base, '/counter'));
    client.send({ type: 'hack', ref: 3 });
    const error = await client.waitFor((m) => m.type === 'error');
    expect(error).toMatchObject({ ref: 3, code: 'bad_message' });
    expect(error.message).toMatch(/expected "mount", "event".* or "ping"/);
    await stillWorks(client);
  });

  it.each(['nope', 'mount', 'constructor', '__proto__', 'notAHandler', 'unmount', 'handleInfo', 'toString'])(
    'refuses to call %s: unknown_event, and the view is untouched',
    async (event) => {
      const client = track(await WsClient.mount(app.base, '/counter'));
      client.send({ type: 'event', ref: 5, event, params: {} });
      const error = await client.waitFor((m) => m.type === 'error');
      expect(error).toMatchObject({ ref: 5, code: 'unknown_event' });
      client.send({ type: 'event', ref: 6, event: 'inc', params: {} });
      await client.eventResult(6);
      expect(client.region()).toContain('<p id="count">1</p>');
    },
  );

  it.each([
    ['an array', []],
    ['a string', 'x'],
    ['null', null],
    ['a number', 4],
  ])('answers params that are %s with bad_params', async (_label, params) => {
    const client = track(await WsClient.mount(app.base, '/counter'));
    client.send({ type: 'event', ref: 8, event: 'inc', params });
    expect(await client.waitFor((m) => m.type === 'error')).toMatchObject({ ref: 8, code: 'bad_params' });
    await stillWorks(client);
  });

  it('drops prototype keys from params', async () => {
    const client = track(await WsClient.mount(app.base, '/counter'));
    client.ws.send('{"type":"event","ref":9,"event":"set-label","params":{"__proto__":{"polluted":1},"label":"ok"}}');
    await client.eventResult(9);
    expect(client.region()).toContain('<p id="label">ok</p>');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('closes with 1009 on a frame over maxMessageBytes and leaves other connections alone', async () => {
    const other = track(await WsClient.mount(app.base, '/counter'));
    const client = track(await WsClient.mount(app.base, '/counter'));
    client.send({ type: 'event', ref: 1, event: 'set-label', params: { label: 'x'.repeat(2000) } });
    expect(await client.waitForClose()).toBe(1009);
    await stillWorks(other);
  });

  it('bounds text frames by maxMessageBytes and binary (upload) frames by maxUploadChunkBytes', async () => {
    const other = track(await WsClient.mount(app.base, '/counter'));
    const binary = track(await WsClient.mount(app.base, '/counter'));
    // 2,000 bytes: over maxMessageBytes (1024) but a binary frame, so the upload channel answers it
    binary.ws.send(Buffer.alloc(2000, 1));
    expect(await binary.waitFor((m) => m.type === 'error' || m.type === 'upload')).toBeDefined();
    await stillWorks(binary);
    const huge = track(await WsClient.mount(app.base, '/counter'));
    huge.ws.send(Buffer.alloc(256 * 1024 + 1, 1)); // over maxUploadChunkBytes' default: ws closes it
    expect(await huge.waitForClose()).toBe(1009);
    await stillWorks(other);
  });

  it('answers an event before mount with not_mounted', async () => {
    const client = track(await WsClient.open(app.base));
    client.send({ type: 'event', ref: 1, event: 'inc', params: {} });
    expect(await client.waitFor((m) => m.type === 'error')).toMatchObject({ ref: 1, code: 'not_mounted' });
  });

  it('refuses a second mount on one connection', async () => {
    const client = track(await WsClient.mount(app.base, '/counter'));
    const { token } = await fetchPage(app.base, '/counter');
    client.send({ type: 'mount', token });
    expect(await client.waitFor((m) => m.type === 'error')).toMatchObject({ code: 'already_mounted' });
    await stillWorks(client);
  });

  it('refuses a tampered token with bad_token and closes 1008', async () => {
    const { token } = await fetchPage(app.base, '/counter');
    const [body, mac] = token.split('.') as [string, string];
    const forged = Buffer.from(Buffer.from(body, 'base64url').toString().replace('/counter', '/admin')).toString('base64url');
    const client = track(await WsClient.open(app.base));
    client.send({ type: 'mount', token: `${forged}.${mac}` });
    expect(await client.waitFor((m) => m.type === 'error')).toMatchObject({ code: 'bad_token', ref: null });
    expect(await client.waitForClose()).toBe(1008);
  });

  it('refuses an expired token with token_expired', async () => {
    const token = new TokenSigner([SECRET], 60_000).sign({ route: '/counter', params: {}, url: '/counter', exp: Date.now() - 1000 });
    const client = track(await WsClient.open(app.base));
    client.send({ type: 'mount', token });
    const error = await client.waitFor((m) => m.type === 'error');
    expect(error).toMatchObject({ code: 'token_expired' });
    expect(error.message).toMatch(/reload the page/);
    expect(await client.waitForClose()).toBe(1008);
  });

  it('refuses a token signed with another secret', async () => {
    const token = new TokenSigner(['another-secret-another-secret-12345'], 60_000).sign({ route: '/counter', params: {}, url: '/counter', exp: Date.now() + 60000 });
    const client = track(await WsClient.open(app.base));
    client.send({ type: 'mount', token });
    expect(await client.waitFor((m) => m.type === 'error')).toMatchObject({ code: 'bad_token' });
  });

  it('refuses a foreign Origin with HTTP 403 and accepts the page\'s own', async () => {
    await expect(WsClient.open(app.base, { origin: 'https://evil.example' })).rejects.toThrow(/403/);
    const own = track(await WsClient.open(app.base, { origin: app.base }));
    expect(own.ws.readyState).toBe(WebSocket.OPEN);
  });

  it('reports a throwing handler as handler_failed without its message or stack, keeping the last good state', async () => {
    const client = track(await WsClient.mount(app.base, '/counter'));
    client.send({ type: 'event', ref: 1, event: 'inc', params: {} });
    await client.eventResult(1);
    client.send({ type: 'event', ref: 2, event: 'boom', params: {} });
    const result = await client.eventResult(2);
    expect(result).toHaveLength(1);
    expect(result[0]).toMatchObject({ type: 'error', ref: 2, code: 'handler_failed' });
    expect(JSON.stringify(result)).not.toMatch(/hunter2|at .*\.ts/);
    expect(logged.some((m) => m.includes('boom'))).toBe(true);
    client.send({ type: 'event', ref: 3, event: 'inc', params: {} });
    const [patch, title] = await client.eventResult(3);
    expect(patch?.type).toBe('patch');
    expect(client.region()).toBe('<p id="count">2</p><p id="label">start</p>');
    expect(title).toEqual({ type: 'page_metadata', action: 'title', value: 'Counter (2)' });
  });

  it('refuses an invalid meta name such as http-equiv with invalid_meta', async () => {
    const client = track(await WsClient.mount(app.base, '/counter'));
    client.send({ type: 'event', ref: 1, event: 'badMeta', params: {} });
    const error = await client.waitFor((m) => m.type === 'error');
    expect(error).toMatchObject({ ref: 1, code: 'invalid_meta' });
    expect(error.message).toMatch(/http-equiv/);
    await stillWorks(client);
  });

  it('rate-limits a flood with rate_limited and recovers', async () => {
    const client = track(await WsClient.mount(app.base, '/counter'));
    const start = client.messages.length;
    for (let ref = 1; ref <= 40; ref += 1) client.send({ type: 'event', ref, event: 'same', params: {} });
    // A refusal is written at once, so it can overtake queued answers: wait for an answer to each of the 40.
    const answered = () => new Set(client.messages.slice(start).flatMap((m) => (m.type === 'page_metadata' ? [] : [m.ref]))).size;
    await client.waitFor(() => answered() >= 40, { timeoutMs: 10_000 });
    const limited = client.messages.filter((m) => m.type === 'error' && m.code === 'rate_limited');
    const served = client.messages.filter((m) => m.type === 'reply' || m.type === 'patch');
    expect(limited.length).toBeGreaterThan(0);
    expect(served.length + limited.length + client.messages.filter((m) => m.code === 'queue_full').length).toBe(40);
  });

  it('charges refused binary frames (upload chunks) like any other: a flood of bad ones is answered rate_limited, and the connection still works once the budget refills', async () => {
    const client = track(await WsClient.mount(app.base, '/counter'));
    const start = client.messages.length;
    for (let i = 0; i < 30; i += 1) client.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    await client.waitFor(() => client.messages.slice(start).some((m) => m.type === 'error' && m.code === 'rate_limited'));
    const codes = new Set(client.messages.slice(start).flatMap((m) => (m.type === 'error' || m.type === 'upload' ? [`${m.type}:${m.code}`] : [])));
    expect(codes).toEqual(new Set(['upload:bad_upload', 'error:rate_limited']));
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await stillWorks(client, 950);
  });

  it('answers ping with pong', async () => {
    const client = track(await WsClient.open(app.base));
    client.send({ type: 'ping' });
    expect(await client.waitFor((m) => m.type === 'pong')).toEqual({ type: 'pong' });
  });

  it('does not take upgrades for other paths', async () => {
    const ws = new WebSocket(`${app.base.replace('http', 'ws')}/other`);
    const status = await new Promise<number>((resolve) => {
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.once('error', () => resolve(-1));
    });
    expect(status).toBe(404);
  });
});

describe('WebSocket transport: framing', () => {
  /** Every text frame the server sends on `client` from now on, as it arrived. */
  function rawFrames(client: WsClient): string[] {
    const frames: string[] = [];
    client.ws.on('message', (data: Buffer) => void frames.push(data.toString('utf8')));
    return frames;
  }

  it("sends a job's envelopes as one frame: a JSON array, response → page_metadata → flash", async () => {
    const client = track(await WsClient.mount(app.base, '/counter'));
    const frames = rawFrames(client);
    client.send({ type: 'event', ref: 7, event: 'inc', params: {} });
    await client.waitFor((m) => m.type === 'flash');
    expect(frames).toHaveLength(1);
    const envelopes = JSON.parse(frames[0] as string) as { type: string; action?: string }[];
    expect(envelopes.map((m) => (m.action ? `${m.type}:${m.action}` : m.type))).toEqual(['patch', 'page_metadata:title', 'page_metadata:meta', 'flash:put']);
    expect(envelopes[0]).toMatchObject({ type: 'patch', ref: 7 });
  });

  it('sends an envelope alone as itself, not as an array of one', async () => {
    const client = track(await WsClient.open(app.base));
    const frames = rawFrames(client);
    client.send({ type: 'ping' });
    await client.waitFor((m) => m.type === 'pong');
    expect(frames).toEqual(['{"type":"pong"}']);
  });

  it('keeps two jobs answered in one turn in two frames, in order', async () => {
    const client = track(await WsClient.mount(app.base, '/counter'));
    const frames = rawFrames(client);
    client.ws.send('{"type":"event","ref":21,"event":"inc","params":{}}');
    client.ws.send('{"type":"event","ref":22,"event":"inc","params":{}}');
    await client.waitFor((m) => m.type === 'patch' && m.ref === 22);
    await client.waitFor(() => frames.length === 2);
    expect(frames.map((f) => (JSON.parse(f) as { ref?: number }[])[0]?.ref)).toEqual([21, 22]);
  });
});

describe('WebSocket transport: limits', () => {
  it('answers queue_full when more than maxQueuedEvents wait', async () => {
    const client = track(await WsClient.mount(app.base, '/counter'));
    for (let ref = 1; ref <= 12; ref += 1) client.send({ type: 'event', ref, event: 'slow', params: { ms: 20 } });
    await client.waitFor((m) => m.ref === 12);
    const full = client.messages.filter((m) => m.code === 'queue_full');
    expect(full.length).toBeGreaterThan(0);
    expect(full[0]?.message).toMatch(/maxQueuedEvents/);
  });
});

describe('WebSocket transport: heartbeat and capacity', () => {
  it('drops a peer that stops answering pings', async () => {
    const small = await startApp((live) => live.route('/counter', CounterView), { heartbeatMs: 100, logger });
    try {
      const ws = new WebSocket(`${small.base.replace('http', 'ws')}/djust/ws`, { autoPong: false });
      await new Promise((resolve) => ws.once('open', resolve));
      const code = await new Promise<number>((resolve) => ws.once('close', (c) => resolve(c)));
      expect(code).toBe(1006);
      for (let i = 0; i < 100 && small.live.connectionCount > 0; i += 1) await new Promise((r) => setTimeout(r, 10));
      expect(small.live.connectionCount).toBe(0);
    } finally {
      await small.close();
    }
  });

  it('keeps a peer that answers no pings but keeps sending frames (anything it sends shows it is there)', async () => {
    const small = await startApp((live) => live.route('/counter', CounterView), { heartbeatMs: 100, logger });
    try {
      const ws = new WebSocket(`${small.base.replace('http', 'ws')}/djust/ws`, { autoPong: false });
      await new Promise((resolve) => ws.once('open', resolve));
      let closed: number | null = null;
      let pongs = 0;
      ws.on('close', (code) => (closed = code));
      ws.on('message', (data: Buffer) => {
        if ((JSON.parse(data.toString()) as { type: string }).type === 'pong') pongs += 1;
      });
      for (let i = 0; i < 10 && closed === null; i += 1) {
        ws.send('{"type":"ping"}');
        await new Promise((r) => setTimeout(r, 45));
      }
      expect(closed).toBeNull();
      expect(pongs).toBeGreaterThan(5);
      ws.terminate();
    } finally {
      await small.close();
    }
  });

  it('keeps a peer that answers pings', async () => {
    const small = await startApp((live) => live.route('/counter', CounterView), { heartbeatMs: 100, logger });
    try {
      const client = await WsClient.mount(small.base, '/counter');
      await new Promise((r) => setTimeout(r, 350));
      await stillWorks(client);
      await client.close();
    } finally {
      await small.close();
    }
  });

  it('drops the parsed region of a connection that stopped updating, and patches correctly after', async () => {
    const compact = jest.spyOn(RegionState.prototype, 'compact'); // observes; the real method runs
    const small = await startApp((live) => live.route('/counter', CounterView), { heartbeatMs: 100, logger });
    try {
      const client = await WsClient.mount(small.base, '/counter');
      client.send({ type: 'event', ref: 1, event: 'inc', params: {} });
      await client.eventResult(1);
      const before = compact.mock.calls.length;
      for (let i = 0; i < 100 && compact.mock.calls.length === before; i += 1) await new Promise((r) => setTimeout(r, 20));
      expect(compact.mock.calls.length).toBeGreaterThan(before);
      client.send({ type: 'event', ref: 2, event: 'set-label', params: { label: 'after <idle>' } });
      const [patch] = await client.eventResult(2);
      expect(patch).toMatchObject({ type: 'patch', ref: 2 });
      expect(client.region()).toBe('<p id="count">1</p><p id="label">after &lt;idle&gt;</p>');
      await client.close();
    } finally {
      compact.mockRestore();
      await small.close();
    }
  });

  it('answers 429 past maxConnections and serves again once one closes', async () => {
    const small = await startApp((live) => live.route('/counter', CounterView), { maxConnections: 1, logger });
    try {
      const first = await WsClient.open(small.base);
      await expect(WsClient.open(small.base)).rejects.toThrow(/429/);
      await first.close();
      await new Promise((r) => setTimeout(r, 20));
      const again = await WsClient.open(small.base);
      await again.close();
    } finally {
      await small.close();
    }
  });

  it('close() ends every connection and unmounts its view', async () => {
    const small = await startApp((live) => live.route('/counter', CounterView), { logger });
    const before = CounterView.unmountCalls;
    const client = await WsClient.mount(small.base, '/counter');
    await small.close();
    expect(await client.waitForClose()).toBe(1001);
    await new Promise((r) => setTimeout(r, 20));
    expect(CounterView.unmountCalls).toBeGreaterThan(before);
  });
});

describe('WebSocket transport: a client that does not read (option maxBufferedBytes)', () => {
  const quiet = { warn: () => {}, error: () => {} };
  type Raw = { _socket: { cork(): void; uncork(): void } };

  it('answers many events that arrive in one packet, though their answers exceed the limit together', async () => {
    const small = await startApp((live) => live.route('/counter', CounterView), { maxBufferedBytes: 1024, maxEventsPerSecond: 10_000, logger: quiet });
    try {
      const client = await WsClient.mount(small.base, '/counter');
      const socket = (client.ws as unknown as Raw)._socket;
      socket.cork(); // all twelve frames leave in one TCP write, so the server reads them in one turn
      for (let ref = 1; ref <= 12; ref += 1) client.send({ type: 'event', ref, event: 'inc', params: {} });
      socket.uncork();
      await client.waitFor((m) => m.type === 'flash' && m.message === 'Now 12');
      const bytes = client.messages.filter((m) => typeof m.ref === 'number' || m.type !== 'mounted').reduce((n, m) => n + JSON.stringify(m).length, 0);
      expect(bytes).toBeGreaterThan(2048);
      expect(client.messages.filter((m) => m.type === 'patch')).toHaveLength(12);
      expect(client.closeCode ?? null).toBeNull();
      await client.close();
    } finally {
      await small.close();
    }
  });

  it('closes (1008) a connection whose client stopped reading while pushes pile up, and leaves the others working', async () => {
    const warnings: string[] = [];
    const small = await startApp((live) => live.route('/counter', CounterView).route('/push', PushView), {
      maxBufferedBytes: 64 * 1024,
      maxEventsPerSecond: 10_000,
      logger: { warn: (m) => warnings.push(m), error: () => {} },
    });
    try {
      const stalled = await WsClient.mount(small.base, '/push');
      const other = await WsClient.mount(small.base, '/counter');
      // Not reading its socket only stops the server reading this client's frames; pushes
      // (broadcasts) still make answers, which pile up until maxBufferedBytes closes it. One
      // broadcast a turn: each renders on its own (several waiting would render once as a batch,
      // lib/connection/info-batch.ts, and pile up less).
      stalled.ws.pause();
      for (let i = 0; i < 600 && !warnings.length; i += 1) {
        small.live.broadcast('news', `${i}`.padEnd(30_000, i % 2 ? 'a' : 'b'));
        await new Promise((r) => setImmediate(r));
        if (i % 20 === 0) await new Promise((r) => setTimeout(r, 10));
      }
      for (let i = 0; i < 200 && !warnings.length; i += 1) await new Promise((r) => setTimeout(r, 10));
      expect(warnings.join('\n')).toMatch(/client is not reading \(over maxBufferedBytes\)/);
      other.send({ type: 'event', ref: 1, event: 'inc', params: {} });
      expect((await other.eventResult(1))[0]).toMatchObject({ type: 'patch', ref: 1 });
      stalled.ws.resume();
      expect(await stalled.waitForClose()).toBe(1008);
      await other.close();
    } finally {
      await small.close();
    }
  });
});
