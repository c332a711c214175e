/** @jest-environment jsdom */
import { bindNavigation } from '../../public/navigation.js';
import { applyPageMetadata } from '../../public/page-metadata.js';

type Nav = ReturnType<typeof bindNavigation>;
let nav: Nav;
let visits: [string, boolean, string][];
let announced: string[];
let online: boolean;
/** Whether the last click was left to the browser (jsdom cannot follow it, so it is stopped here). */
let leftToBrowser: boolean | null;
const stopNavigation = (ev: Event) => {
  leftToBrowser = !ev.defaultPrevented;
  ev.preventDefault();
};

const STORE_HEAD = '<meta charset="utf-8"><title>Store</title><meta name="description" content="all"><link rel="canonical" href="/store"><link rel="stylesheet" href="/a.css">';

function head() {
  return {
    title: document.title,
    tags: [...document.head.querySelectorAll('meta[name],meta[property],link')].map((el) =>
      `${el.getAttribute('name') ?? el.getAttribute('property') ?? el.getAttribute('rel')}=${el.getAttribute('content') ?? el.getAttribute('href')}`,
    ),
  };
}

/** What the server sends after handleParams for the mug. */
function serverSetsMug() {
  for (const msg of [
    { action: 'title', value: 'Mug | Store' },
    { action: 'meta', name: 'description', content: 'mug' },
    { action: 'meta', name: 'og:image', content: '/mug.png' },
    { action: 'link', rel: 'canonical', href: '/store?product=mug' },
  ]) applyPageMetadata(document, msg);
}

/** history.back()/forward() and the popstate they cause (jsdom fires it in a later task). */
function traverse(delta: -1 | 1): Promise<void> {
  return new Promise((resolve) => {
    addEventListener('popstate', () => resolve(), { once: true });
    history.go(delta);
  });
}

function click(el: Element, init: MouseEventInit = {}): void {
  el.dispatchEvent(new MouseEvent('click', { bubbles: true, cancelable: true, button: 0, ...init }));
}

beforeEach(() => {
  history.replaceState({ app: 'kept' }, '', '/store');
  document.head.innerHTML = STORE_HEAD;
  document.body.innerHTML = `
    <a id="mug" href="/store?product=mug" dj-patch>mug</a>
    <a id="same" href="/store" dj-patch>store</a>
    <a id="plain" href="/about">about</a>
    <a id="away" href="https://other.example/store" dj-patch>other</a>
    <button id="btn" dj-patch="/store?product=lamp">lamp</button>`;
  visits = [];
  announced = [];
  online = true;
  leftToBrowser = null;
  nav = bindNavigation(document, (url, pop) => (visits.push([url, pop, document.title]), online), (t) => announced.push(t));
  addEventListener('click', stopNavigation);
});
afterEach(() => {
  nav.stop();
  removeEventListener('click', stopNavigation);
});

describe('navigation (client)', () => {
  describe('history entries', () => {
    it('tags the current entry with an id and keeps the app\'s own state', () => {
      expect(history.state).toEqual({ app: 'kept', djust: { id: expect.any(String) } });
    });

    it('go(url) pushes a new entry; go(url, true) replaces the URL of the current one', () => {
      const length = history.length;
      const first = history.state.djust.id;
      nav.go('/store?product=lamp');
      expect(location.pathname + location.search).toBe('/store?product=lamp');
      expect(history.length).toBe(length + 1);
      expect(history.state.djust.id).not.toBe(first);
      const second = history.state.djust.id;
      nav.go('/store?product=chair', true);
      expect(location.search).toBe('?product=chair');
      expect(history.length).toBe(length + 1);
      expect(history.state.djust.id).toBe(second);
      expect(visits).toEqual([]); // the server already ran handleParams for a navigate it sent
    });
  });

  describe('dj-patch', () => {
    it('a click pushes the URL and asks the server instead of loading a page', () => {
      const length = history.length;
      click(document.getElementById('mug') as Element);
      expect(leftToBrowser).toBe(false);
      expect(location.pathname + location.search).toBe('/store?product=mug');
      expect(history.length).toBe(length + 1);
      expect(visits).toEqual([['/store?product=mug', false, 'Store']]);
    });

    it('works on any element with dj-patch="/url"', () => {
      click(document.getElementById('btn') as Element);
      expect(visits).toEqual([['/store?product=lamp', false, 'Store']]);
      expect(location.search).toBe('?product=lamp');
    });

    it('replaces instead of pushing when the link points at the current URL', () => {
      const length = history.length;
      click(document.getElementById('same') as Element);
      expect(history.length).toBe(length);
      expect(visits).toEqual([['/store', false, 'Store']]);
    });

    it.each([
      ['a ctrl-click', 'mug', { ctrlKey: true }],
      ['a meta-click', 'mug', { metaKey: true }],
      ['a shift-click', 'mug', { shiftKey: true }],
      ['a middle click', 'mug', { button: 1 }],
      ['another origin', 'away', {}],
      ['a link without dj-patch', 'plain', {}],
    ])('leaves %s to the browser', (_what, id, init) => {
      click(document.getElementById(id) as Element, init);
      expect(leftToBrowser).toBe(true);
      expect(visits).toEqual([]);
      expect(location.pathname + location.search).toBe('/store');
    });
  });

  describe('back and forward', () => {
    it('back restores the title, meta and links of the entry at once, before the server is told', async () => {
      const before = head();
      click(document.getElementById('mug') as Element);
      serverSetsMug();
      expect(head().title).toBe('Mug | Store');
      await traverse(-1);
      expect(head()).toEqual(before);
      // The server hears of it only after the head was restored, and may confirm it (pop: true).
      expect(visits.at(-1)).toEqual(['/store', true, 'Store']);
      expect(announced).toEqual(['Store']);
    });

    it('forward restores the newer entry\'s head', async () => {
      click(document.getElementById('mug') as Element);
      serverSetsMug();
      const mug = head();
      await traverse(-1);
      await traverse(1);
      expect(head()).toEqual(mug);
      expect(visits.at(-1)).toEqual(['/store?product=mug', true, 'Mug | Store']);
    });

    it('keeps the left entry\'s head in its history.state, so it survives a reload', async () => {
      click(document.getElementById('mug') as Element);
      serverSetsMug();
      await traverse(-1);
      expect(history.state.djust.head).toMatchObject({ t: 'Store', h: { 'm description': 'all', 'l canonical': '/store' } });
      expect(history.state.app).toBe('kept');
      // A fresh page (empty memory) on the mug entry still restores the store entry from history.state.
      await traverse(1);
      nav.stop();
      nav = bindNavigation(document, (url, pop) => (visits.push([url, pop, document.title]), true), (t) => announced.push(t));
      await traverse(-1);
      expect(head().title).toBe('Store');
      expect(head().tags).toEqual(['description=all', 'canonical=/store', 'stylesheet=/a.css']);
    });

    it('adopts entries pushed by others (a #hash) and does not call the server when only the hash changed', async () => {
      history.pushState(null, '', '#reviews');
      await traverse(-1);
      expect(visits).toEqual([]);
      await traverse(1);
      expect(visits).toEqual([]);
      expect(history.state).toEqual({ djust: { id: expect.any(String) } });
    });

    it('restores without a connection (the view catches up on reconnect)', async () => {
      click(document.getElementById('mug') as Element);
      serverSetsMug();
      online = false;
      await traverse(-1);
      expect(head().title).toBe('Store');
    });
  });
});
