/**
 * maxConnections and maxConnectionsPerClient, counted for WebSocket and SSE together: over a cap
 * the WS upgrade and the SSE GET answer 429 with the reason, logged at debug; the connections
 * already open carry on; a closed one frees its place.
 */
import { fetchPage } from '../../lib/testing/page';
import { resolveOptions } from '../../lib/config/options';
import { ConnectionLimits } from '../../lib/transport/connection-limits';
import { rawUpgrade } from '../helpers/raw-upgrade';
import { startApp, WsClient, type TestApp } from '../helpers/server';
import { counterRoutes, post, SseStream, sessionId, streamPath } from '../helpers/sse-support';

describe('ConnectionLimits', () => {
  it('refuses past the total, then past the per-client count, naming the option; closing frees a place', () => {
    const limits = new ConnectionLimits(3, 2);
    expect(limits.refusal('a')).toBeNull();
    limits.opened('a');
    limits.opened('a');
    expect(limits.refusal('a')).toBe('this client address already has 2 live connections, WebSocket and SSE together (option maxConnectionsPerClient)');
    expect(limits.refusal('b')).toBeNull();
    limits.opened('b');
    expect(limits.count).toBe(3);
    expect(limits.refusal('c')).toBe('3 live connections already (option maxConnections)');
    limits.closed('a');
    expect([limits.count, limits.countOf('a'), limits.refusal('a')]).toEqual([2, 1, null]);
    limits.closed('a');
    limits.closed('b');
    expect([limits.count, limits.countOf('a'), limits.countOf('b')]).toEqual([0, 0, 0]);
  });
});

describe('option maxConnectionsPerClient', () => {
  it('defaults to 100; the SSE-only name of 0.0 is refused, pointing at it', () => {
    expect(resolveOptions().maxConnectionsPerClient).toBe(100);
    expect(resolveOptions({ maxConnectionsPerClient: 7 }).maxConnectionsPerClient).toBe(7);
    expect(() => resolveOptions({ maxSessionsPerClient: 7 } as never)).toThrow(/maxSessionsPerClient.*maxConnectionsPerClient/);
  });
});

describe('connection limits on a live server', () => {
  const streams: SseStream[] = [];
  const sockets: WsClient[] = [];
  let app: TestApp | null = null;
  const debug = jest.fn<void, [string]>();

  afterEach(async () => {
    for (const stream of streams.splice(0)) stream.close();
    await Promise.all(sockets.splice(0).map((ws) => ws.close()));
    await app?.close();
    app = null;
    debug.mockClear();
  });

  async function openSse(a: TestApp): Promise<{ stream: SseStream; session: string }> {
    const { token } = await fetchPage(a.base, '/counter');
    const session = sessionId();
    const stream = await SseStream.open(a.base, streamPath(session, token));
    streams.push(stream);
    return { stream, session };
  }

  async function mountWs(a: TestApp): Promise<WsClient> {
    const ws = await WsClient.mount(a.base, '/counter');
    sockets.push(ws);
    return ws;
  }

  it('maxConnectionsPerClient counts WS and SSE together: a third of either answers 429 with the reason; the two open ones go on', async () => {
    app = await startApp(counterRoutes, { maxConnectionsPerClient: 2, sseLingerMs: 0, logger: { debug, warn: jest.fn(), error: jest.fn() } });
    const ws = await mountWs(app);
    const sse = await openSse(app);
    await sse.stream.next('mounted');
    expect(app.live.connectionCount).toBe(2);

    const upgrade = await rawUpgrade(app.base);
    expect(upgrade).toEqual({
      status: 429,
      body: 'Too Many Requests: this client address already has 2 live connections, WebSocket and SSE together (option maxConnectionsPerClient).\n',
      closed: true,
    });
    const third = await openSse(app);
    expect(third.stream.status).toBe(429);
    await third.stream.waitForEnd();
    expect(third.stream.raw).toBe('Too Many Requests: this client address already has 2 live connections, WebSocket and SSE together (option maxConnectionsPerClient).\n');
    expect(debug.mock.calls.map(([line]) => line)).toEqual(expect.arrayContaining([
      expect.stringMatching(/^djust-lite:refusal WebSocket upgrade from 127\.0\.0\.1 refused with 429: this client address already has 2 live connections/),
      expect.stringMatching(/^djust-lite:refusal SSE GET \/djust\/sse\/test-session-[\w-]+ from 127\.0\.0\.1 refused with 429: Too Many Requests: this client address/),
    ]));
    expect(debug.mock.calls.some(([line]) => line.includes('token='))).toBe(false); // the query (token) is never logged
    expect(app.live.connectionCount).toBe(2);

    // Both open connections carry on.
    ws.send({ type: 'event', ref: 1, event: 'inc' });
    expect((await ws.eventResult(1))[0]).toMatchObject({ type: 'patch', ref: 1 });
    expect((await post(app.base, sse.session, { type: 'event', ref: 2, event: 'inc' })).status).toBe(202);
    await sse.stream.next('patch', (m) => m.ref === 2);

    // A closed connection frees its place, for either transport.
    await ws.close();
    await ws.waitForClose();
    for (let i = 0; i < 100 && app.live.connectionCount > 1; i += 1) await new Promise((r) => setTimeout(r, 10));
    const again = await openSse(app);
    await again.stream.next('mounted');
  });

  it('429 past maxConnections on the upgrade, with the reason in the body; the socket is closed', async () => {
    app = await startApp(counterRoutes, { maxConnections: 1, logger: { debug, warn: jest.fn(), error: jest.fn() } });
    const ws = await mountWs(app);
    const refused = await rawUpgrade(app.base);
    expect(refused).toEqual({ status: 429, body: 'Too Many Requests: 1 live connections already (option maxConnections).\n', closed: true });
    ws.send({ type: 'event', ref: 1, event: 'inc' });
    expect((await ws.eventResult(1))[0]).toMatchObject({ type: 'patch', ref: 1 });
  });

  it('403 for a foreign Origin on the upgrade: reason in the body, logged at debug, socket closed', async () => {
    app = await startApp(counterRoutes, { logger: { debug, warn: jest.fn(), error: jest.fn() } });
    const refused = await rawUpgrade(app.base, { Origin: 'https://evil.example' });
    expect(refused).toEqual({ status: 403, body: 'Forbidden: Origin not allowed (option allowedOrigins).\n', closed: true });
    expect(debug).toHaveBeenCalledWith('djust-lite:refusal WebSocket upgrade from 127.0.0.1 refused with 403: Origin not allowed (option allowedOrigins).');
    expect(app.live.connectionCount).toBe(0);
  });
});
