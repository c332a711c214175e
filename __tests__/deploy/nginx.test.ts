/**
 * Behind a real reverse proxy: Debian's nginx with the README's config, in front of an app
 * mounted at `/app` with `app.set('trust proxy', 'loopback')`. Over real HTTP through nginx the
 * page renders, the bundle loads, and title/meta update over WebSocket — and over SSE through a
 * server block that does not pass the upgrade.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { djustLite, type DjustLite } from '../../lib';
import { fetchPage, request } from '../../lib/testing/page';
import { appLocation, startNginx, UPGRADE_MAP, type Nginx } from '../helpers/nginx';
import { ProxiedView } from './proxied-view';
import { DEPLOY_VIEWS, StoreView } from './store-app';

const SECRET = 'nginx-test-secret-0123456789abcdef01234567';

let live: DjustLite;
let server: http.Server;
let proxy: Nginx;
/** The request headers the app saw for each page render, as Express reads them. */
const seen: { ip: string | undefined; host: string | undefined; protocol: string }[] = [];
let open: ProxiedView[] = [];

/** Server blocks: 0 passes WebSocket upgrades, 1 does not, 2 leaves Host as nginx's default (the upstream's address). */
const WS = 0;
const NO_UPGRADE = 1;
const REWRITES_HOST = 2;
let app: express.Express;

beforeAll(async () => {
  live = djustLite({ views: DEPLOY_VIEWS, secret: SECRET, logger: { warn: () => {}, error: () => {} } }).route('/store/:id', StoreView);
  app = express();
  app.set('trust proxy', 'loopback');
  app.use((req, _res, next) => {
    if (req.path.startsWith('/app/store')) seen.push({ ip: req.ip, host: req.hostname, protocol: req.protocol });
    next();
  });
  app.use('/app', live);
  server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  live.attach(server);
  proxy = await startNginx((server.address() as AddressInfo).port, [{ mount: '/app' }, { mount: '/app', websocket: false }, { mount: '/app', forwardHost: false }]);
});

afterEach(async () => {
  await Promise.all(open.map((v) => v.close()));
  open = [];
});

afterAll(async () => {
  await proxy?.stop();
  await live?.close();
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
});

async function view(block: number, path: string, transport: 'websocket' | 'sse', headers?: Record<string, string>): Promise<ProxiedView> {
  const v = await ProxiedView.open(proxy.origins[block] as string, path, { transport, headers });
  open.push(v);
  return v;
}

describe('behind nginx, mounted at /app', () => {
  it('runs the config the README shows', () => {
    const readme = readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
    expect(readme).toContain(UPGRADE_MAP);
    expect(readme).toContain(appLocation({ mount: '/app', upstream: '127.0.0.1:3000' }));
  });

  it('renders the page through the proxy; its script URL loads the bundle through the proxy', async () => {
    const origin = proxy.origins[WS] as string;
    const page = await fetchPage(origin, '/app/store/1');
    expect(page.status).toBe(200);
    expect(page.headers.server).toMatch(/^nginx/);
    expect(page.prefix).toBe('/app/djust');
    expect(page.html).toContain('<title>Item 1</title>');
    const src = /<script type="module" src="([^"]+)"/.exec(page.html)?.[1] ?? '';
    expect((await request(origin + src)).status).toBe(200);
    // Express under trust proxy reads the client and the public host from nginx's X-Forwarded-* headers.
    expect(seen.at(-1)).toEqual({ ip: '127.0.0.1', host: '127.0.0.1', protocol: 'http' });
  });

  it('updates title and meta over WebSocket through the proxy', async () => {
    const v = await view(WS, '/app/store/1', 'websocket');
    await v.waitFor((m) => m.type === 'page_metadata' && m.action === 'title', 'the title after mount');
    expect(v.title).toBe('Item 1');
    await v.event('click');
    expect(v.title).toBe('Item 1 (1)');
    expect(v.meta.get('description')).toBe('Clicked 1');
    await v.event('forward');
    expect(v.messages).toContainEqual({ type: 'navigate', url: '/app/store/2?from=1', replace: false });
    expect(v.title).toBe('Item 2');
  });

  it('falls back to SSE where the proxy does not pass the upgrade; title and meta update over it', async () => {
    await expect(view(NO_UPGRADE, '/app/store/1', 'websocket')).rejects.toThrow(/refused: 404/);
    const v = await view(NO_UPGRADE, '/app/store/1', 'sse');
    await v.event('click');
    expect(v.title).toBe('Item 1 (1)');
    expect(v.meta.get('description')).toBe('Clicked 1');
    await v.event('click');
    expect(v.title).toBe('Item 1 (2)');
  });

  it('streams SSE through the proxy unbuffered: each event’s answer arrives while the stream stays open', async () => {
    const v = await view(WS, '/app/store/3', 'sse');
    for (let i = 1; i <= 3; i += 1) {
      await v.event('click');
      expect(v.title).toBe(`Item 3 (${i})`);
    }
    expect(v.closed).toBe(false);
  });
});

describe('trust proxy behind nginx', () => {
  it('accepts the public origin from X-Forwarded-Host/-Proto when the proxy rewrites Host; without trust proxy, 403', async () => {
    const origin = proxy.origins[REWRITES_HOST] as string;
    const v = await view(REWRITES_HOST, '/app/store/1', 'websocket');
    await v.event('click');
    expect(v.title).toBe('Item 1 (1)');
    const s = await view(REWRITES_HOST, '/app/store/1', 'sse');
    await s.event('click');
    expect(s.title).toBe('Item 1 (1)');
    app.set('trust proxy', false);
    try {
      await expect(view(REWRITES_HOST, '/app/store/1', 'websocket')).rejects.toThrow(/refused: 403/);
      await expect(view(REWRITES_HOST, '/app/store/1', 'sse')).rejects.toThrow(/refused: 403/);
      // Through the block that forwards Host, the Origin matches Host itself.
      await view(WS, '/app/store/1', 'websocket');
    } finally {
      app.set('trust proxy', 'loopback');
    }
    expect(origin).toMatch(/^http:\/\/127\.0\.0\.1:/);
  });
});

describe('per-client limits behind nginx', () => {
  // nginx appends the address it saw (this test, on loopback) to the X-Forwarded-For it got;
  // under trust proxy 'loopback' Express skips both loopback hops, so the client is the value
  // the test sent: two values play two clients behind one proxy.
  let capped: { live: DjustLite; server: http.Server; proxy: Nginx; app: express.Express };
  const views: ProxiedView[] = [];

  beforeAll(async () => {
    const live = djustLite({ views: DEPLOY_VIEWS, secret: SECRET, maxConnectionsPerClient: 1, logger: { warn: () => {}, error: () => {} } }).route('/store/:id', StoreView);
    const app = express();
    app.set('trust proxy', 'loopback');
    app.use('/app', live);
    const server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    live.attach(server);
    capped = { live, server, app, proxy: await startNginx((server.address() as AddressInfo).port, [{ mount: '/app' }]) };
  });

  afterAll(async () => {
    await Promise.all(views.map((v) => v.close()));
    await capped?.proxy.stop();
    await capped?.live.close();
    capped?.server.closeAllConnections();
    await new Promise<void>((resolve) => (capped ? capped.server.close(() => resolve()) : resolve()));
  });

  const as = (client: string) => ({ headers: { 'x-forwarded-for': client } });
  async function open(client: string, transport: 'websocket' | 'sse'): Promise<ProxiedView> {
    const v = await ProxiedView.open(capped.proxy.origins[0] as string, '/app/store/1', { transport, ...as(client) });
    views.push(v);
    return v;
  }

  it('count the X-Forwarded-For client, not nginx: the cap applies per client, over WebSocket and SSE', async () => {
    const first = await open('203.0.113.1', 'websocket');
    await expect(open('203.0.113.1', 'sse')).rejects.toThrow(/refused: 429/);
    await expect(open('203.0.113.1', 'websocket')).rejects.toThrow(/refused: 429/);
    const second = await open('203.0.113.2', 'sse'); // another client behind the same proxy
    await first.event('click');
    await second.event('click');
    expect([first.title, second.title]).toEqual(['Item 1 (1)', 'Item 1 (1)']);
    expect(capped.live.connectionCount).toBe(2);
  });

  it('without trust proxy every client is nginx’s address: one connection for them all', async () => {
    capped.app.set('trust proxy', false);
    try {
      await open('203.0.113.3', 'websocket');
      await expect(open('203.0.113.4', 'sse')).rejects.toThrow(/refused: 429/);
    } finally {
      capped.app.set('trust proxy', 'loopback');
    }
  });
});
