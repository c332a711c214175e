/**
 * A connection that closed is let go at once, not held by its transport's mount-deadline queue
 * until `mountTimeoutMs` passes: a client that opens and closes sockets quickly must not make the
 * server keep every closed view, socket and buffer for that long (before, 114 fuzz connections
 * closed in a second left ~4 MiB on the heap for 10 s: each one's Connection, sink, `ws` socket
 * and TCP socket). Nor may an async task that outlives its view (it ignores its abort signal)
 * hold the connection until it settles. Checked with V8's own collector (a FinalizationRegistry
 * counts the server's sockets and views it reclaimed), over both transports, with a deadline far
 * in the future. Not WeakRefs: V8 keeps a WeakRef's target alive until the end of the job that
 * made it, and a job in the middle of jest's machinery may not end before the check.
 */
import type { Socket } from 'node:net';
import v8 from 'node:v8';
import vm from 'node:vm';
import { eventHandler, LiveView, type DjustLite, type MountContext } from '../../lib';
import { fetchPage } from '../../lib/testing/page';
import { startApp, WsClient, type TestApp } from '../helpers/server';
import { sessionId, SseStream, streamPath } from '../helpers/sse-support';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

type Kind = 'views' | 'sockets';
/** What the current test registered, and what of it the collector reclaimed (a test's leftovers reclaimed later are not counted). */
let test = 0;
let registered = { views: 0, sockets: 0 };
let reclaimed = { views: 0, sockets: 0 };
const collected = new FinalizationRegistry<{ test: number; kind: Kind }>((held) => {
  if (held.test === test) reclaimed[held.kind] += 1;
});
function watch(kind: Kind, target: object): void {
  registered[kind] += 1;
  collected.register(target, { test, kind });
}

/** Watches each connected instance, and counts their unmounts (the HTTP render's are left out). */
class Tracked extends LiveView {
  static template = 'counter.njk';
  static unmounted = 0;
  count = 0;
  label = 'tracked';
  live = false;

  mount(ctx: MountContext): void {
    this.live = ctx.connected;
    if (ctx.connected) watch('views', this);
  }

  unmount(): void {
    if (this.live) Tracked.unmounted += 1;
  }
}

/**
 * Starts a task that ignores its signal and settles only when the test lets it (as a call to a
 * slow service would): until then something outside the view holds the task's promise.
 */
class Waiting extends Tracked {
  static settle: (() => void)[] = [];

  override mount(ctx: MountContext): void {
    super.mount(ctx);
    if (ctx.connected) this.startAsync('slow', () => new Promise<void>((resolve) => Waiting.settle.push(resolve)));
  }
}

/** Its event handler waits on something outside the view (a slow service) until the test lets it go. */
class Stuck extends Tracked {
  static settle: (() => void)[] = [];

  @eventHandler()
  async save(): Promise<void> {
    await new Promise<void>((resolve) => Stuck.settle.push(resolve));
    this.count += 1;
  }
}

function routes(live: DjustLite): void {
  live.route('/tracked', Tracked);
  live.route('/waiting', Waiting);
  live.route('/stuck', Stuck);
}

let app: TestApp;
/** What the server logged at warn or error. */
const errors: string[] = [];
beforeEach(async () => {
  test += 1;
  registered = { views: 0, sockets: 0 };
  reclaimed = { views: 0, sockets: 0 };
  Tracked.unmounted = 0;
  // Every TCP socket the server accepts (page loads, WebSockets, SSE streams) is watched.
  errors.length = 0;
  app = await startApp(routes, { mountTimeoutMs: 60_000, sseLingerMs: 0, logger: { warn: (m) => void errors.push(m), error: (m) => void errors.push(m) } });
  app.server.on('connection', (socket: Socket) => watch('sockets', socket));
});
afterEach(async () => {
  for (const settle of [...Waiting.settle.splice(0), ...Stuck.settle.splice(0)]) settle();
  await app.close();
});

/** Waits (real time, bounded) until `test` holds. */
async function until(test: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 300 && !test(); i += 1) await new Promise((resolve) => setTimeout(resolve, 10));
  if (!test()) throw new Error(`timed out waiting for ${what}`);
}

/**
 * Views and server sockets registered in this test and not reclaimed after full collections (a
 * few turns apart, so nothing on the stack holds one; the registry's callbacks run in between).
 */
async function survivors(): Promise<{ views: number; sockets: number }> {
  app.server.closeIdleConnections(); // page loads' keep-alive sockets
  for (let i = 0; i < 5; i += 1) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    gc();
  }
  await new Promise((resolve) => setTimeout(resolve, 20));
  return { views: registered.views - reclaimed.views, sockets: registered.sockets - reclaimed.sockets };
}

/** `count` connected views unmounted and their connections ended: none of them, nor any server socket, is left after collection. */
async function expectNothingLeft(count: number): Promise<void> {
  await until(() => Tracked.unmounted === count && app.live.connectionCount === 0, `the ${count} views to unmount`);
  expect(registered.views).toBe(count);
  expect(registered.sockets).toBeGreaterThanOrEqual(count);
  expect(await survivors()).toEqual({ views: 0, sockets: 0 });
}

describe('a closed connection is released before its mount deadline passes', () => {
  it('WebSocket: 20 mounted sockets closed by their clients leave no view or socket behind', async () => {
    for (let i = 0; i < 20; i += 1) {
      const ws = await WsClient.mount(app.base, '/tracked');
      await ws.close();
    }
    await expectNothingLeft(20);
  });

  it('SSE: 10 mounted streams closed by their clients leave no view or socket behind', async () => {
    for (let i = 0; i < 10; i += 1) {
      const { token } = await fetchPage(app.base, '/tracked');
      const stream = await SseStream.open(app.base, streamPath(sessionId(), token));
      await stream.next('mounted');
      stream.close();
    }
    await expectNothingLeft(10);
  });

  it('a task still running after its view unmounted holds neither the view nor the socket', async () => {
    for (let i = 0; i < 10; i += 1) {
      const ws = await WsClient.mount(app.base, '/waiting');
      await ws.close();
    }
    await until(() => Tracked.unmounted === 10 && app.live.connectionCount === 0, 'the 10 views to unmount');
    expect(Waiting.settle).toHaveLength(10); // every task still pending
    expect(await survivors()).toEqual({ views: 0, sockets: 0 });
  });

  it('a handler still waiting when its socket closed holds neither the socket nor a deadline timer, and settling later does nothing', async () => {
    for (let i = 0; i < 10; i += 1) {
      const ws = await WsClient.mount(app.base, '/stuck');
      ws.send({ type: 'event', ref: 1, event: 'save', params: {} });
      await until(() => Stuck.settle.length === i + 1, 'the handler to start');
      await ws.close();
    }
    await until(() => Tracked.unmounted === 10 && app.live.connectionCount === 0, 'the 10 views to unmount');
    // The handlers' own closures still hold their views (user code); the connections are let go.
    expect((await survivors()).sockets).toBe(0);
    for (const settle of Stuck.settle.splice(0)) settle();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(errors).toEqual([]);
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
