/**
 * A connection that closed is let go at once, not held by its transport's mount-deadline queue
 * until `mountTimeoutMs` passes: a client that opens and closes sockets quickly must not make the
 * server keep every closed view, socket and buffer for that long (before, 114 fuzz connections
 * closed in a second left ~4 MiB on the heap for 10 s: each one's Connection, sink, `ws` socket
 * and TCP socket). Checked with WeakRefs to the server's sockets and views and V8's own
 * collector, over both transports, with a deadline far in the future.
 */
import type { Socket } from 'node:net';
import v8 from 'node:v8';
import vm from 'node:vm';
import { LiveView, type DjustLite, type MountContext } from '../../lib';
import { fetchPage } from '../../lib/testing/page';
import { startApp, WsClient, type TestApp } from '../helpers/server';
import { sessionId, SseStream, streamPath } from '../helpers/sse-support';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

/** Keeps a WeakRef to each connected instance, and counts their unmounts (the HTTP render's are left out). */
class Tracked extends LiveView {
  static template = 'counter.njk';
  static refs: WeakRef<Tracked>[] = [];
  static unmounted = 0;
  count = 0;
  label = 'tracked';
  live = false;

  mount(ctx: MountContext): void {
    this.live = ctx.connected;
    if (ctx.connected) Tracked.refs.push(new WeakRef(this));
  }

  unmount(): void {
    if (this.live) Tracked.unmounted += 1;
  }
}

function routes(live: DjustLite): void {
  live.route('/tracked', Tracked);
}

let app: TestApp;
/** Every TCP socket the server accepted (page loads, WebSockets, SSE streams). */
let sockets: WeakRef<Socket>[] = [];
beforeEach(async () => {
  Tracked.refs = [];
  Tracked.unmounted = 0;
  sockets = [];
  app = await startApp(routes, { mountTimeoutMs: 60_000, sseLingerMs: 0 });
  app.server.on('connection', (socket: Socket) => void sockets.push(new WeakRef(socket)));
});
afterEach(async () => {
  await app.close();
});

/** Waits (real time, bounded) until `test` holds. */
async function until(test: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 300 && !test(); i += 1) await new Promise((resolve) => setTimeout(resolve, 10));
  if (!test()) throw new Error(`timed out waiting for ${what}`);
}

/** Views and server sockets still reachable after full collections (a few turns apart, so nothing on the stack holds one). */
async function survivors(): Promise<{ views: number; sockets: number }> {
  app.server.closeIdleConnections(); // page loads' keep-alive sockets
  await new Promise((resolve) => setTimeout(resolve, 20));
  for (let i = 0; i < 3; i += 1) {
    await new Promise((resolve) => setImmediate(resolve));
    gc();
  }
  const live = (refs: WeakRef<object>[]) => refs.filter((ref) => ref.deref() !== undefined).length;
  return { views: live(Tracked.refs), sockets: live(sockets) };
}

describe('a closed connection is released before its mount deadline passes', () => {
  it('WebSocket: 20 mounted sockets closed by their clients leave no view or socket behind', async () => {
    for (let i = 0; i < 20; i += 1) {
      const ws = await WsClient.mount(app.base, '/tracked');
      await ws.close();
    }
    await until(() => Tracked.unmounted === 20 && app.live.connectionCount === 0, 'the 20 views to unmount');
    expect(Tracked.refs).toHaveLength(20);
    expect(sockets.length).toBeGreaterThanOrEqual(20);
    expect(await survivors()).toEqual({ views: 0, sockets: 0 });
  });

  it('SSE: 10 mounted streams closed by their clients leave no view or socket behind', async () => {
    for (let i = 0; i < 10; i += 1) {
      const { token } = await fetchPage(app.base, '/tracked');
      const stream = await SseStream.open(app.base, streamPath(sessionId(), token));
      await stream.next('mounted');
      stream.close();
    }
    await until(() => Tracked.unmounted === 10 && app.live.connectionCount === 0, 'the 10 views to unmount');
    expect(Tracked.refs).toHaveLength(10);
    expect(sockets.length).toBeGreaterThanOrEqual(10);
    expect(await survivors()).toEqual({ views: 0, sockets: 0 });
  });

  it('a socket still open keeps its view (the check sees a live one)', async () => {
    const ws = await WsClient.mount(app.base, '/tracked');
    try {
      expect((await survivors()).views).toBe(1);
      expect((await survivors()).sockets).toBeGreaterThanOrEqual(1);
    } finally {
      await ws.close();
    }
  });
});
