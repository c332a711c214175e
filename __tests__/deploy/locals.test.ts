/**
 * Express locals: `app.locals` are in every template context (HTTP and live renders; the view's
 * own fields win a name clash); `res.locals` reach `mount(ctx)` as `ctx.locals` on the HTTP
 * render only.
 */
import express from 'express';
import { djustLite } from '../../lib';
import { liveTest } from '../../lib/testing';
import { fetchPage } from '../../lib/testing/page';
import { DEPLOY_VIEWS, StoreView } from './store-app';

const SECRET = 'locals-test-secret-0123456789abcdef0123456';

function app() {
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
  return app;
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
