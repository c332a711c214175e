import https from 'node:https';
import express from 'express';
import nunjucks from 'nunjucks';
import request from 'supertest';
import { djustLite, LiveView } from '../../lib';
import { CounterView } from '../fixtures/views';
import { FIXTURE_VIEWS } from '../helpers/server';

class ParamView extends LiveView {
  static template = 'counter.njk';
  count = 0;
  label = '';
  mount(ctx: { params: Record<string, string>; query: Record<string, string | string[]> }) {
    this.label = `id=${ctx.params.id} q=${String(ctx.query.q)}`;
    this.pageTitle = `Item ${ctx.params.id}`;
  }
}

/** What a plain-JS subclass with a `pageTitle = '…'` class field produces: an own property. */
class FieldTitleView extends LiveView {
  static template = 'counter.njk';
  count = 1;
  label = 'f';
  constructor() {
    super();
    Object.defineProperty(this, 'pageTitle', { value: 'Declared as a field', enumerable: true, configurable: true, writable: true });
  }
}

class NoRootView extends LiveView {
  static template = 'no-root.njk';
}

function makeApp(setup: (live: ReturnType<typeof djustLite>) => void, options = {}) {
  const app = express();
  const live = djustLite({ views: FIXTURE_VIEWS, ...options });
  setup(live);
  app.use(live);
  return { app, live };
}

describe('Middleware', () => {
  describe('HTTP render', () => {
    it('renders the title and meta that mount set, escaped', async () => {
      const { app, live } = makeApp((l) => l.route('/counter', CounterView));
      const res = await request(app).get('/counter').expect(200).expect('content-type', /text\/html/);
      expect(res.text).toContain('<title>Counter &lt;0&gt;</title>');
      expect(res.text).toContain('<meta name="description" content="Count &quot;things&quot; &amp; &lt;stuff&gt;">');
      expect(res.text).toContain('<meta property="og:title" content="Counter">');
      expect(res.text).toContain('<meta property="twitter:card" content="summary">');
      expect(res.headers['cache-control']).toBe('no-store');
      await live.close();
    });

    it('emits the client script tag with the signed token and config', async () => {
      const { app, live } = makeApp((l) => l.route('/counter', CounterView), { prefix: '/live', transport: 'sse' });
      const res = await request(app).get('/counter');
      const tag = /<script type="module" src="\/live\/djust.min.js\?v=[A-Za-z0-9_-]{8}"([^>]*)><\/script>/.exec(res.text);
      expect(tag).not.toBeNull();
      expect(tag?.[1]).toMatch(/data-djust-token="[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+"/);
      expect(tag?.[1]).toContain('data-djust-prefix="/live"');
      expect(tag?.[1]).toContain('data-djust-transport="sse"');
      await live.close();
    });

    it('passes Express path params and the query to mount', async () => {
      const { app, live } = makeApp((l) => l.route('/item/:id', ParamView));
      const res = await request(app).get('/item/42?q=lamp').expect(200);
      expect(res.text).toContain('id=42 q=lamp');
      expect(res.text).toContain('<title>Item 42</title>');
      await live.close();
    });

    it('honours pageTitle declared as a (JavaScript) class field', async () => {
      const { app, live } = makeApp((l) => l.route('/f', FieldTitleView));
      const res = await request(app).get('/f');
      expect(res.text).toContain('<title>Declared as a field</title>');
      await live.close();
    });

    it('passes a template without dj-root to next(err) with a message that says how to fix it', async () => {
      const { app, live } = makeApp((l) => l.route('/bad', NoRootView));
      let seen: unknown;
      app.use((err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
        seen = err;
        res.status(500).end();
      });
      await request(app).get('/bad').expect(500);
      expect(String(seen)).toMatch(/no element with the dj-root attribute; wrap the live part/);
      await live.close();
    });

    it('leaves other paths to the next middleware', async () => {
      const { app, live } = makeApp((l) => l.route('/counter', CounterView));
      app.get('/other', (_req, res) => void res.send('other'));
      await request(app).get('/other').expect(200, 'other');
      await request(app).get('/djust/nope.js').expect(404);
      await live.close();
    });

    it('reuses a user nunjucks.Environment and adds the djust tags to it', async () => {
      const env = new nunjucks.Environment(new nunjucks.FileSystemLoader(FIXTURE_VIEWS), { autoescape: true });
      env.addGlobal('brand', 'ACME');
      const { app, live } = makeApp((l) => l.route('/counter', CounterView), { env });
      const res = await request(app).get('/counter').expect(200);
      expect(res.text).toContain('data-djust-token=');
      await live.close();
    });
  });

  describe('client assets', () => {
    it('serves the versioned bundle the page names as immutable, and the same file unversioned as no-cache', async () => {
      const { app, live } = makeApp((l) => l.route('/counter', CounterView));
      const page = await request(app).get('/counter');
      const src = /src="(\/djust\/djust.min.js\?v=[^"]+)"/.exec(page.text)?.[1] as string;
      const bundle = await request(app).get(src).expect(200).expect('content-type', /javascript/);
      expect(bundle.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      const plain = await request(app).get('/djust/djust.min.js').expect(200);
      expect(plain.headers['cache-control']).toBe('no-cache');
      expect(plain.text).toBe(bundle.text);
      await live.close();
    });

    it('serves the client modules with an ETag and answers 304 when unchanged', async () => {
      const { app, live } = makeApp(() => undefined);
      const res = await request(app).get('/djust/client.js').expect(200).expect('content-type', /javascript/);
      expect(res.text).toContain('LiveClient');
      await request(app).get('/djust/client.js').set('If-None-Match', res.headers.etag as string).expect(304);
      await live.close();
    });
  });

  describe('attach()', () => {
    it('takes an http.Server or an https.Server and refuses anything else', () => {
      const live = djustLite({ views: FIXTURE_VIEWS });
      const server = new https.Server();
      expect(live.attach(server)).toBe(live);
      expect(server.listenerCount('upgrade')).toBe(1);
      live.attach(server);
      expect(server.listenerCount('upgrade')).toBe(1);
      expect(() => live.attach({} as never)).toThrow(/server must be an http.Server or https.Server/);
      void live.close();
    });
  });

  describe('route()', () => {
    it('refuses what is not a LiveView class, a missing template and a duplicate path', () => {
      const live = djustLite({ views: FIXTURE_VIEWS });
      expect(() => live.route('/x', class {} as never)).toThrow(/must be a class that extends LiveView/);
      expect(() => live.route('x', CounterView)).toThrow(/starting with "\/"/);
      class NoTemplate extends LiveView {}
      expect(() => live.route('/y', NoTemplate as never)).toThrow(/static template = 'name.njk'/);
      live.route('/z', CounterView);
      expect(() => live.route('/z', CounterView)).toThrow(/already registered/);
      void live.close();
    });

    it('refuses a path Express matches like one already taken: trailing slash, letter case, param names', () => {
      const live = djustLite({ views: FIXTURE_VIEWS });
      live.route('/ok', CounterView);
      expect(() => live.route('/ok/', CounterView)).toThrow(expect.objectContaining({
        code: 'DJUST_ERR_INVALID_ROUTE',
        message: 'route("/ok/"): a view is already registered for "/ok", which Express matches the same (trailing slash, letter case and param names aside).',
      }));
      expect(() => live.route('/OK', CounterView)).toThrow(/already registered for "\/ok"/);
      live.route('/item/:id', CounterView);
      expect(() => live.route('/Item/:sku', CounterView)).toThrow(/already registered for "\/item\/:id"/);
      live.route('/', CounterView);
      expect(() => live.route('/ok/more', CounterView)).not.toThrow();
      void live.close();
    });

    it('checks static events when the route is registered', () => {
      const live = djustLite({ views: FIXTURE_VIEWS });
      class Listed extends CounterView {
        static events = ['unmount'];
      }
      expect(() => live.route('/listed', Listed)).toThrow(/Listed.events cannot expose "unmount"/);
      void live.close();
    });

    it('takes routes from the routes option', async () => {
      const app = express();
      const live = djustLite({ views: FIXTURE_VIEWS, routes: { '/c': CounterView } });
      app.use(live);
      await request(app).get('/c').expect(200);
      await live.close();
    });
  });
});
