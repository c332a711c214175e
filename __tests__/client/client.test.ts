/** @jest-environment jsdom */
import { applyFlash } from '../../public/flash.js';
import { applyPageMetadata } from '../../public/page-metadata.js';
import { bindEvents } from '../../public/events.js';

function setHead(html: string): void {
  document.head.innerHTML = html;
}

describe('client page-metadata', () => {
  beforeEach(() => setHead('<title>Old</title><meta name="description" content="old">'));

  it('sets document.title synchronously', () => {
    applyPageMetadata(document, { type: 'page_metadata', action: 'title', value: 'Inbox (3)' });
    expect(document.title).toBe('Inbox (3)');
  });

  it('creates og: and twitter: tags as property, others as name', () => {
    applyPageMetadata(document, { type: 'page_metadata', action: 'meta', name: 'og:image', content: '/a.png' });
    applyPageMetadata(document, { type: 'page_metadata', action: 'meta', name: 'twitter:title', content: 'T' });
    applyPageMetadata(document, { type: 'page_metadata', action: 'meta', name: 'robots', content: 'noindex' });
    expect(document.head.querySelector('meta[property="og:image"]')?.getAttribute('content')).toBe('/a.png');
    expect(document.head.querySelector('meta[property="twitter:title"]')?.getAttribute('content')).toBe('T');
    expect(document.head.querySelector('meta[name="robots"]')?.getAttribute('content')).toBe('noindex');
  });

  it('updates an existing tag in place instead of adding another', () => {
    applyPageMetadata(document, { type: 'page_metadata', action: 'meta', name: 'description', content: 'new "text" <b>' });
    const tags = document.head.querySelectorAll('meta[name="description"]');
    expect(tags).toHaveLength(1);
    expect(tags[0]?.getAttribute('content')).toBe('new "text" <b>');
    expect(document.head.querySelector('b')).toBeNull();
  });

  it('updates og: tags repeatedly without duplicates', () => {
    for (const content of ['a', 'b', 'c']) {
      applyPageMetadata(document, { type: 'page_metadata', action: 'meta', name: 'og:title', content });
    }
    const tags = document.head.querySelectorAll('meta[property="og:title"]');
    expect(tags).toHaveLength(1);
    expect(tags[0]?.getAttribute('content')).toBe('c');
  });
});

describe('client flash', () => {
  beforeEach(() => {
    document.body.innerHTML = '<main dj-root></main>';
  });

  it('shows a message with role="alert" in #dj-flash-container, created when missing', () => {
    applyFlash(document, { type: 'flash', action: 'put', level: 'success', message: 'Changes <saved>!' });
    const box = document.getElementById('dj-flash-container');
    expect(box).not.toBeNull();
    const item = box?.querySelector('[role="alert"]');
    expect(item?.textContent).toBe('Changes <saved>!');
    expect(item?.className).toBe('dj-flash dj-flash-success');
  });

  it('replaces a level\'s message and clears one level or all', () => {
    applyFlash(document, { type: 'flash', action: 'put', level: 'info', message: 'one' });
    applyFlash(document, { type: 'flash', action: 'put', level: 'info', message: 'two' });
    applyFlash(document, { type: 'flash', action: 'put', level: 'error', message: 'bad' });
    const box = document.getElementById('dj-flash-container') as HTMLElement;
    expect([...box.children].map((c) => c.textContent)).toEqual(['two', 'bad']);
    applyFlash(document, { type: 'flash', action: 'clear', level: 'info' });
    expect([...box.children].map((c) => c.textContent)).toEqual(['bad']);
    applyFlash(document, { type: 'flash', action: 'clear' });
    expect(box.children).toHaveLength(0);
  });
});

describe('client events', () => {
  let pushed: [string, Record<string, unknown>][];
  let unbind: () => void;
  beforeEach(() => {
    pushed = [];
    document.body.innerHTML = `
      <main dj-root>
        <button id="b" dj-click="select" dj-value-id="7" dj-value-kind="lamp"><span id="inner">Go</span></button>
        <form id="f" dj-submit="save"><input name="title" value="Hi"><input name="tag" value="a"><input name="tag" value="b"></form>
        <input id="q" name="q" dj-change="search" value="">
        <input id="d" name="d" dj-change="slow" dj-debounce="50" value="">
      </main>`;
    unbind = bindEvents(document, (event, params) => void pushed.push([event, params]));
  });
  afterEach(() => unbind());

  it('sends dj-click with dj-value-* params, also from a child element', () => {
    (document.getElementById('inner') as HTMLElement).click();
    expect(pushed).toEqual([['select', { id: '7', kind: 'lamp' }]]);
  });

  it('sends dj-submit with the form fields (repeated names as arrays) and prevents the submit', () => {
    const ev = new Event('submit', { bubbles: true, cancelable: true });
    (document.getElementById('f') as HTMLFormElement).dispatchEvent(ev);
    expect(ev.defaultPrevented).toBe(true);
    expect(pushed).toEqual([['save', { title: 'Hi', tag: ['a', 'b'] }]]);
  });

  it('sends dj-change on input with the value under "value" and the field name', () => {
    const input = document.getElementById('q') as HTMLInputElement;
    input.value = 'lam';
    input.dispatchEvent(new Event('input', { bubbles: true }));
    expect(pushed).toEqual([['search', { value: 'lam', q: 'lam' }]]);
  });

  it('debounces dj-change with dj-debounce', () => {
    jest.useFakeTimers();
    try {
      const input = document.getElementById('d') as HTMLInputElement;
      for (const v of ['a', 'ab', 'abc']) {
        input.value = v;
        input.dispatchEvent(new Event('input', { bubbles: true }));
      }
      expect(pushed).toEqual([]);
      jest.advanceTimersByTime(60);
      expect(pushed).toEqual([['slow', { value: 'abc', d: 'abc' }]]);
    } finally {
      jest.useRealTimers();
    }
  });
});
