/**
 * The interaction bindings of public/events.js under jsdom: key, focus and window bindings,
 * dj-debounce / dj-throttle (fake timers), loading classes and dj-disable-with (promises the test
 * settles), and unbind.
 * @jest-environment jsdom
 */
import { bindEvents } from '../../public/events.js';

type Call = { event: string; params: Record<string, unknown>; resolve: (v?: unknown) => void; reject: (e: Error) => void };

let calls: Call[];
let unbind: () => void;
/** What was pushed, as [event, params]. */
const pushed = () => calls.map((c) => [c.event, c.params]);
/** Binds `html` in the body with a push that returns a promise each call; the test settles it. */
function mount(html: string): void {
  document.body.innerHTML = html;
  calls = [];
  unbind = bindEvents(document, (event, params) => new Promise((resolve, reject) => void calls.push({ event, params, resolve, reject })));
}
/** Lets settled promises run their callbacks. */
const tick = () => new Promise<void>((r) => queueMicrotask(r)).then(() => Promise.resolve());
const $ = <T extends Element = HTMLElement>(sel: string) => document.querySelector(sel) as unknown as T;
const key = (target: EventTarget, type: string, k: string) => target.dispatchEvent(new KeyboardEvent(type, { key: k, bubbles: true }));
const input = (sel: string, value: string) => {
  const el = $<HTMLInputElement>(sel);
  el.value = value;
  el.dispatchEvent(new Event('input', { bubbles: true }));
};
const submit = (sel: string) => $(sel).dispatchEvent(new Event('submit', { bubbles: true, cancelable: true }));

afterEach(() => {
  unbind?.();
  jest.useRealTimers();
});

describe('bindEvents: existing bindings', () => {
  it('dj-change on a form sends every field and _target; on a field {value, [name]}', () => {
    mount(`<form id="f" dj-change="edit"><input name="a" value="1"><input name="b" value="2"></form>
      <input id="q" name="q" dj-change="search" dj-value-scope="all">`);
    input('[name=b]', 'x');
    input('#q', 'lamp');
    expect(pushed()).toEqual([['edit', { a: '1', b: 'x', _target: 'b' }], ['search', { value: 'lamp', q: 'lamp', scope: 'all' }]]);
  });

  it('dj-value-* comes from the element carrying the binding: a child sends its ancestor\'s, a nested binding only its own', () => {
    mount(`<div dj-click="outer" dj-value-id="1" dj-value-kind="row">
      <span id="child">x</span><button id="inner" dj-click="inner" dj-value-id="2">y</button></div>`);
    $('#child').click();
    $('#inner').click();
    expect(pushed()).toEqual([['outer', { id: '1', kind: 'row' }], ['inner', { id: '2' }]]);
  });

  it('a push that returns no promise counts as settled: no loading class stays', () => {
    document.body.innerHTML = '<button dj-click="go" dj-disable-with="…">Go</button>';
    unbind = bindEvents(document, () => 7);
    $('button').click();
    expect($('button').className).toBe('');
    expect($('button').textContent).toBe('Go');
  });
});

describe('bindEvents: keys', () => {
  it('dj-keydown / dj-keyup send {key, value} from a field, {key} from another element, with dj-value-*', () => {
    mount(`<input id="i" dj-keydown="typed" dj-value-row="3" value="ab"><div id="d" tabindex="0" dj-keyup="up"><b id="in">x</b></div>`);
    key($('#i'), 'keydown', 'b');
    key($('#in'), 'keyup', 'ArrowUp');
    key($('#i'), 'keyup', 'x'); // no dj-keyup there
    expect(pushed()).toEqual([['typed', { key: 'b', value: 'ab', row: '3' }], ['up', { key: 'ArrowUp' }]]);
  });

  it('dj-key lets only that key through, case-insensitively', () => {
    mount('<input id="i" dj-keyup="send" dj-key="enter" value="hi">');
    key($('#i'), 'keyup', 'a');
    key($('#i'), 'keyup', 'Escape');
    key($('#i'), 'keyup', 'Enter');
    expect(pushed()).toEqual([['send', { key: 'Enter', value: 'hi' }]]);
  });

  it('ignores a key event without a key (browser autofill)', () => {
    mount('<input id="i" dj-keydown="k">');
    $('#i').dispatchEvent(new Event('keydown', { bubbles: true }));
    expect(pushed()).toEqual([]);
  });

  it('dj-window-keydown / keyup listen on window, for every element carrying them, with their dj-key', () => {
    mount(`<div id="a" dj-window-keydown="nav" dj-value-panel="a"></div><section><p id="b" dj-window-keydown="close" dj-key="Escape"></p></section>
      <input id="c" dj-window-keyup="released" value="v">`);
    key(window, 'keydown', 'j');
    key(document.body, 'keydown', 'escape'); // bubbles up to window
    key(window, 'keyup', 'j');
    expect(pushed()).toEqual([
      ['nav', { key: 'j', panel: 'a' }],
      ['nav', { key: 'escape', panel: 'a' }],
      ['close', { key: 'escape' }],
      ['released', { key: 'j', value: 'v' }],
    ]);
  });
});

describe('bindEvents: focus', () => {
  it('dj-focus / dj-blur on the field itself, with its value', () => {
    mount(`<div dj-blur="never"><input id="a" dj-focus="in" dj-blur="out" dj-value-f="a" value="1"><input id="b"></div>`);
    $('#a').focus();
    $('#b').focus();
    expect(pushed()).toEqual([['in', { value: '1', f: 'a' }], ['out', { value: '1', f: 'a' }]]);
  });

  it('dj-window-focus / dj-window-blur on the window losing and getting focus', () => {
    mount('<div id="w" dj-window-blur="away" dj-window-focus="back" dj-value-x="1"></div>');
    window.dispatchEvent(new Event('blur'));
    window.dispatchEvent(new Event('focus'));
    expect(pushed()).toEqual([['away', { x: '1' }], ['back', { x: '1' }]]);
  });
});

describe('bindEvents: dj-debounce', () => {
  beforeEach(() => jest.useFakeTimers());

  it('sends once, the last value, ms after the last trigger, on any binding', () => {
    mount('<input id="i" dj-keyup="k" dj-debounce="100"><button dj-click="c" dj-debounce="50">b</button>');
    for (const k of ['a', 'b', 'c']) {
      key($('#i'), 'keyup', k);
      jest.advanceTimersByTime(60);
    }
    $('button').click();
    $('button').click();
    expect(pushed()).toEqual([]); // t=180: keyups at 0, 60, 120; clicks at 180
    jest.advanceTimersByTime(40);
    expect(pushed()).toEqual([['k', { key: 'c', value: '' }]]);
    jest.advanceTimersByTime(10);
    expect(pushed()).toEqual([['k', { key: 'c', value: '' }], ['c', {}]]);
    jest.advanceTimersByTime(1000);
    expect(calls).toHaveLength(2);
  });

  it('"blur": sends the last value when the field loses focus, not before', () => {
    mount('<input id="i" name="q" dj-change="search" dj-debounce="blur"><input id="other">');
    $('#i').focus();
    input('#i', 'l');
    input('#i', 'lamp');
    jest.advanceTimersByTime(10000);
    expect(pushed()).toEqual([]);
    $('#other').focus();
    expect(pushed()).toEqual([['search', { value: 'lamp', q: 'lamp' }]]);
  });

  it('a field losing focus sends its held ms-debounced call at once', () => {
    mount('<input id="i" name="q" dj-change="search" dj-debounce="500"><input id="other">');
    $('#i').focus();
    input('#i', 'abc');
    $('#other').focus();
    expect(pushed()).toEqual([['search', { value: 'abc', q: 'abc' }]]);
    jest.advanceTimersByTime(1000);
    expect(calls).toHaveLength(1);
  });

  it('on a form\'s field: each field its own debounce; the held call sends the form as it is then, with _target', () => {
    mount('<form dj-change="edit"><input name="a" dj-debounce="100"><input name="b"></form>');
    input('[name=a]', 'x');
    input('[name=b]', 'y');
    expect(pushed()).toEqual([['edit', { a: 'x', b: 'y', _target: 'b' }]]);
    jest.advanceTimersByTime(100);
    expect(pushed()[1]).toEqual(['edit', { a: 'x', b: 'y', _target: 'a' }]);
  });

  it('a submit sends its form\'s held change first, and leaves other forms\' held changes', () => {
    mount(`<form id="f" dj-change="edit" dj-submit="save"><input name="t" dj-debounce="300"></form>
      <form id="g" dj-change="other" dj-debounce="300"><input name="u"></form>`);
    input('#g [name=u]', 'keep');
    input('#f [name=t]', 'la');
    input('#f [name=t]', 'last');
    submit('#f');
    expect(pushed()).toEqual([['edit', { t: 'last', _target: 't' }], ['save', { t: 'last' }]]);
    jest.advanceTimersByTime(300);
    expect(pushed()).toEqual([['edit', { t: 'last', _target: 't' }], ['save', { t: 'last' }], ['other', { u: 'keep', _target: 'u' }]]);
  });

  it('a form\'s dj-debounce holds its changes, never its submit', () => {
    mount('<form id="f" dj-change="edit" dj-submit="save" dj-debounce="blur"><input name="t"></form>');
    input('[name=t]', 'x');
    submit('#f');
    expect(pushed()).toEqual([['edit', { t: 'x', _target: 't' }], ['save', { t: 'x' }]]);
  });
});

describe('bindEvents: dj-throttle', () => {
  beforeEach(() => jest.useFakeTimers());

  it('sends the first trigger now and the window\'s last at its end, at most once per window', () => {
    mount('<input id="i" name="q" dj-change="search" dj-throttle="100">');
    input('#i', 'a');
    input('#i', 'ab');
    input('#i', 'abc');
    expect(pushed()).toEqual([['search', { value: 'a', q: 'a' }]]);
    jest.advanceTimersByTime(100);
    expect(pushed()).toEqual([['search', { value: 'a', q: 'a' }], ['search', { value: 'abc', q: 'abc' }]]);
    input('#i', 'abcd'); // inside the window the trailing call opened
    expect(calls).toHaveLength(2);
    jest.advanceTimersByTime(100);
    expect(pushed()[2]).toEqual(['search', { value: 'abcd', q: 'abcd' }]);
    jest.advanceTimersByTime(100); // a quiet window ends the throttle
    input('#i', 'x');
    expect(pushed()).toHaveLength(4);
    expect(pushed()[3]).toEqual(['search', { value: 'x', q: 'x' }]);
  });

  it('a single trigger sends once, with no trailing repeat', () => {
    mount('<button dj-click="inc" dj-throttle="200">+</button>');
    $('button').click();
    jest.advanceTimersByTime(1000);
    expect(pushed()).toEqual([['inc', {}]]);
  });

  it('throttles window key bindings too', () => {
    mount('<div dj-window-keydown="move" dj-throttle="50"></div>');
    for (const k of ['j', 'j', 'j']) key(window, 'keydown', k);
    jest.advanceTimersByTime(50);
    expect(pushed()).toEqual([['move', { key: 'j' }], ['move', { key: 'j' }]]);
  });
});

describe('bindEvents: loading states', () => {
  it('dj-click-loading stays until the promise resolves', async () => {
    mount('<button dj-click="go">Go</button>');
    $('button').click();
    expect($('button').classList.contains('dj-click-loading')).toBe(true);
    calls[0]?.resolve({ ok: true });
    await tick();
    expect($('button').classList.contains('dj-click-loading')).toBe(false);
  });

  it('is removed on reject too, and the rejection is handled', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => void unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      mount('<button dj-click="go">Go</button>');
      $('button').click();
      calls[0]?.reject(Object.assign(new Error('gone'), { code: 'disconnected' }));
      await tick();
      await new Promise((r) => setTimeout(r, 10));
      expect($('button').classList.contains('dj-click-loading')).toBe(false);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('goes on the form for submit and change; window and key bindings use the key kind', async () => {
    mount(`<form id="f" dj-submit="save" dj-change="edit"><input name="a"></form>
      <div id="w" dj-window-keyup="up"></div><input id="k" dj-keydown="down"><input id="fo" dj-focus="f" dj-blur="b">`);
    input('[name=a]', '1');
    submit('#f');
    key(window, 'keyup', 'x');
    key($('#k'), 'keydown', 'x');
    $('#fo').focus();
    $('#k').focus();
    expect($('#f').className).toBe('dj-change-loading dj-submit-loading');
    expect($('#w').className).toBe('dj-keyup-loading');
    expect($('#k').className).toBe('dj-keydown-loading');
    expect($('#fo').className).toBe('dj-focus-loading dj-blur-loading');
    calls.forEach((c) => c.resolve());
    await tick();
    expect(document.querySelectorAll('[class*=loading]')).toHaveLength(0);
  });

  it('two overlapping events on one element: the class stays until both settle, in any order', async () => {
    mount('<button dj-click="go">Go</button>');
    $('button').click();
    $('button').click();
    calls[1]?.resolve();
    await tick();
    expect($('button').classList.contains('dj-click-loading')).toBe(true);
    calls[0]?.reject(new Error('x'));
    await tick();
    expect($('button').classList.contains('dj-click-loading')).toBe(false);
  });

  it('dj-disable-with: disabled with the text while in flight; its children and state come back', async () => {
    mount('<button id="b" dj-click="save" dj-disable-with="Saving…"><i>💾</i> Save</button>');
    const inner = $('#b i');
    $('#b').click();
    expect($<HTMLButtonElement>('#b').disabled).toBe(true);
    expect($('#b').textContent).toBe('Saving…');
    calls[0]?.resolve();
    await tick();
    expect($<HTMLButtonElement>('#b').disabled).toBe(false);
    expect($('#b').innerHTML).toBe('<i>💾</i> Save');
    expect($('#b i')).toBe(inner);
  });

  it('dj-disable-with on a submit: every element inside the form that carries it; an input submit gets its value swapped', async () => {
    mount(`<form id="f" dj-submit="save"><input name="t" value="x"><input id="s" type="submit" value="Save" dj-disable-with="Saving…">
      <button id="c" type="button" disabled dj-disable-with="Wait">Cancel</button></form>`);
    submit('#f');
    expect(pushed()).toEqual([['save', { t: 'x' }]]);
    expect([$<HTMLInputElement>('#s').value, $<HTMLInputElement>('#s').disabled]).toEqual(['Saving…', true]);
    expect([$('#c').textContent, $<HTMLButtonElement>('#c').disabled]).toEqual(['Wait', true]);
    calls[0]?.reject(new Error('bad_params'));
    await tick();
    expect([$<HTMLInputElement>('#s').value, $<HTMLInputElement>('#s').disabled]).toEqual(['Save', false]);
    expect([$('#c').textContent, $<HTMLButtonElement>('#c').disabled]).toEqual(['Cancel', true]); // it was disabled before
  });

  it('dj-disable-with: text a patch put in while in flight stays', async () => {
    mount('<button id="b" dj-click="save" dj-disable-with="Saving…">Save</button>');
    $('#b').click();
    $('#b').textContent = 'Saved ✓';
    calls[0]?.resolve();
    await tick();
    expect($('#b').textContent).toBe('Saved ✓');
  });
});

describe('bindEvents: unbind', () => {
  it('removes every listener, window ones included, and drops held calls and their timers', () => {
    jest.useFakeTimers();
    mount(`<form id="f" dj-submit="s" dj-change="c"><input id="i" name="i" dj-debounce="100" dj-keydown="k" dj-focus="fo" dj-blur="bl"></form>
      <button dj-click="x" dj-throttle="100">x</button><div dj-window-keydown="wk" dj-window-keyup="wu" dj-window-focus="wf" dj-window-blur="wb"></div>`);
    input('#i', 'held');
    $('button').click();
    $('button').click();
    expect(pushed()).toEqual([['x', {}]]);
    unbind();
    expect(jest.getTimerCount()).toBe(0);
    jest.advanceTimersByTime(1000);
    $('button').click();
    submit('#f');
    input('#i', 'again');
    key($('#i'), 'keydown', 'a');
    key(window, 'keydown', 'a');
    key(window, 'keyup', 'a');
    window.dispatchEvent(new Event('focus'));
    window.dispatchEvent(new Event('blur'));
    $('#i').focus();
    $('#i').blur();
    jest.advanceTimersByTime(1000);
    expect(pushed()).toEqual([['x', {}]]);
  });
});
