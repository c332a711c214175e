import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import nunjucks from 'nunjucks';
import { DjustError } from '../../lib/core/errors';
import {
  BUILTIN_VIEWS, createEnvironment, ERROR_TEMPLATE, FLASH_TEMPLATE, HEAD_TEMPLATE, prepareEnvironment, renderErrorPage, renderFlash, renderHead,
} from '../../lib/render/nunjucks';
import { FIXTURE_VIEWS } from '../helpers/server';
import { MemoryLoader } from '../helpers/memory-templates';

const OVERRIDE_VIEWS = path.join(__dirname, '..', 'fixtures', 'override-views');
const PAGE = '<head>{% djust_head %}</head><body>{% djust_flash %}</body>';

describe('Environment', () => {
  describe('built-in templates', () => {
    it('live in views/djust at the package root, which package.json ships, found from lib/ and dist/ alike', () => {
      const root = path.join(__dirname, '..', '..');
      expect(BUILTIN_VIEWS).toBe(path.join(root, 'views'));
      expect(path.resolve(root, 'dist', '..', 'views')).toBe(BUILTIN_VIEWS);
      for (const name of [HEAD_TEMPLATE, FLASH_TEMPLATE, ERROR_TEMPLATE]) expect(existsSync(path.join(BUILTIN_VIEWS, name))).toBe(true);
      expect((JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { files: string[] }).files).toContain('views');
    });

    it('render the tags when the app has no template of that name', () => {
      const env = createEnvironment(FIXTURE_VIEWS);
      const html = env.renderString(PAGE, { page_title: 'T', page_meta: { 'og:title': 'O' }, flash: { info: 'Hi' } });
      expect(html).toBe(`<head>${renderHead('T', { 'og:title': 'O' })}</head><body>${renderFlash({ info: 'Hi' })}</body>`);
      expect(html).toBe(
        '<head><title>T</title>\n<meta property="og:title" content="O"></head><body><div id="dj-flash-container">' +
          '<div class="dj-flash dj-flash-info" role="alert" data-level="info">Hi</div></div></body>',
      );
    });

    it('escape values even in an environment without autoescape', () => {
      const env = prepareEnvironment(new nunjucks.Environment(new nunjucks.FileSystemLoader(FIXTURE_VIEWS), { autoescape: false }));
      const html = env.renderString(PAGE, { page_title: '<t>', page_meta: { description: '"&' }, page_links: { canonical: '/a?b="c"' }, flash: { error: '<script>' } });
      expect(html).toBe(
        '<head><title>&lt;t&gt;</title>\n<meta name="description" content="&quot;&amp;">\n<link rel="canonical" href="/a?b=&quot;c&quot;"></head>' +
          '<body><div id="dj-flash-container"><div class="dj-flash dj-flash-error" role="alert" data-level="error">&lt;script&gt;</div></div></body>',
      );
    });

    it('are found after an app loader that throws for names it lacks', () => {
      const env = prepareEnvironment(new nunjucks.Environment(new MemoryLoader({ 'page.njk': PAGE }), { autoescape: true }));
      expect(env.render('page.njk', { flash: { info: 'Hi' } })).toBe(`<head></head><body>${renderFlash({ info: 'Hi' })}</body>`);
      expect(env.render('page.njk', { page_title: 'T' })).toBe(`<head><title>T</title></head><body>${renderFlash({})}</body>`);
    });
  });

  describe('overriding', () => {
    it('renders a same-named template of the app folder instead of the built-in one', () => {
      const env = createEnvironment(OVERRIDE_VIEWS);
      expect(env.render('page.njk', { page_title: 'Home', page_meta: { 'og:title': 'H' }, flash: { info: '<b>Saved</b>' } })).toBe(
        '<head><title>Home · App</title><meta property="og:title" content="H"></head>' +
          '<body><ul id="dj-flash-container" class="app-flash"><li data-level="info">info: &lt;b&gt;Saved&lt;/b&gt;</li></ul></body>\n',
      );
    });

    it('uses an override from a loader that throws for other names', () => {
      const env = prepareEnvironment(new nunjucks.Environment(new MemoryLoader({ 'djust/flash.njk': '<p id="{{ container_id }}">{{ messages | length }}</p>' })));
      expect(env.renderString('{% djust_flash %}', { flash: { a: '1', b: '2' } })).toBe('<p id="dj-flash-container">2</p>');
    });

    it('keeps {% djust_head %} empty on a live re-render, override or not', () => {
      for (const dir of [FIXTURE_VIEWS, OVERRIDE_VIEWS]) {
        expect(createEnvironment(dir).renderString('{% djust_head %}', { page_title: 'T', __djust: null })).toBe('');
      }
    });
  });

  describe('{% djust_flash %}', () => {
    it('compiles its template once and renders it from the loader cache afterwards', () => {
      const loader = new nunjucks.FileSystemLoader(FIXTURE_VIEWS);
      const env = prepareEnvironment(new nunjucks.Environment(loader, { autoescape: true }));
      const builtin = (env as unknown as { loaders: nunjucks.FileSystemLoader[] }).loaders[1] as nunjucks.FileSystemLoader;
      const reads = jest.spyOn(builtin, 'getSource');
      const asks = jest.spyOn(loader, 'getSource');
      for (let i = 0; i < 3; i += 1) env.renderString('{% djust_flash %}', { flash: { info: String(i) } });
      expect(reads.mock.calls.filter(([name]) => name === FLASH_TEMPLATE)).toHaveLength(1);
      expect(asks.mock.calls.filter(([name]) => name === FLASH_TEMPLATE)).toHaveLength(1);
    });
  });

  describe('renderErrorPage', () => {
    const error = new DjustError('DJUST_ERR_TEMPLATE', 'StoreView: rendering "store.njk" failed: <img src=x onerror=alert(1)>', {
      cause: new TypeError("Cannot read properties of undefined (reading '<name>')"),
    });
    const info = { error, viewName: 'StoreView<script>', template: 'store".njk', url: '/store?q=<script>alert(1)</script>' };

    it('shows the message, code, view, template, URL, stack and causes, escaped', () => {
      const html = renderErrorPage(createEnvironment(FIXTURE_VIEWS), info);
      expect(html).toContain('<h1>DjustError [DJUST_ERR_TEMPLATE]</h1>');
      expect(html).toContain('rendering &quot;store.njk&quot; failed: &lt;img src=x onerror=alert(1)&gt;');
      expect(html).toContain('<code>StoreView&lt;script&gt;</code>');
      expect(html).toContain('<code>store&quot;.njk</code>');
      expect(html).toContain('<code>/store?q=&lt;script&gt;alert(1)&lt;/script&gt;</code>');
      expect(html).toContain('Caused by TypeError');
      expect(html).toContain('(reading &#39;&lt;name&gt;&#39;)');
      expect(html).toMatch(/<pre>DjustError \[DJUST_ERR_TEMPLATE\]: StoreView[^<]*\n\s+at /);
      expect(html).not.toMatch(/<script>|<img/);
    });

    it('escapes in an environment without autoescape, and for a thrown non-Error', () => {
      const env = prepareEnvironment(new nunjucks.Environment([], { autoescape: false }));
      const html = renderErrorPage(env, { error: '<b>boom</b>', url: '/"x"' });
      expect(html).toContain('<p>&lt;b&gt;boom&lt;/b&gt;</p>');
      expect(html).toContain('<code>/&quot;x&quot;</code>');
      expect(html).not.toContain('<dt>View</dt>');
    });

    it("renders the app's djust/error.njk, and a plain escaped page when that fails too", () => {
      const env = createEnvironment(OVERRIDE_VIEWS);
      const html = renderErrorPage(env, info);
      expect(html).toMatch(/^<!doctype html><meta charset="utf-8"><title>Error<\/title><pre>DjustError \[DJUST_ERR_TEMPLATE\]/);
      expect(html).toContain('/store?q=&lt;script&gt;');
      expect(html).toContain('djust/error.njk failed too');
      expect(html).not.toMatch(/<script>|<img/);
      const working = prepareEnvironment(new nunjucks.Environment(new MemoryLoader({ 'djust/error.njk': '<h1>{{ view }}</h1>' }), { autoescape: true }));
      expect(renderErrorPage(working, info)).toBe('<h1>StoreView&lt;script&gt;</h1>');
    });
  });
});
