/**
 * lib/routes/route-table.ts and express-paths.ts: one route table matching as Express does —
 * checked against a real Express app of the major this jest project maps (`unit`: 5,
 * `unit-express4`: 4) under every routing setting, and end to end: a URL that renders over HTTP
 * is the URL a live switch takes.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { djustLite, LiveView, type MountContext } from '../../lib';
import { resolveOptions } from '../../lib/config/options';
import { expressMajor } from '../../lib/routes/express-paths';
import { RouteTable } from '../../lib/routes/route-table';
import { TokenSigner } from '../../lib/routes/token';
import { liveTest, type LiveTestView } from '../../lib/testing';
import { memoryEnvironment } from '../helpers/memory-templates';

/** Set per jest project (jest.config.js): 5 in `unit`, 4 in `unit-express4`. */
declare const EXPRESS_MAJOR: 4 | 5;

const LAYOUT = '<!doctype html><html><head><title>{{ page_title }}</title></head><body><nav>Shop</nav>{% block content %}{% endblock %}{% djust_scripts %}</body></html>';
const TEMPLATES = {
  'layout.njk': LAYOUT,
  'page.njk': '{% extends "layout.njk" %}{% block content %}<main dj-root><p id="what">{{ what }}</p></main>{% endblock %}',
};

class PageView extends LiveView {
  static template = 'page.njk';
  what = '';
  mount(ctx: MountContext) {
    this.what = `${ctx.url} ${JSON.stringify(ctx.params)}`;
    this.pageTitle = ctx.url;
  }
}

const silent = { warn() {}, error() {} };

function table(options: Parameters<typeof resolveOptions>[0] = {}): RouteTable {
  const resolved = resolveOptions({ env: memoryEnvironment(TEMPLATES), logger: silent, ...options });
  return new RouteTable(resolved, new TokenSigner(resolved.secrets, resolved.tokenTtlMs));
}

const PATTERNS = EXPRESS_MAJOR === 5
  ? ['/', '/item/:id', '/Store/:id', '/files/*path', '/opt{/:x}', '/a/:b/c', '/exact/']
  : ['/', '/item/:id', '/Store/:id', '/files/*', '/opt/:x?', '/num/:id(\\d+)', '/a/:b/c', '/exact/'];
const PATHS = ['/', '/item/1', '/item/1/', '/ITEM/1', '/item//', '/store/2', '/Store/2', '/STORE/2/', '/files/a/b', '/files/', '/opt', '/opt/3',
  '/num/12', '/num/ab', '/a/x/c', '/A/x/C/', '/exact', '/exact/', '/item/a%20b', '/item/caf%C3%A9', '/item/%E0%A4%A', '/nothing', '/item/1/2'];

async function listen(app: express.Express): Promise<{ server: Server; origin: string }> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe('RouteTable', () => {
  it('uses the path-to-regexp of the Express major installed', () => {
    expect(expressMajor()).toBe(EXPRESS_MAJOR);
  });

  describe.each([
    { caseSensitive: false, strict: false },
    { caseSensitive: true, strict: false },
    { caseSensitive: false, strict: true },
    { caseSensitive: true, strict: true },
  ])('matches as Express %p does', (settings) => {
    it('for every path: the same route, the same params, 400 for a param that is not valid percent-encoding', async () => {
      const app = express();
      app.set('case sensitive routing', settings.caseSensitive);
      app.set('strict routing', settings.strict);
      const routes = table();
      for (const [i, pattern] of PATTERNS.entries()) {
        app.get(pattern, (req, res) => void res.json({ i, params: req.params }));
        routes.add(pattern, PageView);
      }
      routes.learnSettings(app);
      expect(routes.settings).toEqual(settings);
      const { server, origin } = await listen(app);
      try {
        for (const path of PATHS) {
          const res = await fetch(origin + path);
          const express = res.status === 200 ? await res.json() : res.status;
          let ours: unknown;
          try {
            const found = routes.matchHttp(path);
            ours = found === null ? 404 : { i: PATTERNS.indexOf(found.entry.route), params: found.params };
          } catch (err) {
            ours = (err as { status?: number }).status;
          }
          expect({ path, match: ours }).toEqual({ path, match: express });
        }
      } finally {
        server.close();
      }
    });
  });

  it('matches a live URL under the mount path with the same rules (wildcards joined with /)', () => {
    const routes = table();
    routes.add('/store/:id', PageView);
    routes.add(EXPRESS_MAJOR === 5 ? '/files/*path' : '/files/*', PageView);
    expect(routes.matchLive('/app', '/app/Store/7/?x=1')?.params).toEqual({ id: '7' });
    expect(routes.matchLive('/app', '/store/7')).toBeNull();
    expect(routes.matchLive('', '/files/a/b')?.params).toEqual(EXPRESS_MAJOR === 5 ? { path: 'a/b' } : { 0: 'a/b' });
    expect(routes.matchLive('', '/store/%E0%A4%A')).toBeNull(); // Express answers 400; live: no route
  });

  it('refuses a second view for paths Express matches alike, and a path Express cannot parse', () => {
    const routes = table();
    routes.add('/store/:id', PageView);
    expect(() => routes.add('/Store/:sku/', PageView)).toThrow(expect.objectContaining({ code: 'DJUST_ERR_INVALID_ROUTE', message: expect.stringContaining('already registered for "/store/:id"') }));
    expect(() => routes.add('/store/new', PageView)).not.toThrow(); // another path: Express takes the first that matches
    // Express 5 refuses Express 4's `*` (path-to-regexp 8); Express 4 takes any string.
    if (EXPRESS_MAJOR === 5) expect(() => routes.add('/bad/*', PageView)).toThrow(expect.objectContaining({ code: 'DJUST_ERR_INVALID_ROUTE', message: expect.stringContaining('Express cannot parse this path') }));
    expect(() => routes.add('/g', PageView, { onMount: [42] } as never)).toThrow(/onMount must be an array of mount guard functions/);
  });

  it('lets the browser switch within a named live session or back to a view it showed; a server pushNavigate within the live session, or anywhere when the app says so', () => {
    const routes = table();
    const a = routes.add('/a', PageView, { liveSession: 's' });
    const b = routes.add('/b', PageView, { liveSession: 's' });
    const c = routes.add('/c', PageView, { liveSession: 't' });
    const d = routes.add('/d', PageView);
    const none = (): boolean => false;
    expect(routes.mayNavigate(a, b, true, none)).toBe(true);
    expect(routes.mayNavigate(a, c, true, none)).toBe(false);
    expect(routes.mayNavigate(a, d, true, (entry) => entry === d)).toBe(true);
    expect(routes.mayNavigate(d, a, false, none)).toBe(false); // a view in no live session pushNavigates nowhere live
    expect(routes.mayNavigate(a, d, false, none)).toBe(false);
    expect(routes.mayNavigate(a, b, false, none)).toBe(true);
    const anywhere = table({ pushNavigateScope: 'anyLiveRoute' });
    const x = anywhere.add('/x', PageView);
    const y = anywhere.add('/y', PageView, { liveSession: 'other' });
    expect(anywhere.mayNavigate(x, y, false, none)).toBe(true);
    expect(anywhere.mayNavigate(x, y, true, none)).toBe(false); // the browser's own switches keep to the live session
  });

  it("runs the live session's guards, then the route's, and mints tokens that expire from issuedAt", async () => {
    const order: string[] = [];
    const routes = table({ liveSessions: { admin: { onMount: [() => void order.push('session')] } }, tokenTtlMs: 5000 });
    const entry = routes.add('/admin', PageView, { liveSession: 'admin', onMount: [() => void order.push('route')] });
    await routes.guard(entry, { params: {}, url: '/admin', session: null, phase: 'mount', req: undefined });
    expect(order).toEqual(['session', 'route']);
    const token = routes.mint({ entry, base: '', params: {}, url: '/admin', session: null, issuedAt: 1000 });
    const payload = JSON.parse(Buffer.from(token.split('.')[0] as string, 'base64url').toString()) as { iat: number; exp: number };
    expect(payload).toMatchObject({ route: '/admin', iat: 1000, exp: 6000 });
  });

  it('warns once about a liveSessions name no route uses (its guards would guard nothing)', () => {
    const warnings: string[] = [];
    const resolved = resolveOptions({ env: memoryEnvironment(TEMPLATES), logger: { warn: (m) => void warnings.push(m), error() {} }, liveSessions: { admn: { onMount: [() => undefined] } } });
    const routes = new RouteTable(resolved, new TokenSigner(resolved.secrets, resolved.tokenTtlMs));
    routes.add('/admin', PageView, { liveSession: 'admin' });
    routes.matchHttp('/admin');
    routes.get('/admin');
    expect(warnings).toEqual([expect.stringContaining('option liveSessions names "admn", but no route has { liveSession: "admn" }')]);
  });
});

describe('HTTP and live agree (a djustLite app)', () => {
  let view: LiveTestView | null = null;
  afterEach(async () => {
    await view?.close();
    view = null;
  });

  it.each([
    { setting: 'default', caseSensitive: false, strict: false, path: '/Store/1', both: true },
    { setting: 'case sensitive routing', caseSensitive: true, strict: false, path: '/Store/1', both: false },
    { setting: 'default', caseSensitive: false, strict: false, path: '/store/1/', both: true },
    { setting: 'strict routing', caseSensitive: false, strict: true, path: '/store/1/', both: false },
  ])('$path with $setting: renders over HTTP exactly when a live switch takes it', async ({ caseSensitive, strict, path, both }) => {
    const live = djustLite({ env: memoryEnvironment(TEMPLATES), logger: silent });
    live.route('/home', PageView, { liveSession: 'shop' });
    live.route('/store/:id', PageView, { liveSession: 'shop' });
    const app = express();
    app.set('case sensitive routing', caseSensitive);
    app.set('strict routing', strict);
    app.use(live);
    const { server, origin } = await listen(app);
    try {
      expect((await fetch(origin + path)).status).toBe(both ? 200 : 404);
      view = await liveTest(app, '/home', { transport: 'websocket' });
      if (both) {
        const { messages } = await view.navigate(path);
        expect(messages).toContainEqual(expect.objectContaining({ type: 'navigate', url: path, html: expect.stringContaining(`${path} {&quot;id&quot;:&quot;1&quot;}`) }));
      } else {
        await expect(view.navigate(path)).rejects.toMatchObject({ code: 'unknown_route' });
      }
    } finally {
      server.close();
      await view?.close();
      view = null;
      await live.close();
    }
  });
});
