/**
 * The browser client where Phoenix LiveView users reach first, under jsdom: the cases of Phoenix's
 * own client tests (assets/test, test/e2e/tests) for clicks, submits, rate limits, hooks and
 * flash, rewritten for the `dj-` attributes. public/events.js with a push the test settles, or
 * LiveClient with a scripted transport where a patch must arrive.
 * @jest-environment jsdom
 */
import { LiveClient } from '../../public/client.js';
import { bindEvents } from '../../public/events.js';
import type { Hook } from '../../public/hooks.js';
import { scriptedTransports } from '../helpers/scripted-transport';

type Call = { event: string; params: Record<string, unknown>; resolve: (v?: unknown) => void; reject: (e: Error) => void };

let calls: Call[];
let unbind: (() => void) | undefined;
const pushed = () => calls.map((c) => [c.event, c.params]);
/** Binds `html` in the body with a push that returns a promise each call; the test settles it. */
function mount(html: string): void {
  document.body.innerHTML = html;
  calls = [];
  unbind = bindEvents(document, (event, params) => new Promise((resolve, reject) => void calls.push({ event, params, resolve, reject })));
}
const tick = () => new Promise<void>((r) => setTimeout(r, 0));
const $ = <T extends Element = HTMLInputElement>(sel: string) => document.querySelector(sel) as unknown as T;
const key = (target: EventTarget, type: string, k: string) => target.dispatchEvent(new KeyboardEvent(type, { key: k, bubbles: true }));
const type = (sel: string, value: string) => {
  const el = $(sel);
  el.value = value;
  el.dispatchEvent(new Event('input', { bubbles: true }));
};

afterEach(() => {
  unbind?.();
  unbind = undefined;
  jest.useRealTimers();
});

describe('dj-click keeps the click\'s default action', () => {
  it('a checkbox with dj-click still toggles, and the click is sent', () => {
    mount('<input type="checkbox" id="c" dj-click="toggle" dj-value-id="4">');
    $('#c').click();
    expect($('#c').checked).toBe(true);
    expect(pushed()).toEqual([['toggle', { id: '4' }]]);
  });

  it('a submit button with dj-click inside a dj-submit form sends the click, then submits the form', () => {
    mount('<form id="f" dj-submit="save"><input name="title" value="Hi"><button id="b" dj-click="clicked">Save</button></form>');
    $('#b').click();
    expect(pushed()).toEqual([['clicked', {}], ['save', { title: 'Hi' }]]);
  });

  it('a link with href="#" does not navigate; its click is sent', () => {
    mount('<a href="#" id="a" dj-click="open">open</a>');
    const ev = new MouseEvent('click', { bubbles: true, cancelable: true });
    $('#a').dispatchEvent(ev);
    expect(ev.defaultPrevented).toBe(true);
    expect(pushed()).toEqual([['open', {}]]);
  });
});

describe('dj-submit params', () => {
  it('include the named button that submitted the form, and no other button', async () => {
    mount(`<form id="f" dj-submit="save"><input name="title" value="Post">
      <button id="draft" name="save" value="draft">Draft</button><button id="pub" name="save" value="publish">Publish</button></form>`);
    $('#draft').click();
    $('#pub').click(); // disabled while the first submit is in flight: nothing
    calls[0]?.resolve();
    await tick();
    $('#pub').click();
    expect(pushed()).toEqual([['save', { title: 'Post', save: 'draft' }], ['save', { title: 'Post', save: 'publish' }]]);
  });

  it('include a submitter outside the form joined by form=, and the fields joined the same way', () => {
    mount(`<form id="f" dj-submit="save"><input name="title" value="Post"></form>
      <input name="tag" form="f" value="news"><button id="out" form="f" name="action" value="archive">Archive</button>`);
    $('#out').click();
    expect(pushed()).toEqual([['save', { title: 'Post', tag: 'news', action: 'archive' }]]);
  });

  it('have no button entry for a submit without a named submitter', () => {
    mount('<form id="f" dj-submit="save"><input name="title" value="Post"><button id="b">Go</button></form>');
    $('#b').click();
    expect(pushed()).toEqual([['save', { title: 'Post' }]]);
  });
});

describe('a submit in flight', () => {
  const FORM = `<form id="f" dj-submit="save">
      <input id="t" name="title" value="x"><input id="ro" name="code" value="1" readonly>
      <textarea id="body" name="body"></textarea><select id="s" name="size"><option>S</option></select>
      <button id="go">Save</button><button id="off" type="button" disabled>Off</button>
      <button id="w" type="button" dj-disable-with>Keep my text</button>
    </form>
    <input id="outside" name="note" form="f"><button id="outbtn" form="f" type="button">Other</button>`;
  const state = () => ['t', 'ro', 'body', 's', 'outside'].map((id) => `${id}:${$(`#${id}`).hasAttribute('readonly')}`)
    .concat(['go', 'off', 'w', 'outbtn'].map((id) => `${id}:${$<HTMLButtonElement>(`#${id}`).disabled}`));
  const before = ['t:false', 'ro:true', 'body:false', 's:false', 'outside:false', 'go:false', 'off:true', 'w:false', 'outbtn:false'];
  const during = ['t:true', 'ro:true', 'body:true', 's:true', 'outside:true', 'go:true', 'off:true', 'w:true', 'outbtn:true'];

  it('makes the form\'s fields readonly and its buttons disabled (form= ones outside it too), then gives each its own state back', async () => {
    mount(FORM);
    expect(state()).toEqual(before);
    $('#go').click();
    expect(state()).toEqual(during);
    expect($('#f').classList.contains('dj-submit-loading')).toBe(true);
    calls[0]?.resolve();
    await tick();
    expect(state()).toEqual(before);
    expect($('#f').classList.contains('dj-submit-loading')).toBe(false);
  });

  it('gives the states back when the event fails too', async () => {
    mount(FORM);
    $('#go').click();
    calls[0]?.reject(Object.assign(new Error('refused'), { code: 'bad_params' }));
    await tick();
    expect(state()).toEqual(before);
  });

  it('a bare dj-disable-with keeps the button\'s text; a valued one shows its text, then the old one', async () => {
    mount('<form id="f" dj-submit="save"><button id="a" dj-disable-with>Save</button><button id="b" type="button" dj-disable-with="Saving…">Save</button></form>');
    $('#a').click();
    expect([$('#a').textContent, $<HTMLButtonElement>('#a').disabled]).toEqual(['Save', true]);
    expect($('#b').textContent).toBe('Saving…');
    calls[0]?.resolve();
    await tick();
    expect([$('#a').textContent, $('#b').textContent, $<HTMLButtonElement>('#b').disabled]).toEqual(['Save', 'Save', false]);
  });
});

describe('dj-debounce and dj-throttle', () => {
  beforeEach(() => jest.useFakeTimers());

  it('dj-debounce="" waits the default 300 ms', () => {
    mount('<input id="q" name="q" dj-change="search" dj-debounce="">');
    type('#q', 'a');
    jest.advanceTimersByTime(299);
    expect(pushed()).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(pushed()).toEqual([['search', { value: 'a', q: 'a' }]]);
  });

  it('dj-throttle="" lets one call through per default 300 ms', () => {
    mount('<button id="b" dj-click="inc" dj-throttle="">+</button>');
    $('#b').click();
    $('#b').click();
    expect(pushed()).toHaveLength(1);
    jest.advanceTimersByTime(300);
    expect(pushed()).toHaveLength(2);
  });

  it('a throttled key binding lets another key through at once: a, b, a, b all go now', () => {
    mount('<input id="k" dj-keydown="key" dj-throttle="1000">');
    for (const k of ['a', 'b', 'a', 'b']) key($('#k'), 'keydown', k);
    expect(pushed().map(([, p]) => (p as { key: string }).key)).toEqual(['a', 'b', 'a', 'b']);
  });

  it('a repeated key is still throttled', () => {
    mount('<input id="k" dj-keydown="key" dj-throttle="1000">');
    for (const k of ['a', 'a', 'a']) key($('#k'), 'keydown', k);
    expect(pushed()).toHaveLength(1);
    jest.advanceTimersByTime(1000);
    expect(pushed()).toHaveLength(2);
  });

  it('blur ends a throttle window: the held call goes, and the next trigger goes at once', () => {
    mount('<input id="k" dj-keydown="key" dj-throttle="1000">');
    key($('#k'), 'keydown', 'a');
    key($('#k'), 'keydown', 'a');
    $('#k').dispatchEvent(new FocusEvent('focusout', { bubbles: true }));
    expect(pushed()).toHaveLength(2);
    key($('#k'), 'keydown', 'a');
    expect(pushed()).toHaveLength(3);
  });
});

describe('a field outside its form, joined by form=', () => {
  beforeEach(() => jest.useFakeTimers());

  it('sends the form\'s dj-change with every field and _target, after the form\'s debounce', () => {
    mount('<form id="f" dj-change="validate" dj-debounce="200"><input name="title" value="T"></form><input id="n" name="note" form="f">');
    type('#n', 'hello');
    expect(pushed()).toEqual([]);
    jest.advanceTimersByTime(200);
    expect(pushed()).toEqual([['validate', { title: 'T', note: 'hello', _target: 'note' }]]);
  });

  it('a submit first sends its held change', () => {
    mount('<form id="f" dj-change="validate" dj-submit="save"><input name="title" value="T"></form><input id="n" name="note" form="f" dj-debounce="blur">');
    type('#n', 'hi');
    $('#f').dispatchEvent(new Event('submit', { bubbles: true, cancelable: true }));
    expect(pushed().map(([e]) => e)).toEqual(['validate', 'save']);
  });
});

describe('LiveClient', () => {
  const { opened, transports, last } = scriptedTransports();
  let client: LiveClient;

  /** A client over a scripted connection, mounted with `html` in its region. */
  function start(html: string, hooks: Record<string, Hook> = {}) {
    opened.length = 0;
    document.body.innerHTML = '<main dj-root></main>';
    client = new LiveClient(document, { token: 't.1', prefix: '/djust', transport: 'websocket', announce: false, hooks }, transports).start();
    last().open();
    last().mounted(html);
    return last();
  }
  afterEach(() => client.stop());

  describe('after a submit\'s answer the server\'s values win', () => {
    const FORM = '<form id="f" dj-submit="save"><input id="t" name="title" value=""><input id="c" type="checkbox" name="ok" value="y" checked></form>';

    it('in every field, the focused one too', async () => {
      const t = start(FORM);
      $('#t').focus();
      $('#t').value = 'Hello';
      $('#c').checked = false;
      $('#f').dispatchEvent(new Event('submit', { bubbles: true, cancelable: true }));
      const [sent] = t.events();
      expect(sent?.params).toEqual({ title: 'Hello' });
      // the server saved and reset its form: the title's value is empty as before, the box checked
      t.answer('patch', sent?.ref as number, { ops: [['a', [0, 1], 'data-saved', '1']] });
      await tick();
      expect([$('#t').value, $('#c').checked, document.activeElement?.id]).toEqual(['', true, 't']);
    });

    it('takes the value a patch set on the focused field', async () => {
      const t = start(FORM);
      $('#t').focus();
      $('#t').value = 'Hello';
      $('#f').dispatchEvent(new Event('submit', { bubbles: true, cancelable: true }));
      t.answer('patch', t.events()[0]?.ref as number, { ops: [['a', [0, 0], 'value', 'HELLO']] });
      await tick();
      expect($('#t').value).toBe('HELLO');
    });

    it('but not in a field the user changed since the submit', async () => {
      const t = start(FORM);
      $('#f').dispatchEvent(new Event('submit', { bubbles: true, cancelable: true }));
      $('#c').checked = false;
      $('#c').dispatchEvent(new Event('input', { bubbles: true }));
      $('#t').value = 'typed';
      t.answer('reply', t.events()[0]?.ref as number);
      await tick();
      expect([$('#t').value, $('#c').checked]).toEqual(['', false]);
    });

    it('not after an error answer: the user\'s values stay', async () => {
      jest.spyOn(console, 'warn').mockImplementationOnce(() => undefined);
      const t = start(FORM);
      $('#t').value = 'Hello';
      $('#f').dispatchEvent(new Event('submit', { bubbles: true, cancelable: true }));
      t.answer('error', t.events()[0]?.ref as number, { code: 'bad_params', message: 'no' });
      await tick();
      expect($('#t').value).toBe('Hello');
    });
  });

  describe('hooks', () => {
    it('beforeUpdate(toEl) gets the element as the patch will leave it, while this.el is unchanged', () => {
      const seen: string[] = [];
      const t = start('<div id="h" dj-hook="Chart" data-v="1">one</div><p id="other">x</p>', {
        Chart: { beforeUpdate(toEl: Element) { seen.push(`${this.el.getAttribute('data-v')}→${toEl.getAttribute('data-v')} ${toEl.textContent} ${toEl.isConnected}`); } },
      });
      t.patch(['a', [1], 'class', 'x']); // another element: no beforeUpdate
      expect(seen).toEqual([]);
      t.patch(['a', [0], 'data-v', '2'], ['t', [0, 0], 'two']);
      expect(seen).toEqual(['1→2 two false']);
      expect($('#h').textContent).toBe('two');
    });

    it('a dj-update="ignore" hooked element gets beforeUpdate for its attributes', () => {
      const seen: string[] = [];
      const t = start('<div id="h" dj-hook="Map" dj-update="ignore" data-zoom="3">map</div>', {
        Map: { beforeUpdate(toEl: Element) { seen.push(String(toEl.getAttribute('data-zoom'))); } },
      });
      t.receive({ type: 'patch', ref: null, html: '<div id="h" dj-hook="Map" dj-update="ignore" data-zoom="4">new</div>' });
      expect(seen).toEqual(['4']);
      expect($('#h').textContent).toBe('map');
    });

    it('changing only the hook name destroys the old hook and mounts the new one', () => {
      const log: string[] = [];
      const logging = (name: string): Hook => ({
        mounted() { log.push(`${name}:mounted`); },
        updated() { log.push(`${name}:updated`); },
        destroyed() { log.push(`${name}:destroyed`); },
      });
      const t = start('<div id="h" dj-hook="A"></div>', { A: logging('A'), B: logging('B') });
      t.patch(['a', [0], 'dj-hook', 'B']);
      expect(log).toEqual(['A:mounted', 'A:destroyed', 'B:mounted']);
    });
  });

  describe('flash', () => {
    it('a click on a message removes it and tells the server which level to forget', () => {
      const t = start('<p>x</p>');
      t.receive({ type: 'flash', action: 'put', level: 'info', message: 'Saved' });
      t.receive({ type: 'flash', action: 'put', level: 'error', message: 'Careful' });
      $<HTMLElement>('#dj-flash-container [data-level=info]').click();
      expect([...$('#dj-flash-container').children].map((c) => c.textContent)).toEqual(['Careful']);
      expect(t.events().map((m) => [m.event, m.params])).toEqual([['dj:clear-flash', { level: 'info' }]]);
      // the server's clear that answers it finds nothing left to remove
      t.receive({ type: 'flash', action: 'clear', level: 'info' });
      expect($('#dj-flash-container').children).toHaveLength(1);
    });

    it('a click inside a message (a close button of your own markup) counts; a click elsewhere does not', () => {
      document.body.innerHTML = '<div id="dj-flash-container"><div data-level="info">Hi <button id="x">×</button></div></div><main dj-root></main><p id="away">away</p>';
      opened.length = 0;
      client = new LiveClient(document, { token: 't.1', prefix: '/djust', transport: 'websocket', announce: false }, transports).start();
      last().open();
      last().mounted('<p>x</p>');
      $<HTMLElement>('#away').click();
      expect($('#dj-flash-container').children).toHaveLength(1);
      $<HTMLElement>('#x').click();
      expect($('#dj-flash-container').children).toHaveLength(0);
      expect(last().events().map((m) => m.params)).toEqual([{ level: 'info' }]);
    });

    it('a new message of a level replaces the one shown', () => {
      const t = start('<p>x</p>');
      t.receive({ type: 'flash', action: 'put', level: 'info', message: 'one' });
      t.receive({ type: 'flash', action: 'put', level: 'info', message: 'two' });
      expect([...$('#dj-flash-container').children].map((c) => c.textContent)).toEqual(['two']);
    });
  });
});
