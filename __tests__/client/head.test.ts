/** @jest-environment jsdom */
import fc from 'fast-check';
import { announcer } from '../../public/announce.js';
import { applyPageMetadata, applySnapshot, snapshotHead } from '../../public/page-metadata.js';

const title = (value: string) => ({ type: 'page_metadata', action: 'title', value });
const meta = (name: string, content: string) => ({ type: 'page_metadata', action: 'meta', name, content });
const unmeta = (name: string) => ({ type: 'page_metadata', action: 'meta', name, remove: true });
const link = (rel: string, href: string) => ({ type: 'page_metadata', action: 'link', rel, href });
const unlink = (rel: string) => ({ type: 'page_metadata', action: 'link', rel, remove: true });

/** `attr:key=value` of every named meta and every link in the head, in document order. */
function headTags(): string[] {
  return [...document.head.querySelectorAll('meta[name],meta[property],link')].map((el) =>
    el.localName === 'meta'
      ? `${el.hasAttribute('property') ? 'property' : el.hasAttribute('name') ? 'name' : 'other'}:${el.getAttribute('name') ?? el.getAttribute('property') ?? ''}=${el.getAttribute('content')}`
      : `link:${el.getAttribute('rel')}=${el.getAttribute('href')}`,
  );
}

describe('client head', () => {
  beforeEach(() => {
    document.head.innerHTML = '<meta charset="utf-8"><title>Old</title><link rel="stylesheet" href="/app.css">';
  });

  describe('title', () => {
    it('applies synchronously, never through requestAnimationFrame, and reports a change', () => {
      const raf = jest.fn();
      window.requestAnimationFrame = raf;
      expect(applyPageMetadata(document, title('Inbox (3)'))).toBe(true);
      expect(document.title).toBe('Inbox (3)');
      expect(applyPageMetadata(document, title('Inbox (3)'))).toBe(false);
      expect(raf).not.toHaveBeenCalled();
    });

    it('creates <title> when the page has none', () => {
      document.head.innerHTML = '';
      applyPageMetadata(document, title('New'));
      expect(document.head.querySelector('title')?.textContent).toBe('New');
    });
  });

  describe('meta matching', () => {
    it('updates a template tag written with name= for an og:/twitter: key, in place', () => {
      document.head.innerHTML = '<meta name="twitter:card" content="summary"><meta name="og:title" content="x">';
      applyPageMetadata(document, meta('twitter:card', 'summary_large_image'));
      applyPageMetadata(document, meta('og:title', 'y'));
      expect(headTags()).toEqual(['name:twitter:card=summary_large_image', 'name:og:title=y']);
    });

    it('updates a template tag written with property= for a plain key', () => {
      document.head.innerHTML = '<meta property="description" content="old">';
      applyPageMetadata(document, meta('description', 'new'));
      expect(headTags()).toEqual(['property:description=new']);
    });

    it('creates new tags by the seed rule: og:/twitter: → property, else name', () => {
      applyPageMetadata(document, meta('og:image', '/a.png'));
      applyPageMetadata(document, meta('twitter:title', 'T'));
      applyPageMetadata(document, meta('robots', 'noindex'));
      expect(headTags().slice(1)).toEqual(['property:og:image=/a.png', 'property:twitter:title=T', 'name:robots=noindex']);
    });

    it('removes duplicates a template wrote with both attributes, keeping the first', () => {
      document.head.innerHTML = '<meta name="og:title" content="a"><meta property="og:title" content="b"><meta name="og:title" content="c">';
      applyPageMetadata(document, meta('og:title', 'z'));
      expect(headTags()).toEqual(['name:og:title=z']);
    });

    it('keeps values as text', () => {
      applyPageMetadata(document, meta('description', '"><script>alert(1)</script>'));
      expect(document.head.querySelector('script')).toBeNull();
      expect(document.head.querySelector('meta[name="description"]')?.getAttribute('content')).toBe('"><script>alert(1)</script>');
    });

    it('ignores malformed messages', () => {
      const before = document.head.innerHTML;
      for (const msg of [{ action: 'meta' }, { action: 'meta', name: 'x' }, { action: 'meta', name: 'x', content: 3 }, { action: 'link', rel: 'icon' }, { action: 'nope' }]) {
        applyPageMetadata(document, msg as never);
      }
      expect(document.head.innerHTML).toBe(before);
    });
  });

  describe('removal', () => {
    it('remove: true removes every tag of the key, whichever attribute it uses', () => {
      document.head.innerHTML = '<meta property="og:image" content="a"><meta name="og:image" content="b"><meta name="description" content="d">';
      applyPageMetadata(document, unmeta('og:image'));
      expect(headTags()).toEqual(['name:description=d']);
      applyPageMetadata(document, unmeta('og:image'));
      expect(headTags()).toEqual(['name:description=d']);
    });

    it('never leaves two tags for one key after any sequence of sets and removals', () => {
      const keys = ['og:title', 'twitter:card', 'description'];
      const op = fc.record({ key: fc.constantFrom(...keys), value: fc.option(fc.constantFrom('a', 'b', 'c'), { nil: null }) });
      const seed = fc.array(fc.record({ key: fc.constantFrom(...keys), attr: fc.constantFrom('name', 'property') }), { maxLength: 4 });
      fc.assert(
        fc.property(seed, fc.array(op, { minLength: 1, maxLength: 12 }), (tags, ops) => {
          document.head.innerHTML = tags.map((t) => `<meta ${t.attr}="${t.key}" content="seed">`).join('');
          const last = new Map<string, string | null>();
          for (const { key, value } of ops) {
            applyPageMetadata(document, value === null ? unmeta(key) : meta(key, value));
            last.set(key, value);
          }
          for (const [key, value] of last) {
            const found = [...document.head.querySelectorAll('meta')].filter((el) => el.getAttribute('name') === key || el.getAttribute('property') === key);
            expect(found.map((el) => el.getAttribute('content'))).toEqual(value === null ? [] : [value]);
          }
        }),
      );
    });
  });

  describe('links', () => {
    it('creates, updates and removes a <link rel>', () => {
      applyPageMetadata(document, link('canonical', '/store?product=mug'));
      expect(headTags()).toEqual(['link:stylesheet=/app.css', 'link:canonical=/store?product=mug']);
      applyPageMetadata(document, link('canonical', '/store?product=lamp'));
      expect(headTags()).toEqual(['link:stylesheet=/app.css', 'link:canonical=/store?product=lamp']);
      applyPageMetadata(document, unlink('canonical'));
      expect(headTags()).toEqual(['link:stylesheet=/app.css']);
    });

    it('matches a rel by token and case: "shortcut icon" and "ICON" are the icon', () => {
      document.head.innerHTML = '<link rel="shortcut icon" href="/a.ico"><link rel="ICON" href="/b.ico"><link rel="apple-touch-icon" href="/t.png">';
      applyPageMetadata(document, link('icon', '/c.png'));
      expect(headTags()).toEqual(['link:shortcut icon=/c.png', 'link:apple-touch-icon=/t.png']);
    });

    it('never removes or rewrites stylesheets and resource hints (the server refuses those rels)', () => {
      document.head.innerHTML = '<link rel="stylesheet" href="/a.css"><link rel="preload" href="/f.woff2"><link rel="alternate stylesheet" href="/b.css">';
      applyPageMetadata(document, unlink('stylesheet'));
      applyPageMetadata(document, unlink('preload'));
      applyPageMetadata(document, link('alternate', '/fr'));
      expect(headTags()).toEqual(['link:stylesheet=/a.css', 'link:preload=/f.woff2', 'link:alternate stylesheet=/b.css', 'link:alternate=/fr']);
    });
  });

  describe('snapshots', () => {
    it('captures the title, every meta and every document link, first tag of a key winning', () => {
      document.head.innerHTML = '<meta charset="utf-8"><title>T</title><meta name="viewport" content="v"><meta property="og:image" content="1"><meta property="og:image" content="2">' +
        '<link rel="canonical" href="/c"><link rel="stylesheet" href="/a.css">';
      expect(snapshotHead(document)).toEqual({ t: 'T', h: { 'm viewport': 'v', 'm og:image': '1', 'l canonical': '/c' } });
    });

    it('restores a snapshot: removes what it lacks, sets what it has, leaves stylesheets and charset', () => {
      document.head.innerHTML = '<meta charset="utf-8"><title>Mug | Store</title><meta name="description" content="mug"><meta property="og:image" content="/mug.png">' +
        '<link rel="canonical" href="/store?product=mug"><link rel="stylesheet" href="/a.css">';
      const changed = applySnapshot(document, { t: 'Store', h: { 'm description': 'all', 'l canonical': '/store', 'l icon': '/i.png' } });
      expect(changed).toBe(true);
      expect(document.title).toBe('Store');
      expect(document.head.querySelector('meta[charset]')).not.toBeNull();
      expect(headTags()).toEqual(['name:description=all', 'link:canonical=/store', 'link:stylesheet=/a.css', 'link:icon=/i.png']);
      expect(applySnapshot(document, snapshotHead(document))).toBe(false);
    });

    it('round-trips: restoring an earlier snapshot after live updates gives the earlier head', () => {
      document.head.innerHTML = '<title>A</title><meta name="twitter:card" content="summary"><link rel="icon" href="/a.ico">';
      const snap = snapshotHead(document);
      applyPageMetadata(document, title('B'));
      applyPageMetadata(document, meta('twitter:card', 'large'));
      applyPageMetadata(document, meta('og:image', '/x.png'));
      applyPageMetadata(document, unlink('icon'));
      applySnapshot(document, snap);
      expect(document.title).toBe('A');
      expect(headTags()).toEqual(['name:twitter:card=summary', 'link:icon=/a.ico']);
    });
  });
});

describe('announcer', () => {
  beforeEach(() => {
    document.body.innerHTML = '';
    jest.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => jest.useRealTimers());

  const region = () => document.getElementById('dj-announcer') as HTMLElement;

  it('adds one visually hidden aria-live="polite" region', () => {
    announcer(document);
    expect(document.querySelectorAll('#dj-announcer')).toHaveLength(1);
    expect(region().getAttribute('aria-live')).toBe('polite');
    expect(region().getAttribute('aria-atomic')).toBe('true');
    expect(region().style.position).toBe('absolute');
    expect(region().style.width).toBe('1px');
    expect(region().textContent).toBe('');
  });

  it('announces the first title at once, then at most one per 2 s, the latest at the end of the window', () => {
    const announce = announcer(document);
    const heard: [number, string][] = [];
    const sample = () => {
      const text = region().textContent ?? '';
      if (text && heard.at(-1)?.[1] !== text) heard.push([Date.now() - 1_000_000, text]);
    };
    announce('Inbox (1)');
    sample();
    for (let n = 2; n <= 30; n += 1) {
      jest.advanceTimersByTime(100);
      sample();
      announce(`Inbox (${n})`);
      sample();
    }
    for (let i = 0; i < 40; i += 1) {
      jest.advanceTimersByTime(100);
      sample();
    }
    // A counter ticking every 100 ms for 2.9 s: the first at once, then the latest every 2 s.
    expect(heard).toEqual([[0, 'Inbox (1)'], [2000, 'Inbox (20)'], [4000, 'Inbox (30)']]);
  });

  it('does not repeat the text it last announced', () => {
    const announce = announcer(document);
    let text = '';
    const sets: string[] = [];
    Object.defineProperty(region(), 'textContent', { configurable: true, get: () => text, set: (v: string) => void sets.push((text = v)) });
    announce('Chat');
    jest.advanceTimersByTime(5000);
    announce('Chat');
    jest.advanceTimersByTime(5000);
    announce('Chat (1)');
    expect(sets).toEqual(['Chat', 'Chat (1)']);
  });

  it('announces at once again after a quiet window', () => {
    const announce = announcer(document, 500);
    announce('A');
    jest.advanceTimersByTime(600);
    announce('B');
    expect(region().textContent).toBe('B');
  });
});
