/**
 * Mounted under a sub-path (`app.use('/app', live)`, or in an `express.Router()`), with no
 * other setting: the script tag, the bundle, the WebSocket and SSE endpoints, pushPatch and
 * dj-patch URLs all follow the mount path; the same middleware still serves the root.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { djustLite, DjustError, type DjustLite } from '../../lib';
import { liveTest, type LiveTestView } from '../../lib/testing';
import { fetchPage, request } from '../../lib/testing/page';
import { WebSocketChannel } from '../../lib/testing/websocket';
import { envelope } from '../../lib/testing/messages';
import { openSseStream, postEnvelope, sseStreamUrl } from '../../lib/testing/sse';
import type { ServerMessage } from '../../lib/contract/protocol';
import { DEPLOY_VIEWS, StoreView } from './store-app';

const SECRET = 'sub-path-test-secret-0123456789abcdef0123';
const quiet = { warn: () => {}, error: () => {} };

function store(): DjustLite {
  return djustLite({ views: DEPLOY_VIEWS, secret: SECRET, logger: quiet }).route('/store/:id', StoreView);
}

/** The two ways to mount under `/app`; `seen` records the paths Express middleware sees. */
const mounts = {
  'app.use("/app", live)': () => {
    const live = store();
    const app = express();
    const seen: string[] = [];
    app.use((req, _res, next) => void (seen.push(req.path), next()));
    app.use('/app', live);
    return { app, live, seen };
  },
  'express.Router() at /app': () => {
    const live = store();
    const app = express();
    const seen: string[] = [];
    app.use((req, _res, next) => void (seen.push(req.path), next()));
    const router = express.Router();
    router.use(live);
    app.use('/app', router);
    return { app, live, seen };
  },
};

function listen(app: express.Express): Promise<{ server: http.Server; base: string }> {
  const server = http.createServer(app);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })));
}

async function stop(server: http.Server, live: DjustLite): Promise<void> {
  await live.close();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

beforeEach(() => {
  StoreView.mounts = [];
});

describe.each(Object.entries(mounts))('mounted by %s', (_name, make) => {
  it('the script tag points under the mount path and its URL loads the bundle', async () => {
    const { app, live } = make();
    const { server, base } = await listen(app);
    try {
      const page = await fetchPage(base, '/app/store/1');
      expect(page.status).toBe(200);
      expect(page.prefix).toBe('/app/djust');
      const src = /<script type="module" src="([^"]+)"/.exec(page.html)?.[1] ?? '';
      expect(src).toMatch(/^\/app\/djust\/djust\.min\.js\?v=/);
      const bundle = await request(base + src);
      expect(bundle.status).toBe(200);
      expect(bundle.headers['content-type']).toMatch(/javascript/);
      expect((await request(`${base}/djust/djust.min.js`)).status).toBe(404);
    } finally {
      await stop(server, live);
    }
  });

  describe.each(['websocket', 'sse'] as const)('over %s', (transport) => {
    let view: LiveTestView | null = null;
    afterEach(async () => {
      await view?.close();
      view = null;
    });

    it('mount → event → pushPatch → dj-patch, URLs as the browser sees them', async () => {
      const { app } = make();
      view = await liveTest(app, '/app/store/1', { transport });
      expect(view.title).toBe('Item 1');
      expect(StoreView.mounts.map((m) => [m.connected, m.url, m.baseUrl, m.params])).toEqual([
        [false, '/app/store/1', '/app', { id: '1' }],
        [true, '/app/store/1', '/app', { id: '1' }],
      ]);

      await view.event('click');
      expect(view.title).toBe('Item 1 (1)');
      expect(view.meta('description')).toBe('Clicked 1');

      const patched = await view.event('forward');
      expect(patched.messages.find((m) => m.type === 'navigate')).toEqual({ type: 'navigate', url: '/app/store/2?from=1', replace: false });
      expect(view.url).toBe('/app/store/2?from=1');
      expect(view.title).toBe('Item 2');
      expect(view.html()).toContain('<p id="url">/app/store/2?from=1</p>');
      expect(view.html()).toContain('href="/app/store/3"');

      await view.navigate('/app/store/3'); // a dj-patch link click
      expect(view.title).toBe('Item 3');
      expect(view.meta('description')).toBe('About item 3');
      expect(view.html()).toContain('<p id="item">3</p>');
    });

    it('refuses a pushPatch or dj-patch URL outside the mount path', async () => {
      const { app } = make();
      view = await liveTest(app, '/app/store/1', { transport });
      await expect(view.event('outside')).rejects.toMatchObject({ code: 'handler_failed', message: expect.stringContaining('route "/app/store/:id"') });
      await expect(view.navigate('/store/2')).rejects.toBeInstanceOf(DjustError);
      expect(view.title).toBe('Item 1');
    });
  });

  it('attached, live traffic under the mount path skips Express once the mount path is known', async () => {
    const { app, live, seen } = make();
    const { server, base } = await listen(app);
    live.attach(server);
    try {
      const view = await liveTest(server, '/app/store/1', { transport: 'sse' });
      await view.event('click');
      await view.close();
      expect(seen.filter((p) => p.includes('/sse/'))).toEqual([]);
      expect(seen).toContain('/app/store/1');
      expect(base).toMatch(/^http:/);
    } finally {
      await stop(server, live);
    }
  });
});

describe('one middleware mounted at the root and at /app', () => {
  it('serves both, each page with its own URLs', async () => {
    const live = store();
    const app = express();
    app.use('/app', live);
    app.use(live);
    const root = await liveTest(app, '/store/1', { transport: 'websocket' });
    const sub = await liveTest(app, '/app/store/5', { transport: 'sse' });
    try {
      await root.event('forward');
      await sub.event('forward');
      expect([root.url, root.title]).toEqual(['/store/2?from=1', 'Item 2']);
      expect([sub.url, sub.title]).toEqual(['/app/store/6?from=5', 'Item 6']);
      const page = await fetchPage(root.origin, '/store/1');
      expect(page.prefix).toBe('/djust');
    } finally {
      await root.close();
      await sub.close();
    }
  });
});

describe('a restarted server, before any page under the mount path was served', () => {
  /** The token of a page served by an earlier process (same secret). */
  async function tokenFromEarlierProcess(): Promise<string> {
    const { app, live } = mounts['app.use("/app", live)']();
    const { server, base } = await listen(app);
    try {
      return (await fetchPage(base, '/app/store/4')).token;
    } finally {
      await stop(server, live);
    }
  }

  it('takes the WebSocket at /app/djust/ws (alone on the server) and mounts with the token’s mount path', async () => {
    const token = await tokenFromEarlierProcess();
    const { app, live } = mounts['app.use("/app", live)']();
    const { server, base } = await listen(app);
    live.attach(server);
    const got: ServerMessage[] = [];
    const channel = new WebSocketChannel(`${base.replace('http', 'ws')}/app/djust/ws`, { message: (m) => void got.push(m) });
    try {
      await channel.opened;
      channel.send(envelope.mount(token, '/app/store/4'));
      for (let i = 0; i < 100 && !got.some((m) => m.type === 'page_metadata'); i += 1) await new Promise((r) => setTimeout(r, 20));
      expect(got[0]?.type).toBe('mounted');
      expect(got).toContainEqual({ type: 'page_metadata', action: 'title', value: 'Item 4' });
      expect(StoreView.mounts.at(-1)).toMatchObject({ connected: true, baseUrl: '/app', url: '/app/store/4' });
      const other = new WebSocketChannel(`${base.replace('http', 'ws')}/app/elsewhere`, { message: () => {} });
      await expect(other.opened).rejects.toThrow(/404/);
    } finally {
      await channel.close();
      await stop(server, live);
    }
  });

  it('passes an SSE stream under /app/djust to Express, which routes it to the middleware (that learns /app)', async () => {
    const token = await tokenFromEarlierProcess();
    const { app, live, seen } = mounts['app.use("/app", live)']();
    const { server, base } = await listen(app);
    live.attach(server);
    const got: ServerMessage[] = [];
    const stream = openSseStream(sseStreamUrl(base, '/app/djust', 'restart-session-1', { token, url: '/app/store/4' }), { record: (r) => void (r.message && got.push(r.message)) });
    try {
      expect((await stream.response).statusCode).toBe(200);
      for (let i = 0; i < 100 && !got.some((m) => m.type === 'page_metadata'); i += 1) await new Promise((r) => setTimeout(r, 20));
      expect(got).toContainEqual({ type: 'page_metadata', action: 'title', value: 'Item 4' });
      expect(seen).toEqual(['/app/djust/sse/restart-session-1']);
      // Learned: the next request under /app/djust skips Express.
      expect((await postEnvelope(base, '/app/djust', 'restart-session-1', token, envelope.ping())).status).toBe(202);
      expect(seen).toEqual(['/app/djust/sse/restart-session-1']);
    } finally {
      stream.req.destroy();
      await stop(server, live);
    }
  });
});
