import type { Socket } from 'node:net';
import request from 'supertest';
import { DjustError, djustLite, eventHandler, LiveView, type DjustLite, type DjustLiteOptions } from '../lib';
import { assertLinkHref, assertLinkRel, PageMetadata } from '../lib/view/page-metadata';
import { createEnvironment, renderHead } from '../lib/render/nunjucks';
import { ItemView, SHOP, ShopView } from './fixtures/head-views';
import { fire, headOf, mountAt, sideChannel } from './helpers/head';
import { FIXTURE_VIEWS, startApp, type TestApp, type WsClient } from './helpers/server';

let app: TestApp;
/** Handler failures are expected here; keep them out of the test output. */
const quiet = { warn: () => undefined, error: () => undefined };
const clients: WsClient[] = [];
const serverSockets: Socket[] = [];

async function mount(path: string): Promise<WsClient> {
  const client = await mountAt(app.base, path);
  clients.push(client);
  return client;
}

beforeAll(async () => {
  app = await startApp((live) => live.route('/shop', ShopView).route('/items/:id', ItemView), { logger: quiet });
  app.server.on('connection', (socket: Socket) => serverSockets.push(socket));
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});
afterAll(() => app.close());

/** GETs `path` from a fresh app set up by `setup`, then closes it. */
async function getOnce(setup: (live: DjustLite) => void, path: string, options: DjustLiteOptions = {}): Promise<request.Response> {
  const once = await startApp(setup, options);
  try {
    return await request(once.server).get(path);
  } finally {
    await once.close();
  }
}

const title = (value: string) => ({ type: 'page_metadata', action: 'title', value });
const meta = (name: string, content: string) => ({ type: 'page_metadata', action: 'meta', name, content });
const link = (rel: string, href: string) => ({ type: 'page_metadata', action: 'link', rel, href });

describe('Head management', () => {
  describe('coalescing', () => {
    it('sends only the last of three title sets in one handler', async () => {
      const client = await mount('/shop');
      expect(sideChannel(await fire(client, 'titleTwice'))).toEqual([title('third | Shop')]);
    });

    it('sends nothing for a title equal to what the client already shows', async () => {
      const client = await mount('/shop');
      await fire(client, 'titleTwice');
      expect(await fire(client, 'titleSame')).toEqual([{ type: 'reply' }]);
    });

    it('sends nothing when a handler changes title and meta and sets them back', async () => {
      const client = await mount('/shop?product=mug');
      expect(await fire(client, 'titleRoundTrip')).toEqual([{ type: 'reply' }]);
    });

    it('sends the last value per meta key, keys in first-set order', async () => {
      const client = await mount('/shop');
      expect(sideChannel(await fire(client, 'metaTwice'))).toEqual([meta('description', 'c'), meta('og:title', 'T2')]);
    });

    it('turns a set then a removal in one handler into one removal', async () => {
      const client = await mount('/shop');
      expect(sideChannel(await fire(client, 'setAndRemove'))).toEqual([{ type: 'page_metadata', action: 'meta', name: 'robots', remove: true }]);
    });

    it('sends the metadata the mount set even when equal to the HTML (the server cannot know what a reconnecting page shows)', async () => {
      const client = await mount('/shop?product=mug');
      expect(client.messages.filter((m) => m.type === 'page_metadata')).toEqual([
        title('Stoneware Mug | Shop'),
        meta('description', SHOP.mug?.description as string),
        meta('og:image', '/img/mug.png'),
        link('canonical', '/shop?product=mug'),
      ]);
    });

    it('writes the response, every metadata message and the flash of one job in one socket write', async () => {
      const client = await mount('/shop');
      const socket = serverSockets.at(-1) as Socket & { _write: (...a: unknown[]) => void; _writev: (...a: unknown[]) => void };
      const writes: number[] = [];
      const write = socket._write.bind(socket);
      const writev = socket._writev.bind(socket);
      socket._write = (...args: unknown[]) => (writes.push(1), write(...args));
      socket._writev = (chunks: unknown, ...rest: unknown[]) => (writes.push((chunks as unknown[]).length), writev(chunks, ...rest));
      const result = await fire(client, 'everything');
      expect(result.map((m) => `${m.type}:${'action' in m ? m.action : ''}`)).toEqual([
        'patch:', 'page_metadata:title', 'page_metadata:meta', 'page_metadata:meta', 'page_metadata:link', 'flash:put',
      ]);
      // One write of the job's one frame (header and payload in one Buffer, lib/transport/ws-frame.ts), no other write.
      expect(writes).toEqual([1]);
    });
  });

  describe('removal', () => {
    it('pageMeta { key: null } sends remove and the getter drops the key', async () => {
      const client = await mount('/shop?product=mug');
      expect(sideChannel(await fire(client, 'removeImage'))).toEqual([{ type: 'page_metadata', action: 'meta', name: 'og:image', remove: true }]);
    });

    it('a removed key is not rendered by {% djust_head %}', async () => {
      const withImage = await request(app.server).get('/shop?product=mug');
      expect(withImage.text).toContain('<meta property="og:image" content="/img/mug.png">');
      const without = await request(app.server).get('/shop');
      expect(without.text).not.toContain('og:image');
    });

    it('removes a title: no title and no default shows an empty title', async () => {
      const client = await mount('/shop');
      expect(sideChannel(await fire(client, 'untitle'))).toEqual([title('')]);
    });
  });

  describe('links', () => {
    it('creates, updates and removes a link over the wire', async () => {
      const client = await mount('/shop');
      expect(sideChannel(await fire(client, 'setLink', { rel: 'icon', href: '/mug.png' }))).toEqual([link('icon', '/mug.png')]);
      expect(sideChannel(await fire(client, 'setLink', { rel: 'icon', href: '/lamp.png' }))).toEqual([link('icon', '/lamp.png')]);
      expect(sideChannel(await fire(client, 'setLink', { rel: 'icon', href: '/lamp.png' }))).toEqual([]);
      expect(sideChannel(await fire(client, 'setLink', { rel: 'icon', href: null }))).toEqual([{ type: 'page_metadata', action: 'link', rel: 'icon', remove: true }]);
    });

    it('treats rels case-insensitively', async () => {
      const client = await mount('/shop');
      expect(sideChannel(await fire(client, 'setLink', { rel: 'Canonical', href: '/x' }))).toEqual([link('canonical', '/x')]);
    });

    it('answers an unsafe href with invalid_meta naming the rel and the rule, and sends nothing else', async () => {
      const client = await mount('/shop?product=mug');
      const [error, ...rest] = await fire(client, 'setLink', { rel: 'canonical', href: 'javascript:alert(1)' });
      expect(rest).toEqual([]);
      expect(error).toMatchObject({ type: 'error', code: 'invalid_meta' });
      expect(error?.message).toContain('pageLinks["canonical"]');
      expect(error?.message).toContain('javascript:');
      // The view kept its links: a later set of the old value sends nothing.
      expect(sideChannel(await fire(client, 'setLink', { rel: 'canonical', href: '/shop?product=mug' }))).toEqual([]);
    });

    it.each([
      ['canonical', 'javascript:alert(1)'],
      ['canonical', 'JaVaScRiPt:alert(1)'],
      ['canonical', ' javascript:alert(1)'],
      ['canonical', 'java\tscript:alert(1)'],
      ['canonical', 'java\nscript:alert(1)'],
      ['canonical', 'vbscript:msgbox(1)'],
      ['canonical', 'data:text/html,<script>alert(1)</script>'],
      ['canonical', 'data:image/png;base64,AAAA'],
      ['icon', 'data:text/html;base64,AAAA'],
      ['canonical', 'file:///etc/passwd'],
      ['canonical', 'mailto:a@example.com'],
      ['canonical', '/a b'],
      ['canonical', ''],
      ['canonical', '/' + 'a'.repeat(5000)],
    ])('refuses rel=%s href=%.40j', (rel, href) => {
      expect(() => assertLinkHref(rel, href)).toThrow(DjustError);
      try {
        assertLinkHref(rel, href);
      } catch (err) {
        expect((err as DjustError).code).toBe('DJUST_ERR_INVALID_META');
        expect((err as DjustError).message).toContain(`pageLinks["${rel}"]`);
      }
    });

    it.each([
      ['canonical', 'https://shop.example/store?product=mug&x=1'],
      ['alternate', 'http://shop.example/fr/'],
      ['canonical', '//shop.example/store'],
      ['canonical', '/store?product=mug'],
      ['next', 'page-2'],
      ['prev', './page-1#top'],
      ['canonical', '?product=mug'],
      ['icon', 'data:image/png;base64,iVBORw0KGgo='],
      ['icon', 'data:image/svg+xml,%3Csvg%3E%3C/svg%3E'],
      ['apple-touch-icon', 'data:image/png;base64,AAAA'],
      ['manifest', '/app.webmanifest'],
    ])('accepts rel=%s href=%j', (rel, href) => {
      expect(() => assertLinkHref(rel, href)).not.toThrow();
    });

    it.each(['stylesheet', 'preload', 'modulepreload', 'prefetch', 'dns-prefetch', 'preconnect', 'prerender', 'alternate stylesheet', '', 'a"b', 'x'.repeat(129)])(
      'refuses rel %j',
      (rel) => {
        expect(() => assertLinkRel(rel)).toThrow(DjustError);
      },
    );

    it('refuses a non-record or a non-string href with DJUST_ERR_INVALID_META', () => {
      const md = new PageMetadata();
      expect(() => md.setLinks('canonical')).toThrow(/pageLinks takes a record/);
      expect(() => md.setLinks({ canonical: 42 })).toThrow(/must be a string or null/);
      expect(() => md.setLinks({ canonical: '/ok', icon: 'javascript:x' })).toThrow(/icon/);
      expect(md.links).toEqual({}); // all or nothing
    });

    it('moves a class-field pageLinks onto the accessor', async () => {
      /** What a plain-JS `pageLinks = {…}` class field produces: an own property. */
      class FieldLinks extends LiveView {
        static template = 'item.njk';
        constructor() {
          super();
          Object.defineProperty(this, 'pageLinks', { value: { canonical: '/field' }, enumerable: true, configurable: true, writable: true });
        }
      }
      const res = await getOnce((live) => live.route('/f', FieldLinks), '/f');
      expect(res.text).toContain('<link rel="canonical" href="/field">');
    });
  });

  describe('{% djust_head %}', () => {
    it('renders title, meta (name/property as the client resolves them) and links, escaped', async () => {
      const res = await request(app.server).get('/shop?product=mug');
      expect(res.text).toContain(
        '<title>Stoneware Mug | Shop</title>\n' +
          '<meta name="description" content="Hand-glazed, 350 ml, &quot;dishwasher-safe&quot; &amp; &lt;sturdy&gt;.">\n' +
          '<meta property="og:image" content="/img/mug.png">\n' +
          '<link rel="canonical" href="/shop?product=mug">',
      );
    });

    it('renders in any template of the environment, and nothing in a live re-render (the region never holds the head)', () => {
      const env = createEnvironment(FIXTURE_VIEWS);
      const source = '<head>{% djust_head %}</head>';
      expect(env.renderString(source, { page_title: 'Plain <page>' })).toBe('<head><title>Plain &lt;page&gt;</title></head>');
      expect(env.renderString(source, { page_title: 'Live', __djust: null })).toBe('<head></head>');
    });

    it('renderHead escapes every value and omits <title> when there is none', () => {
      expect(renderHead(undefined, { 'twitter:card': '"><script>' }, { canonical: '/a?b=1&c="2"' })).toBe(
        '<meta property="twitter:card" content="&quot;&gt;&lt;script&gt;">\n<link rel="canonical" href="/a?b=1&amp;c=&quot;2&quot;">',
      );
    });

    it('offers page_links / pageLinks, page_title (formatted) and page_meta to templates', async () => {
      class ContextView extends LiveView {
        static template = 'context.njk';
        static titleTemplate = '%s!';
        mount() {
          this.pageTitle = 'T';
          this.pageMeta = { description: 'D' };
          this.pageLinks = { canonical: '/c' };
        }
      }
      const res = await getOnce((live) => live.route('/ctx', ContextView), '/ctx');
      expect(res.text).toContain('<p id="ctx">T!|T!|D|D|/c|/c</p>');
    });
  });

  describe('title template', () => {
    class Plain extends LiveView {
      static template = 'item.njk';
      mount() {
        this.pageTitle = 'Plain';
      }
      @eventHandler() rename(params: { to?: unknown }) {
        this.pageTitle = typeof params.to === 'string' ? params.to : undefined;
      }
      @eventHandler() check() {
        if (this.pageTitle !== 'Raw') throw new Error(`getter returned ${String(this.pageTitle)}`);
      }
    }
    class Templated extends Plain {
      static titleTemplate = '%s · Own';
    }
    class Fn extends Plain {
      static titleTemplate = (t: string | undefined) => (t === 'Plain' ? undefined : `[${t ?? '-'}]`);
    }

    let other: TestApp;
    beforeAll(async () => {
      other = await startApp((live) => live.route('/plain', Plain).route('/own', Templated).route('/fn', Fn), {
        titleTemplate: '%s | Store',
        defaultTitle: 'The Store',
      });
    });
    afterAll(() => other.close());

    async function liveTitles(path: string, to: string | null): Promise<unknown[]> {
      const client = await mountAt(other.base, path);
      clients.push(client);
      return sideChannel(await fire(client, 'rename', { to })).map((m) => ('value' in m ? m.value : m));
    }

    it('applies the titleTemplate option the same on the HTTP render and live', async () => {
      expect(headOf((await request(other.server).get('/plain')).text).title).toBe('Plain | Store');
      expect(await liveTitles('/plain', 'Cart (2)')).toEqual(['Cart (2) | Store']);
    });

    it('lets a static titleTemplate win over the option', async () => {
      expect(headOf((await request(other.server).get('/own')).text).title).toBe('Plain · Own');
      expect(await liveTitles('/own', 'Cart')).toEqual(['Cart · Own']);
    });

    it('calls a function template; undefined from it shows defaultTitle', async () => {
      expect(headOf((await request(other.server).get('/fn')).text).title).toBe('The Store');
      expect(await liveTitles('/fn', 'Cart')).toEqual(['[Cart]']);
    });

    it('shows defaultTitle as is (not templated) when the title is unset or empty', async () => {
      expect(await liveTitles('/plain', '')).toEqual(['The Store']);
      expect(await liveTitles('/plain', null)).toEqual(['The Store']);
    });

    it('keeps what the view set in the pageTitle getter', async () => {
      const client = await mountAt(other.base, '/plain');
      clients.push(client);
      await fire(client, 'rename', { to: 'Raw' });
      expect(await fire(client, 'check')).toEqual([{ type: 'reply' }]);
    });

    it('refuses a static titleTemplate without %s when the route is registered', () => {
      class Bad extends LiveView {
        static template = 'item.njk';
        static titleTemplate = 'Store';
      }
      expect(() => djustLite({ views: FIXTURE_VIEWS }).route('/bad', Bad)).toThrow(/static titleTemplate must be a string containing "%s"/);
    });
  });

  describe('announceTitle option', () => {
    it('leaves the script tag without data-djust-announce by default', async () => {
      expect((await request(app.server).get('/shop')).text).not.toContain('data-djust-announce');
    });

    it('marks the script tag data-djust-announce="false" when turned off', async () => {
      const res = await getOnce((live) => live.route('/shop', ShopView), '/shop', { announceTitle: false });
      expect(res.text).toContain(' data-djust-announce="false"></script>');
    });

    it('refuses a non-boolean with a TypeError naming the option', () => {
      expect(() => djustLite({ announceTitle: 'no' as never })).toThrow(/option "announceTitle" must be true or false, got "no"/);
    });
  });
});
