/**
 * JS commands (public/js-commands.js) run by LiveClient under jsdom with a scripted transport:
 * each command, `to` targets, transitions (fake timers), pushes with the binding's params and
 * loading class, effects kept across server patches, a hook's this.js(), djust.execJS, bad input.
 * The commands module is loaded the way the bundle loads it, through `config.jsUrl`.
 * @jest-environment jsdom
 */
import path from 'node:path';
import { LiveClient } from '../../public/client.js';
import type { Hook, HookInstance } from '../../public/hooks.js';
import { scriptedTransports, type Scripted } from '../helpers/scripted-transport';

const JS_URL = path.join(__dirname, '..', '..', 'public', 'js-commands.js');
const { opened, transports, last } = scriptedTransports();
let client: LiveClient;
let t: Scripted;
let error: jest.SpyInstance;

/** `dj-click='…'` with the commands JSON, attribute-escaped as the server's `js` helper renders it. */
const cmds = (...list: unknown[]) => JSON.stringify(list).replace(/&/g, '&amp;').replace(/"/g, '&quot;');
const $ = <T extends Element = HTMLElement>(sel: string) => document.querySelector(sel) as unknown as T;
const shown = (sel: string) => getComputedStyle($(sel)).display !== 'none';

/** A mounted client whose region shows `html` (sent again as the mount's html, as the server does). */
async function start(html: string, hooks: Record<string, Hook> = {}) {
  document.head.innerHTML = '<style>.hidden { display: none; }</style>';
  document.body.innerHTML = `<main dj-root>${html}</main>`;
  client = new LiveClient(document, { token: 't.1', prefix: '/djust', transport: 'websocket', announce: false, jsUrl: JS_URL }, transports);
  Object.assign(client.hooks, hooks);
  client.start();
  t = last();
  t.open();
  t.mounted(html);
  await client.commands();
}
/** Lets the commands run: the module promise, then the exec after it. */
const settle = async () => {
  await client.commands();
  for (let i = 0; i < 3; i++) await Promise.resolve();
};
const click = async (sel: string) => {
  $(sel).click();
  await settle();
};

beforeEach(() => {
  opened.length = 0;
  sessionStorage.clear();
  error = jest.spyOn(console, 'error').mockImplementation(() => undefined);
});
afterEach(() => {
  client.stop();
  error.mockRestore();
  jest.useRealTimers();
});

describe('JS commands', () => {
  describe('show, hide, toggle', () => {
    it('toggle shows a hidden element (display block, table-row for a tr), then hides it; show and hide do nothing when already so', async () => {
      await start(`<button id="b" dj-click="${cmds(['toggle', { to: '#menu' }])}">m</button><nav id="menu" class="hidden">x</nav>
        <button id="s" dj-click="${cmds(['show', { to: '#menu' }])}">s</button><button id="h" dj-click="${cmds(['hide', { to: '#menu' }])}">h</button>
        <table><tbody><tr id="row" class="hidden"><td>1</td></tr></tbody></table><button id="r" dj-click="${cmds(['show', { to: '#row' }])}">r</button>`);
      await click('#b');
      expect($('#menu').style.display).toBe('block');
      expect(shown('#menu')).toBe(true);
      await click('#s');
      expect($('#menu').style.display).toBe('block');
      await click('#b');
      expect(shown('#menu')).toBe(false);
      await click('#h');
      expect($('#menu').style.display).toBe('none');
      await click('#r');
      expect($('#row').style.display).toBe('table-row');
      expect(t.events()).toEqual([]); // nothing went to the server
    });

    it('show takes a display; dispatches dj:show-start and dj:show-end on the element', async () => {
      await start(`<button id="b" dj-click="${cmds(['show', { to: '#m', display: 'flex' }])}">m</button><div id="m" class="hidden"></div>`);
      const seen: string[] = [];
      for (const e of ['dj:show-start', 'dj:show-end']) $('#m').addEventListener(e, () => seen.push(e));
      await click('#b');
      expect($('#m').style.display).toBe('flex');
      expect(seen).toEqual(['dj:show-start', 'dj:show-end']);
    });

    it('runs a [run, start, end] transition for `time` ms: visible at once with run+end, hidden only at the end of a hide', async () => {
      await start(`<button id="b" dj-click="${cmds(['toggle', { to: '#m', in: ['fade', 'o-0', 'o-100'], out: ['fade', 'o-100', 'o-0'], time: 300 }])}">m</button><div id="m" class="hidden"></div>`);
      jest.useFakeTimers();
      await click('#b');
      expect(shown('#m')).toBe(true);
      expect([...$('#m').classList]).toEqual(['hidden', 'fade', 'o-100']);
      jest.advanceTimersByTime(299);
      expect($('#m').classList.contains('fade')).toBe(true);
      jest.advanceTimersByTime(1);
      expect([...$('#m').classList]).toEqual(['hidden']);
      await click('#b'); // hide: the out transition, then display none
      expect([...$('#m').classList]).toEqual(['hidden', 'fade', 'o-0']);
      expect(shown('#m')).toBe(true);
      jest.advanceTimersByTime(300);
      expect(shown('#m')).toBe(false);
      expect([...$('#m').classList]).toEqual(['hidden']);
    });

    it('the default time is 200 ms; a second transition on the element finishes the first at once', async () => {
      await start(`<button id="a" dj-click="${cmds(['transition', { to: '#m', transition: ['spin', '', ''] }])}">a</button>
        <button id="b" dj-click="${cmds(['hide', { to: '#m', transition: ['fade', '', ''] }])}">b</button><div id="m"></div>`);
      jest.useFakeTimers();
      await click('#a');
      expect($('#m').className).toBe('spin');
      await click('#b');
      expect($('#m').className).toBe('fade'); // spin ended when fade began
      jest.advanceTimersByTime(199);
      expect(shown('#m')).toBe(true);
      jest.advanceTimersByTime(1);
      expect(shown('#m')).toBe(false);
      expect($('#m').className).toBe('');
    });
  });

  describe('classes and attributes', () => {
    it('add_class and remove_class on the element itself by default, inner and closest targets, with a transition delaying the change', async () => {
      await start(`<ul id="list" class="plain"><li id="li"><button id="b" class="idle" dj-click="${cmds(
        ['add_class', { names: 'on busy' }], ['remove_class', { names: 'idle' }], ['add_class', { names: 'open', to: { closest: 'ul' } }],
        ['remove_class', { names: 'plain', to: { closest: '#list' }, transition: 'fade', time: 100 }],
      )}"><i class="icon">i</i></button></li></ul><p id="p" dj-click="${cmds(['add_class', { names: 'lit', to: { inner: '.x' } }])}"><b class="x"></b><b class="x"></b></p>`);
      jest.useFakeTimers();
      await click('#b');
      expect($('#b').className).toBe('on busy');
      expect($('#list').className).toBe('plain open fade');
      jest.advanceTimersByTime(100);
      expect($('#list').className).toBe('open');
      await click('#p');
      expect([...document.querySelectorAll('.x.lit')]).toHaveLength(2);
    });

    it('set_attribute and remove_attribute; the element without `to` is the one carrying the binding', async () => {
      await start(`<button id="b" aria-expanded="false" dj-click="${cmds(['set_attribute', { attr: ['aria-expanded', 'true'] }], ['remove_attribute', { attr: 'disabled', to: '#x' }])}">b</button><input id="x" disabled>`);
      await click('#b');
      expect($('#b').getAttribute('aria-expanded')).toBe('true');
      expect($('#x').hasAttribute('disabled')).toBe(false);
    });
  });

  describe('toggle_class, toggle_attribute, exec', () => {
    it('toggle_class flips each class; toggle_attribute sets/removes, or switches between two values', async () => {
      await start(`<button id="b" class="a" aria-expanded="false" dj-click="${cmds(['toggle_class', { names: 'a b' }], ['toggle_attribute', { attr: ['aria-expanded', 'true', 'false'] }], ['toggle_attribute', { attr: ['open', ''], to: '#d' }])}">b</button><details id="d"></details>`);
      await click('#b');
      expect($('#b').className).toBe('b');
      expect($('#b').getAttribute('aria-expanded')).toBe('true');
      expect($('#d').getAttribute('open')).toBe('');
      await click('#b');
      expect($('#b').className).toBe('a');
      expect($('#b').getAttribute('aria-expanded')).toBe('false');
      expect($('#d').hasAttribute('open')).toBe(false);
      t.patch(['a', [1], 'open', '']); // the server opens it: the toggle's removal is kept
      expect($('#d').hasAttribute('open')).toBe(false);
    });

    it('exec runs the commands in an attribute of the target as its own; one that runs itself stops at 10 levels, logged', async () => {
      await start(`<div id="modal" data-cancel="${cmds(['add_class', { names: 'closing' }], ['hide', {}])}">m</div>
        <button id="x" dj-click="${cmds(['exec', { attr: 'data-cancel', to: '#modal' }])}">x</button>
        <button id="loop" data-again="${cmds(['exec', { attr: 'data-again' }])}" dj-click="${cmds(['exec', { attr: 'data-again' }])}">loop</button>`);
      await click('#x');
      expect($('#modal').className).toBe('closing');
      expect(shown('#modal')).toBe(false);
      await click('#loop');
      expect(error).toHaveBeenCalledTimes(1);
      expect(String(error.mock.calls[0]?.[4])).toContain('exec nested more than 10 deep');
    });
  });

  describe('kept across server patches', () => {
    it('classes, attributes and display stay after a patch sets the attributes again (op a)', async () => {
      await start(`<button id="b" dj-click="${cmds(['add_class', { names: 'open', to: '#m' }], ['set_attribute', { attr: ['aria-hidden', 'false'], to: '#m' }], ['show', { to: '#m' }], ['remove_class', { names: 'hidden', to: '#m' }])}">b</button><div id="m" class="menu hidden" aria-hidden="true">x</div>`);
      await click('#b');
      t.patch(['a', [1], 'class', 'menu hidden v2', 'aria-hidden', 'true']);
      expect($('#m').className).toBe('menu v2 open');
      expect($('#m').getAttribute('aria-hidden')).toBe('false');
      expect($('#m').style.display).toBe('block');
    });

    it('moves to the element that replaced it: same id after a full render (a reconnect), same place after a replace op', async () => {
      await start(`<button id="b" dj-click="${cmds(['add_class', { names: 'on', to: '#m' }], ['add_class', { names: 'on', to: '.n' }])}">b</button><div id="m">1</div><p class="n">2</p>`);
      await click('#b');
      t.drop();
      jest.useFakeTimers();
      jest.runOnlyPendingTimers(); // the reconnect
      const again = last();
      again.open();
      again.mounted(`<button id="b" dj-click="${cmds(['add_class', { names: 'on', to: '#m' }])}">b</button><div id="m">1 again</div><p class="n">2 again</p>`);
      expect($('#m').textContent).toBe('1 again');
      expect($('#m').className).toBe('on');
      expect($('.n').className).toBe('n on');
      again.patch(['r', [2], '<p class="n">2 replaced</p>']);
      expect($('.n').outerHTML).toBe('<p class="n on">2 replaced</p>');
    });

    it('a hidden element stays hidden when the server re-renders it; another view (navigate with html) starts clean', async () => {
      await start(`<button id="b" dj-click="${cmds(['hide', { to: '#m' }])}">b</button><div id="m">x</div>`);
      await click('#b');
      t.patch(['r', [1], '<div id="m">y</div>']);
      expect($('#m').textContent).toBe('y');
      expect(shown('#m')).toBe(false);
      t.receive({ type: 'navigate', url: '/other', html: '<div id="m">other view</div>', token: 't.2' });
      expect(shown('#m')).toBe(true);
    });
  });

  describe('push', () => {
    it('sends the event with the binding\'s dj-value-* and its value; the element carries dj-click-loading until the answer', async () => {
      await start(`<button id="b" dj-value-id="7" dj-click="${cmds(['add_class', { names: 'picked' }], ['push', { event: 'pick', value: { n: 1 } }])}">b</button>`);
      await click('#b');
      expect(t.events()).toEqual([{ type: 'event', ref: 1, event: 'pick', params: { id: '7', n: 1 } }]);
      expect([...$('#b').classList].sort()).toEqual(['dj-click-loading', 'picked']);
      t.answer('patch', 1);
      await settle();
      expect($('#b').className).toBe('picked');
    });

    it('commands without a push show no loading class', async () => {
      await start(`<button id="b" dj-click="${cmds(['add_class', { names: 'x' }])}">b</button>`);
      $('#b').click();
      expect($('#b').className).toBe('');
    });

    it('dj-submit sends the form\'s fields, dj-change the field\'s value and _target, as the plain bindings do', async () => {
      await start(`<form id="f" dj-submit="${cmds(['push', { event: 'save' }], ['hide', { to: '#f' }])}" dj-change="${cmds(['push', { event: 'validate' }])}"><input name="title" value="a"></form>`);
      const field = $<HTMLInputElement>('[name=title]');
      field.value = 'ab';
      field.dispatchEvent(new Event('input', { bubbles: true }));
      $('#f').dispatchEvent(new Event('submit', { bubbles: true, cancelable: true }));
      await settle();
      expect(t.events().map((m) => [m.event, m.params])).toEqual([['validate', { title: 'ab', _target: 'title' }], ['save', { title: 'ab' }]]);
      expect(shown('#f')).toBe(false);
    });

    it('key bindings with dj-key and focus bindings run commands', async () => {
      await start(`<input id="q" dj-keydown="${cmds(['add_class', { names: 'entered' }])}" dj-key="Enter" dj-focus="${cmds(['add_class', { names: 'focused' }])}">`);
      $('#q').dispatchEvent(new KeyboardEvent('keydown', { key: 'a', bubbles: true }));
      await settle();
      expect($('#q').className).toBe('');
      $('#q').dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
      $('#q').focus();
      await settle();
      expect($('#q').className).toBe('entered focused');
    });
  });

  describe('dispatch, focus, navigate, patch', () => {
    it('dispatch sends a bubbling CustomEvent with detail and the dispatcher; bubbles: false stays on the element', async () => {
      await start(`<section id="s"><button id="b" dj-click="${cmds(['dispatch', { event: 'copy', to: '#t', detail: { text: 'hi' } }], ['dispatch', { event: 'quiet', bubbles: false }])}">b</button><span id="t"></span></section>`);
      const got: { type: string; detail: unknown }[] = [];
      for (const e of ['copy', 'quiet']) $('#s').addEventListener(e, (ev) => got.push({ type: e, detail: (ev as CustomEvent).detail }));
      $('#b').addEventListener('quiet', () => got.push({ type: 'quiet on b', detail: null }));
      await click('#b');
      expect(got).toEqual([{ type: 'copy', detail: { text: 'hi', dispatcher: $('#b') } }, { type: 'quiet on b', detail: null }]);
    });

    it('focus focuses the first element `to` finds', async () => {
      await start(`<button id="b" dj-click="${cmds(['show', { to: '#d' }], ['focus', { to: '#d input' }])}">b</button><div id="d" class="hidden"><input id="i1"><input id="i2"></div>`);
      await click('#b');
      expect(document.activeElement?.id).toBe('i1');
    });

    it('patch and navigate send params for the URL and push it to the history (replace: true replaces)', async () => {
      history.replaceState(null, '', '/start');
      await start(`<button id="p" dj-click="${cmds(['patch', { href: '/start?page=2' }])}">p</button><button id="n" dj-click="${cmds(['navigate', { href: '/other', replace: true }])}">n</button>`);
      const before = history.length;
      await click('#p');
      expect(location.pathname + location.search).toBe('/start?page=2');
      expect(history.length).toBe(before + 1);
      await click('#n');
      expect(location.pathname).toBe('/other');
      expect(history.length).toBe(before + 1);
      expect(t.events().map((m) => [m.type, m.url])).toEqual([['params', '/start?page=2'], ['params', '/other']]);
    });
  });

  describe('from page code and hooks', () => {
    it('djust.execJS(el, commands) takes an array or the JSON', async () => {
      await start('<div id="a"></div>');
      await client.execJS($('#a'), [['add_class', { names: 'one' }]]);
      await client.execJS($('#a'), '[["set_attribute",{"attr":["data-x","1"]}]]');
      await settle();
      expect($('#a').outerHTML).toBe('<div id="a" class="one" data-x="1"></div>');
    });

    it('a hook\'s this.js() chains Phoenix\'s hook calls on elements, exec runs commands as the hook element, an unknown call is logged', async () => {
      const Menu: Hook = {
        mounted(this: HookInstance) {
          const menu = document.getElementById('menu') as Element;
          this.js().show(menu).addClass(menu, ['open', 'wide']).setAttribute(this.el, 'aria-expanded', 'true').nope(menu).exec([['add_class', { names: 'ready' }]]);
        },
      };
      await start('<button id="h" dj-hook="Menu">h</button><div id="menu" class="hidden"></div>', { Menu });
      await settle();
      expect($('#menu').className).toBe('hidden open wide');
      expect(shown('#menu')).toBe(true);
      expect($('#h').outerHTML).toBe('<button id="h" dj-hook="Menu" aria-expanded="true" class="ready">h</button>');
      expect(String(error.mock.calls[0]?.[1])).toContain('this.js().nope() does not exist');
    });
  });

  describe('loading the module', () => {
    it('a failed load is logged, the binding sends nothing, and the next command tries again', async () => {
      document.body.innerHTML = `<main dj-root><button id="b" dj-click="${cmds(['add_class', { names: 'on' }])}">b</button></main>`;
      client = new LiveClient(document, { token: 't.1', prefix: '/djust', transport: 'websocket', announce: false, jsUrl: path.join(__dirname, 'no-such-module.js') }, transports);
      client.start();
      $('#b').click();
      await expect(client.commands()).rejects.toThrow(/no-such-module/);
      expect(String(error.mock.calls[0]?.[0])).toBe('djust-lite: JS commands not loaded');
      expect($('#b').className).toBe('');
      client.config.jsUrl = JS_URL;
      await click('#b');
      expect($('#b').className).toBe('on');
    });
  });

  describe('bad input', () => {
    it('a value that is not a JSON array is logged and sends nothing; an unknown or failing command is logged and the rest still run', async () => {
      await start(`<button id="a" dj-click="[oops">a</button><button id="b" dj-click="${cmds(['explode', {}], ['add_class', { names: 'x', to: '##bad' }], ['add_class', { names: 'ok' }])}">b</button>`);
      await click('#a');
      expect(String(error.mock.calls[0]?.[0])).toContain('JS commands must be a JSON array');
      await click('#b');
      expect(String(error.mock.calls[1]?.[4])).toContain('unknown command "explode"');
      expect(error.mock.calls[2]?.[4]).toBeInstanceOf(Error); // the invalid selector
      expect($('#b').className).toBe('ok');
      expect(t.events()).toEqual([]);
    });
  });
});
