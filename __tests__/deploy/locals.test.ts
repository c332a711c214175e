/**
 * Express locals: `app.locals` are in every template context (HTTP and live renders; the view's
 * own fields win a name clash); `res.locals` reach `mount(ctx)` as `ctx.locals` on the HTTP
 * render only.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { djustLite } from '../../lib';
import { liveTest } from '../../lib/testing';
import { fetchPage } from '../../lib/testing/page';
import { envelope } from '../../lib/testing/messages';
import { WebSocketChannel, webSocketUrl } from '../../lib/testing/websocket';
import type { ServerMessage } from '../../lib/contract/protocol';
import { DEPLOY_VIEWS, StoreView } from './store-app';

const SECRET = 'locals-test-secret-0123456789abcdef0123456';

function app() {
  return appWithLive().app;
}

function appWithLive() {
  const live = djustLite({ views: DEPLOY_VIEWS, secret: SECRET, logger: { warn: () => {}, error: () => {} } }).route('/store/:id', StoreView);
  const app = express();
  app.locals.brand = 'Acme';
  app.locals.item = 'from app.locals';
  app.use((_req, res, next) => {
    res.locals.user = 'ann';
    res.locals.apiKey = 'sk-secret';
    next();
  });
  app.use('/app', live);
  return { app, live };
}

beforeEach(() => {
  StoreView.mounts = [];
});

describe('app.locals', () => {
  it.each(['websocket', 'sse'] as const)('are in the HTTP render and in every live render (%s)', async (transport) => {
    const a = app();
    const view = await liveTest(a, '/app/store/1', { transport });
    try {
      const page = await fetchPage(view.origin, '/app/store/1');
      expect(page.html).toContain('<p id="brand">Acme</p>');
      expect(view.html()).toContain('<p id="brand-live">Acme</p>');
      a.locals.brand = 'Acme Corp'; // the object itself is used: later changes show
      await view.event('click');
      expect(view.html()).toContain('<p id="brand-live">Acme Corp</p>');
      expect(view.html()).toContain('<p id="clicks">1</p>');
    } finally {
      await view.close();
    }
  });

  it('lose a name clash to the view’s own field', async () => {
    const view = await liveTest(app(), '/app/store/7', { transport: 'websocket' });
    try {
      expect(view.html()).toContain('<p id="item">7</p>');
      await view.event('click');
      expect(view.html()).toContain('<p id="item">7</p>');
    } finally {
      await view.close();
    }
  });
});

describe('app.locals after a restart', () => {
  it('are in the first live render even before the new process served any request (attach finds the app)', async () => {
    const earlier = await liveTest(app(), '/app/store/2', { transport: 'websocket' });
    const { token } = await fetchPage(earlier.origin, '/app/store/2');
    await earlier.close();
    const restarted = appWithLive();
    const server = http.createServer(restarted.app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    restarted.live.attach(server);
    const got: ServerMessage[] = [];
    const channel = new WebSocketChannel(webSocketUrl(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, '/app/djust'), { message: (m) => void got.push(m) });
    try {
      await channel.opened;
      channel.send(envelope.mount(token, '/app/store/2'));
      for (let i = 0; i < 100 && got.length === 0; i += 1) await new Promise((r) => setTimeout(r, 20));
      expect(got[0]).toMatchObject({ type: 'mounted', html: expect.stringContaining('<p id="brand-live">Acme</p>') });
    } finally {
      await channel.close();
      await restarted.live.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('res.locals', () => {
  it('reach mount(ctx) as ctx.locals on the HTTP render only; the token does not carry them', async () => {
    const view = await liveTest(app(), '/app/store/1', { transport: 'sse' });
    try {
      const [http, live] = StoreView.mounts;
      expect(http?.connected).toBe(false);
      expect(http?.locals).toMatchObject({ user: 'ann', apiKey: 'sk-secret' });
      expect(live?.connected).toBe(true);
      expect(live?.locals).toEqual({});
      const page = await fetchPage(view.origin, '/app/store/1');
      const payload = Buffer.from(page.token.split('.')[0] ?? '', 'base64url').toString('utf8');
      expect(payload).not.toContain('sk-secret');
      expect(page.html).toContain('<p id="user">ann</p>'); // the view copied it into a field
    } finally {
      await view.close();
    }
  });
});
