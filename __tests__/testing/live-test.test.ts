/**
 * `djust-lite/testing` (lib/testing): liveTest() servers, event(), waitFor(), the page state it
 * tracks (title, meta, flash, html), errors and timeouts — over both transports.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import fc from 'fast-check';
import { djustLite, DjustError, eventHandler, LiveView, type DjustLite, type DjustLiteOptions, type MountContext } from '../../lib';
import { parseRegion, type VNode } from '../../lib/diff';
import { RegionState } from '../../lib/render/region';
import { liveTest, type LiveTestView } from '../../lib/testing';
import { RegionModel } from '../../lib/testing/apply-ops';
import { memoryEnvironment } from '../helpers/memory-templates';

const TEMPLATES: Record<string, string> = {
  'layout.njk': '<!doctype html><html><head>{% djust_head %}</head><body>{% djust_flash %}{% block content %}{% endblock %}{% djust_scripts %}</body></html>',
  'list.njk': '{% extends "layout.njk" %}{% block content %}<h1>List</h1><ul dj-root>{% for i in items %}' +
    '<li id="{{ i }}" class="item{% if i == picked %} picked{% endif %}">Item {{ i }}: a line long enough that a diff is smaller</li>' +
    '{% endfor %}</ul>{% endblock %}',
};

class ListView extends LiveView {
  static template = 'list.njk';
  items = Array.from({ length: 20 }, (_, i) => i);
  picked = -1;

  mount(ctx: MountContext) {
    this.pageTitle = 'List';
    this.pageMeta = { description: 'twenty items' };
    if (!ctx.connected) this.putFlash('info', 'Welcome');
    if (ctx.connected && typeof ctx.query.topic === 'string') this.subscribe(ctx.query.topic);
  }

  @eventHandler()
  pick(params: { i?: unknown }) {
    this.picked = Number(params.i);
    this.pageTitle = `List (${this.picked})`;
    this.pageMeta = { description: null, 'og:title': `Item ${this.picked}` };
    this.putFlash('success', `Picked ${this.picked}`);
  }

  @eventHandler()
  shuffle() {
    this.items = [...this.items.slice(5).reverse(), 100, ...this.items.slice(0, 3)];
  }

  @eventHandler()
  noop() {}

  @eventHandler()
  async slow() {
    await new Promise((resolve) => setTimeout(resolve, 400));
  }

  @eventHandler()
  boom() {
    throw new Error('secret detail');
  }

  handleInfo(message: unknown) {
    this.pageTitle = `List: ${String(message)}`;
  }
}

function makeApp(options: DjustLiteOptions = {}): { app: express.Express; live: DjustLite } {
  const live = djustLite({ env: memoryEnvironment(TEMPLATES), logger: { warn() {}, error() {} }, ...options });
  live.route('/list', ListView);
  const app = express();
  app.use(live);
  app.get('/plain', (_req, res) => void res.send('<!doctype html><title>Plain</title><p>not live</p>'));
  return { app, live };
}

function refused(origin: string): Promise<boolean> {
  return new Promise((resolve) => {
    http.get(origin, { agent: false }, (res) => {
      res.resume();
      resolve(false);
    }).once('error', () => resolve(true));
  });
}

/** Element/text/comment structure, for comparing two serialisations of one DOM. */
function shape(node: VNode): unknown {
  return node.type === 1 ? [node.tag, node.attrs, node.children.map(shape)] : [node.type, node.data];
}

describe('liveTest', () => {
  describe('servers', () => {
    it('starts an Express app on 127.0.0.1:0, shares it between views, stops it after the last close', async () => {
      const { app, live } = makeApp();
      const a = await liveTest(app, '/list?topic=t');
      const b = await liveTest(app, '/list?topic=t');
      expect(a.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(b.origin).toBe(a.origin);
      live.broadcast('t', 'both');
      await a.waitFor((v) => v.title === 'List: both');
      await b.waitFor((v) => v.title === 'List: both');
      await a.close();
      await b.event('noop');
      await b.close();
      expect(await refused(a.origin)).toBe(true);
      await live.close();
    });

    it('uses an http.Server that listens as it is, and leaves it running', async () => {
      const { app, live } = makeApp();
      const server = http.createServer(app);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const view = await liveTest(server, '/list');
      expect(view.origin).toBe(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
      await view.close();
      expect(server.listening).toBe(true);
      await live.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    it('starts an http.Server that does not listen yet, and closes it after', async () => {
      const { app, live } = makeApp();
      const server = http.createServer(app);
      const view = await liveTest(server, '/list');
      expect(server.listening).toBe(true);
      await view.close();
      expect(server.listening).toBe(false);
      await live.close();
    });
  });

  describe.each(['sse', 'websocket'] as const)('over %s', (transport) => {
    let app: express.Express;
    let live: DjustLite;
    const views: LiveTestView[] = [];

    beforeAll(() => {
      ({ app, live } = makeApp());
    });
    afterEach(async () => {
      await Promise.all(views.splice(0).map((v) => v.close()));
    });
    afterAll(async () => {
      await live.close();
    });

    async function open(path = '/list', timeoutMs?: number): Promise<LiveTestView> {
      const view = await liveTest(app, path, { transport, timeoutMs });
      views.push(view);
      return view;
    }

    it('starts from the page as rendered: title, meta, flash, region', async () => {
      const view = await open();
      expect(view.transport).toBe(transport);
      expect(view.title).toBe('List');
      expect(view.meta('description')).toBe('twenty items');
      expect(view.flash).toEqual({ info: 'Welcome' });
      expect(view.html()).toContain('Item 19:');
      expect(view.messages[0]?.type).toBe('mounted');
    });

    it('event() resolves once the response and its page metadata and flash arrived', async () => {
      const view = await open();
      const result = await view.event('pick', { i: 3 });
      expect(result.ref).toBe(1);
      expect(result.response).toMatchObject({ type: 'patch', ref: 1 });
      expect(result.messages.map((m) => m.type)).toEqual(['patch', 'page_metadata', 'page_metadata', 'page_metadata', 'flash']);
      expect(view.title).toBe('List (3)');
      expect(view.meta('description')).toBeUndefined();
      expect(view.meta('og:title')).toBe('Item 3');
      expect(view.metaTags).toEqual({ 'og:title': 'Item 3' });
      expect(view.flash).toEqual({ info: 'Welcome', success: 'Picked 3' });
      expect((await view.event('noop')).response).toEqual({ type: 'reply', ref: 2 });
      expect(view.messages.some((m) => m.type === 'pong')).toBe(false);
    });

    it('html() follows {ops} patches the way the browser applies them', async () => {
      const view = await open();
      const picked = await view.event('pick', { i: 7 });
      expect(picked.response).toHaveProperty('ops');
      expect(view.html()).toContain('<li id="7" class="item picked">');
      const shuffled = await view.event('shuffle');
      expect(shuffled.response).toHaveProperty('ops');
      const expected = new ListView();
      expected.items = [...Array.from({ length: 20 }, (_, i) => i).slice(5).reverse(), 100, 0, 1, 2];
      const keys = [...view.html().matchAll(/id="(\d+)"/g)].map((m) => Number(m[1]));
      expect(keys).toEqual(expected.items);
      expect(view.html()).toContain('class="item picked">Item 7:');
    });

    it('event() rejects with a DjustError carrying the wire code', async () => {
      const view = await open();
      const failure = view.event('boom');
      await expect(failure).rejects.toBeInstanceOf(DjustError);
      await expect(failure).rejects.toMatchObject({ code: 'handler_failed' });
      await expect(failure).rejects.not.toThrow(/secret detail/);
      await expect(view.event('nope')).rejects.toMatchObject({ code: 'unknown_event' });
      await view.event('noop'); // the view goes on
    });

    it('rejects after timeoutMs, saying what it waited for', async () => {
      const view = await open('/list', 150);
      await expect(view.event('slow')).rejects.toThrow(/the response to event "slow" did not arrive within 150 ms \(option timeoutMs\)/);
      await expect(view.waitFor((v) => v.title === 'never', 'a title that never comes')).rejects.toThrow(/a title that never comes did not arrive within 150 ms/);
    });

    it('waitFor() resolves on a later message, e.g. server push', async () => {
      const view = await open('/list?topic=push');
      const waiting = view.waitFor((v) => v.title === 'List: hello');
      live.broadcast('push', 'hello');
      await waiting;
    });

    it('close() leaves: further calls say the view is closed; close() twice is fine', async () => {
      const view = await open();
      await view.close();
      expect(view.closed).toBe(true);
      await expect(view.event('noop')).rejects.toThrow(/the view is closed/);
      await view.close();
    });
  });

  describe('errors', () => {
    it('says so when the path is not a live page', async () => {
      const { app, live } = makeApp();
      await expect(liveTest(app, '/plain')).rejects.toThrow(/no script tag with data-djust-token/);
      await expect(liveTest(app, '/missing')).rejects.toThrow(/GET \/missing answered 404/);
      await live.close();
    });

    it('reports a refused connection with the server\'s reason', async () => {
      const { app, live } = makeApp({ maxConnections: 1 });
      const server = http.createServer(app);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const first = await liveTest(server, '/list');
      await expect(liveTest(server, '/list')).rejects.toThrow(/429 Too Many Requests: 1 live connections already \(option maxConnections\)/);
      await first.close();
      await live.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    it('checks its arguments', async () => {
      const { app } = makeApp();
      await expect(liveTest(app, 'list')).rejects.toThrow(/path must be a string that starts with "\/"/);
      await expect(liveTest(app, '/list', { transport: 'carrier-pigeon' as 'sse' })).rejects.toThrow(/"sse" or "websocket"/);
      await expect(liveTest({} as http.Server, '/list')).rejects.toThrow(/Express app .* or an http.Server/);
    });
  });
});

describe('RegionModel (applies {ops} to a string)', () => {
  const item = fc.record({
    key: fc.integer({ min: 0, max: 30 }),
    text: fc.constantFrom('a', 'b & c', '<x>', 'long text that makes ops worth it '.repeat(3)),
    cls: fc.constantFrom(null, 'on', 'off'),
  });
  const render = fc.record({
    title: fc.constantFrom('T', 'T2', 'Ü'),
    items: fc.uniqueArray(item, { selector: (i) => i.key, maxLength: 12 }),
    rows: fc.integer({ min: 0, max: 3 }),
    note: fc.boolean(),
  }).map(({ title, items, rows, note }) =>
    `<h2>${title}</h2>${note ? '<!-- note --><p class="n">note</p>' : ''}<ul>${items.map((i) =>
      `<li id="${i.key}"${i.cls ? ` class="${i.cls}"` : ''}>${i.text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')}</li>`).join('')}</ul>` +
    `<table>${Array.from({ length: rows }, (_, r) => `<tr><td>${r}</td></tr>`).join('')}</table>`);

  it('ends with the same DOM as the server\'s next render, for any sequence of renders', () => {
    let withOps = 0;
    fc.assert(fc.property(fc.array(render, { minLength: 2, maxLength: 6 }), (renders) => {
      const server = new RegionState(renders[0] as string, { rootTag: 'main' });
      const model = new RegionModel(renders[0] as string, 'main');
      for (const next of renders.slice(1)) {
        const patch = server.update(next);
        if (patch && 'ops' in patch) {
          withOps += 1;
          model.apply(patch.ops);
        } else if (patch) model.reset(patch.html);
        expect(shape(parseRegion(model.html(), 'main').root)).toEqual(shape(parseRegion(next, 'main').root));
      }
    }), { numRuns: 150 });
    expect(withOps).toBeGreaterThan(20);
  });

  it('throws on a path the region does not have', () => {
    const model = new RegionModel('<p>1</p>', 'div');
    expect(() => model.apply([['t', [4, 0], 'x']])).toThrow(/path \[4,0\] that does not exist/);
  });
});
