/**
 * Nothing a view does after it has gone can crash the process: a late promise that calls
 * sendAfter, subscribe, pushEvent, putFlash, the head setters or startAsync after the view
 * unmounted (connection ended, navigated away, HTTP render ended) does nothing, with one
 * debug line naming the call and why the view is gone. During the HTTP render, sendAfter still
 * throws, with a message that says so. Real server on 127.0.0.1:0, real ws / SSE clients.
 */
import express from 'express';
import { AsyncResult, djustLite, eventHandler, LiveView, type DjustLite, type MountContext } from '../../lib';
import { liveTest } from '../../lib/testing';
import { memoryEnvironment } from '../helpers/memory-templates';
import { startApp, WsClient, type TestApp } from '../helpers/server';

const TEMPLATES: Record<string, string> = {
  'layout.njk': '<!doctype html><html><head>{% djust_head %}</head><body>{% djust_flash %}{% block content %}{% endblock %}{% djust_scripts %}</body></html>',
  'late.njk': '{% extends "layout.njk" %}{% block content %}<main dj-root><p>{{ label }}</p></main>{% endblock %}',
};

/** The calls a late promise makes; each must log exactly one line. */
const LATE_CALLS = ['sendAfter()', 'subscribe()', 'unsubscribe()', 'pushEvent("toast")', 'putFlash', 'clearFlash', 'pageTitle', 'pageMeta', 'pageLinks', 'assignAsync("user")', 'startAsync("load")'];

interface Gate {
  connected: boolean;
  open: () => void;
}

let gates: Gate[];
let unmounted: { view: string; done: () => void }[];
let lateRuns: string[];

class LateView extends LiveView {
  static override template = 'late.njk';
  label = 'late';
  user = AsyncResult.loading<string>();

  override mount(ctx: MountContext) {
    // The natural way to "load data without blocking" before startAsync: a detached promise.
    const wait = new Promise<void>((resolve) => gates.push({ connected: ctx.connected, open: resolve }));
    void wait.then(() => this.late());
  }

  late() {
    this.sendAfter('tick', 1);
    this.subscribe('news');
    this.unsubscribe('news');
    this.pushEvent('toast', { text: 'late' });
    this.putFlash('info', 'late');
    this.clearFlash();
    this.pageTitle = 'late';
    this.pageMeta = { description: 'late' };
    this.pageLinks = { canonical: '/late' };
    this.assignAsync('user', async () => ({ user: 'late' }));
    this.startAsync('load', async () => 'late');
    lateRuns.push(this.constructor.name);
  }

  @eventHandler()
  go() {
    this.pushNavigate('/other');
  }

  handleInfo() {}

  override unmount() {
    for (const u of unmounted) u.done();
  }
}

class OtherView extends LiveView {
  static override template = 'late.njk';
  label = 'other';
}

/** Calls sendAfter during the HTTP render: a mistake, answered with an error that says so. */
class EagerView extends LiveView {
  static override template = 'late.njk';
  label = 'eager';

  override mount() {
    this.sendAfter('tick', 10);
  }
}

function untilUnmounted(): Promise<void> {
  return new Promise((resolve) => unmounted.push({ view: 'LateView', done: resolve }));
}

/** Polls `check` up to 2 s (a dropped call sends no message to wait for). */
async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i += 1) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(check()).toBe(true);
}

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};
beforeAll(() => process.on('unhandledRejection', onUnhandled));
afterAll(() => process.off('unhandledRejection', onUnhandled));

describe('View calls after unmount', () => {
  let debug: string[];
  let errors: { message: string; error: unknown }[];
  let app: TestApp;
  const routes = (live: DjustLite): void => {
    live.route('/late', LateView, { liveSession: 'app' });
    live.route('/other', OtherView, { liveSession: 'app' });
    live.route('/eager', EagerView);
  };

  beforeEach(async () => {
    gates = [];
    unmounted = [];
    lateRuns = [];
    debug = [];
    errors = [];
    unhandled.length = 0;
    app = await startApp(routes, {
      env: memoryEnvironment(TEMPLATES),
      logger: { debug: (line) => debug.push(line), warn() {}, error: (message, error) => errors.push({ message, error }) },
    });
  });

  afterEach(async () => {
    for (const gate of gates) gate.open();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await app.close();
    expect(unhandled).toEqual([]);
  });

  /** The lines the late calls logged with `why`: exactly one per call. */
  function expectIgnored(why: string): void {
    const lines = debug.filter((line) => line.includes('LateView.') && line.includes('after the view unmounted'));
    expect(lines.map((line) => /LateView\.(.*?) was called/.exec(line)?.[1])).toEqual(LATE_CALLS);
    for (const line of lines) {
      expect(line).toContain(`after the view unmounted (${why}); ignored`);
      expect(line).not.toContain('ctx.connected'); // it was connected: never blame the HTTP render
    }
  }

  it('ignores every call of a late promise after the WebSocket closed, one debug line each', async () => {
    const client = await WsClient.mount(app.base, '/late');
    const gone = untilUnmounted();
    await client.close();
    await gone;
    const connected = gates.find((g) => g.connected) as Gate;
    connected.open();
    await until(() => lateRuns.length === 1);
    expectIgnored('connection ended');
    expect(errors).toEqual([]);
  });

  it('ignores them after the view navigated away, naming where it went', async () => {
    const client = await WsClient.mount(app.base, '/late');
    const gone = untilUnmounted();
    client.send({ type: 'event', event: 'go', params: {}, ref: 1 });
    await client.waitFor((m) => m.type === 'navigate');
    await gone;
    (gates.find((g) => g.connected) as Gate).open();
    await until(() => lateRuns.length === 1);
    expectIgnored('navigated to OtherView');
    // The new view got nothing of the old one's late calls.
    await new Promise((resolve) => setTimeout(resolve, 30));
    const after = client.messages.slice(client.messages.findIndex((m) => m.type === 'navigate'));
    expect(after.filter((m) => JSON.stringify(m).includes('late'))).toEqual([]);
    expect(after.some((m) => m.type === 'flash' || m.type === 'push_event')).toBe(false);
    await client.close();
  });

  it('ignores them after the HTTP render ended (the view of the HTTP render unmounts too)', async () => {
    const page = await fetch(`${app.base}/late`);
    expect(page.status).toBe(200);
    const rendered = gates.find((g) => !g.connected) as Gate;
    rendered.open();
    await until(() => lateRuns.length === 1);
    expectIgnored('its HTTP render ended');
  });

  it('ignores them after an SSE stream ended (liveTest)', async () => {
    const expressApp = express();
    const live = djustLite({ env: memoryEnvironment(TEMPLATES), logger: { debug: (line) => debug.push(line), warn() {}, error() {} } });
    routes(live);
    expressApp.use(live);
    const view = await liveTest(expressApp, '/late', { transport: 'sse' });
    const gone = untilUnmounted();
    await view.close();
    await gone;
    (gates.filter((g) => g.connected).at(-1) as Gate).open();
    await until(() => lateRuns.length === 1);
    expectIgnored('connection ended');
    await live.close();
  });

  it('still refuses sendAfter during the HTTP render, saying that is the cause', async () => {
    const seen: Error[] = [];
    const expressApp = express();
    const live = djustLite({ env: memoryEnvironment(TEMPLATES), logger: { warn() {}, error() {} } });
    live.route('/eager', EagerView);
    expressApp.use(live);
    expressApp.use((err: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      seen.push(err);
      res.status(500).end();
    });
    const server = expressApp.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as { port: number };
    const res = await fetch(`http://127.0.0.1:${port}/eager`);
    expect(res.status).toBe(500);
    expect(seen[0]).toMatchObject({ code: 'DJUST_ERR_NOT_CONNECTED' });
    expect(seen[0]?.message).toContain('EagerView.sendAfter() was called during the HTTP render');
    expect(seen[0]?.message).not.toContain('unmounted');
    await live.close();
    await new Promise((resolve) => server.close(resolve));
  });
});
