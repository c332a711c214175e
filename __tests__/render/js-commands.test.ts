import { readFileSync } from 'node:fs';
import path from 'node:path';
import express from 'express';
import nunjucks from 'nunjucks';
import request from 'supertest';
import { djustLite, JS, JsCommands } from '../../lib';
import { prepareEnvironment } from '../../lib/render/nunjucks';
import { CounterView } from '../fixtures/views';
import { FIXTURE_VIEWS } from '../helpers/server';

const env = prepareEnvironment(new nunjucks.Environment([], { autoescape: true }));
const render = (template: string, context: object = {}) => env.renderString(template, context);
/** The commands a template puts in `dj-click="…"`, read back as the browser would. */
const clickOf = (html: string) => {
  const value = /dj-click="([^"]*)"/.exec(html)?.[1] ?? '';
  const named: Record<string, string> = { quot: '"', lt: '<', gt: '>', amp: '&' };
  return JSON.parse(value.replace(/&(#\d+|quot|lt|gt|amp);/g, (_, e: string) => (e[0] === '#' ? String.fromCharCode(Number(e.slice(1))) : named[e] as string))) as unknown;
};
/** The error a template render throws (Nunjucks wraps it: its message ends with ours). */
const renderError = (template: string) => {
  try {
    render(template);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error(`${template} rendered without an error`);
};

describe('JsCommands', () => {
  describe('in templates (`js`)', () => {
    it('renders the chain as a JSON array, HTML-escaped for the attribute', () => {
      const html = render(`<button dj-click="{{ js.toggle('#menu').push('open') }}">`);
      expect(html).toBe('<button dj-click="[[&quot;toggle&quot;,{&quot;to&quot;:&quot;#menu&quot;}],[&quot;push&quot;,{&quot;event&quot;:&quot;open&quot;}]]">');
      expect(clickOf(html)).toEqual([['toggle', { to: '#menu' }], ['push', { event: 'open' }]]);
    });

    it('escapes what could end the attribute or open a tag, in selectors and values alike', () => {
      const html = render(`<b dj-click="{{ js.dispatch('x', to=sel, detail={ t: text }) }}">`, { sel: '[data-x="a\'b"]', text: '"><script>alert(1)</script>' });
      expect(html).not.toMatch(/<script|"><|'>/);
      expect(clickOf(html)).toEqual([['dispatch', { event: 'x', to: '[data-x="a\'b"]', detail: { t: '"><script>alert(1)</script>' } }]]);
    });

    it('takes Nunjucks keyword arguments, a selector string for `to`, inner and closest, lists for transitions', () => {
      const html = render(`<b dj-click="{{ js.show('#m', time=300, transition=['ease-out duration-300', 'opacity-0', 'opacity-100'], display='flex')
        .add_class('open  active', to={ inner: '.item' }).remove_class(['a', 'b c'], { closest: 'ul' }).set_attribute('aria-expanded', true)
        .remove_attribute('hidden', '#m').toggle_class('on', '#m').toggle_attribute(['aria-expanded', 'true', 'false']).exec('data-cancel', to='#modal').transition('shake').push('save', value={ id: item.id }).focus(to='#name').navigate('/inbox', replace=true).patch('/inbox?page=2') }}">`, { item: { id: 7 } });
      expect(clickOf(html)).toEqual([
        ['show', { to: '#m', time: 300, transition: ['ease-out duration-300', 'opacity-0', 'opacity-100'], display: 'flex' }],
        ['add_class', { names: 'open active', to: { inner: '.item' } }],
        ['remove_class', { names: 'a b c', to: { closest: 'ul' } }],
        ['set_attribute', { attr: ['aria-expanded', 'true'] }],
        ['remove_attribute', { attr: 'hidden', to: '#m' }],
        ['toggle_class', { names: 'on', to: '#m' }],
        ['toggle_attribute', { attr: ['aria-expanded', 'true', 'false'] }],
        ['exec', { attr: 'data-cancel', to: '#modal' }],
        ['transition', { transition: ['shake', '', ''] }],
        ['push', { event: 'save', value: { id: 7 } }],
        ['focus', { to: '#name' }],
        ['navigate', { href: '/inbox', replace: true }],
        ['patch', { href: '/inbox?page=2' }],
      ]);
    });

    it('`js` is one immutable start: chains in one template do not leak into each other', () => {
      expect(render(`{{ js.hide('#a') }}|{{ js }}|{{ js.show('#b') }}`)).toBe('[[&quot;hide&quot;,{&quot;to&quot;:&quot;#a&quot;}]]|[]|[[&quot;show&quot;,{&quot;to&quot;:&quot;#b&quot;}]]');
    });

    it('a context value named js hides the global', () => {
      expect(render('{{ js }}', { js: 'mine' })).toBe('mine');
    });
  });

  describe('in TypeScript (`JS`)', () => {
    it('camelCase aliases build the same commands; JSON.stringify and String agree', () => {
      const chain = JS.addClass('on', '#x').removeClass(['off'], { to: '#x', time: 50, transition: 'fade' }).setAttribute('role', 'menu').removeAttribute('hidden');
      expect(chain).toBeInstanceOf(JsCommands);
      expect(chain.commands).toEqual([
        ['add_class', { names: 'on', to: '#x' }],
        ['remove_class', { names: 'off', to: '#x', time: 50, transition: ['fade', '', ''] }],
        ['set_attribute', { attr: ['role', 'menu'] }],
        ['remove_attribute', { attr: 'hidden' }],
      ]);
      expect(JSON.stringify({ click: chain })).toBe(`{"click":${String(chain)}}`);
      expect(JS.commands).toEqual([]);
    });
  });

  describe('refuses bad arguments with DJUST_ERR_INVALID_ARG, naming the call', () => {
    it.each([
      [`{{ js.show('#a', '#b') }}`, 'js.show(): too many arguments (2)'],
      [`{{ js.show(tme=3) }}`, 'js.show(): unknown option "tme"; it takes "to", "transition", "time", "display".'],
      [`{{ js.toggle(transition='x') }}`, 'js.toggle(): unknown option "transition"; it takes "to", "in", "out", "time", "display".'],
      [`{{ js.hide('') }}`, 'js.hide(): to must be a non-empty string, got "".'],
      [`{{ js.hide({ next: 'p' }) }}`, 'js.hide(): unknown option "next"'],
      [`{{ js.focus(to={ next: 'p' }) }}`, 'js.focus(): to must be a selector string, { inner: "selector" } or { closest: "selector" }, got an object.'],
      [`{{ js.show(time=-1) }}`, 'js.show(): time must be a number of ms from 0 to 60000, got -1.'],
      [`{{ js.show(time='300') }}`, 'js.show(): time must be a number of ms from 0 to 60000, got "300".'],
      [`{{ js.show(transition=['a', 'b']) }}`, 'js.show(): transition must be classes ("fade-in") or [run, start, end] class strings'],
      [`{{ js.add_class('  ') }}`, 'js.add_class(): names must be at least one class name, got "  ".'],
      [`{{ js.add_class() }}`, 'js.add_class(): missing argument'],
      [`{{ js.set_attribute('onclick', 'x') }}`, 'js.set_attribute(): "onclick" is an event-handler attribute'],
      [`{{ js.set_attribute('a b', 'x') }}`, 'js.set_attribute(): name must be an attribute name'],
      [`{{ js.set_attribute('title') }}`, 'js.set_attribute(): missing arguments'],
      [`{{ js.toggle_attribute('open') }}`, 'js.toggle_attribute(): attr must be [name, value] or [name, value1, value2]'],
      [`{{ js.toggle_attribute(['onload', 'x']) }}`, 'js.toggle_attribute(): "onload" is an event-handler attribute'],
      [`{{ js.exec() }}`, 'js.exec(): missing argument'],
      [`{{ js.push() }}`, 'js.push(): the event name is missing'],
      [`{{ js.push('save', '#form') }}`, 'js.push(): the second argument must be options such as { value: { id: 7 } }, got "#form".'],
      [`{{ js.push('save', value='x') }}`, 'js.push(): value must be an object, got "x".'],
      [`{{ js.navigate('javascript:alert(1)') }}`, 'js.navigate(): href must be a URL of this site'],
      [`{{ js.patch('/x', replace='yes') }}`, 'js.patch(): replace must be true or false, got "yes".'],
      [`{{ js.dispatch('x', bubbles=1) }}`, 'js.dispatch(): bubbles must be true or false, got 1.'],
    ])('%s', (template, message) => {
      expect(renderError(template)).toContain(message);
    });

    it('as coded TypeErrors and RangeErrors from TypeScript', () => {
      expect(() => JS.show({ time: 70_000 })).toThrow(expect.objectContaining({ name: 'RangeError', code: 'DJUST_ERR_INVALID_ARG' }));
      expect(() => JS.push('x', { value: { n: 1n } as unknown as Record<string, unknown> })).toThrow(expect.objectContaining({
        name: 'TypeError', code: 'DJUST_ERR_INVALID_ARG', message: expect.stringContaining('js.push(): value must be JSON-serialisable'),
      }));
    });
  });

  describe('the client module', () => {
    it('is served beside the bundle under the page\'s version (immutable), and that version changes with either file', async () => {
      const app = express();
      const live = djustLite({ views: FIXTURE_VIEWS });
      live.route('/counter', CounterView);
      app.use(live);
      try {
        const page = await request(app).get('/counter');
        const src = /src="(\/djust\/djust.min.js\?v=([^"]+))"/.exec(page.text);
        const version = src?.[2] as string;
        const chunk = await request(app).get(`/djust/djust-js.min.js?v=${version}`).expect(200).expect('content-type', /javascript/);
        expect(chunk.headers['cache-control']).toBe('public, max-age=31536000, immutable');
        expect(chunk.text).toContain('djust:message');
        const built = ['djust.min.js', 'djust-js.min.js', 'djust-up.min.js', 'djust-sse.min.js'].map((f) => readFileSync(path.join(__dirname, '..', '..', 'public', 'build', f)));
        const { createHash } = await import('node:crypto');
        const hash = createHash('sha1');
        for (const body of built) hash.update(body);
        expect(version).toBe(hash.digest('base64url').slice(0, 8));
      } finally {
        await live.close();
      }
    });
  });
});
