import { PRODUCTS } from '../../demo/app';
import { useBrowser } from './support/browser';
import { metaByKey, metaTags, unreadable, waitForResponses, waitForTitle } from './support/page';
import { runSession, TRANSPORTS } from './support/session';

const browser = useBrowser();
const mug = PRODUCTS.find((p) => p.id === 'mug')!;

/** What the server render must show before any script runs. */
const FIRST_PAINT: { path: string; title: string; meta: Record<string, string[]>; canonical: string[] }[] = [
  { path: '/inbox', title: 'Inbox', meta: {}, canonical: [] },
  { path: '/chat', title: 'Chat', meta: {}, canonical: [] },
  { path: '/studio', title: '◼ Stopped - Studio', meta: {}, canonical: [] },
  { path: '/settings', title: 'Project', meta: {}, canonical: [] },
  { path: '/signup', title: 'Sign up', meta: {}, canonical: [] },
  { path: '/store', title: 'Store', meta: { description: ['Hand-made goods for home and work.'], 'og:title': ['Store'] }, canonical: ['/store'] },
  {
    path: '/store?product=mug',
    title: 'Stoneware Mug | Store',
    meta: { description: [mug.description], 'og:title': [mug.name], 'og:description': [mug.description], 'og:image': [mug.image] },
    canonical: ['/store?product=mug'],
  },
];

describe.each(TRANSPORTS)('first paint over $name', (transport) => {
  test('title and meta come from the server render, before the client runs', () =>
    runSession(browser(), transport, async ({ open, server }) => {
      const page = await open('/', { live: false, blockClient: true });
      for (const { path, title, meta, canonical } of FIRST_PAINT) {
        await page.goto(server.origin + path);
        const tags = await metaTags(page);
        const links = await page.locator('link[rel="canonical"]').evaluateAll((els) => els.map((el) => (el as unknown as { getAttribute(name: string): string | null }).getAttribute('href')));
        expect({ path, title: await page.title(), meta: metaByKey(tags.filter((t) => t.key !== 'viewport')), canonical: links })
          .toEqual({ path, title, meta, canonical });
        // og:* and twitter:* as property=, the rest as name= (docs/protocol.md, "Head rules"), and the client never ran.
        for (const tag of tags) expect([tag.key, tag.attr]).toEqual([tag.key, /^(og|twitter):/.test(tag.key) ? 'property' : 'name']);
        expect(await page.locator('[dj-root]').getAttribute('class')).toBeNull();
        // No client ran: window.djust holds at most the hooks the layout registers for it (no stop()).
        expect(await page.evaluate(() => typeof (globalThis as unknown as { djust?: { stop?: unknown } }).djust?.stop)).toBe('undefined');
        // And a person can read it: text contrast at least 4.5:1 against what is behind it.
        expect({ path, unreadable: await unreadable(page, 'nav a, main a, main button, main h1, main h2, main p, main li, label') }).toEqual({ path, unreadable: [] });
      }
      // Escaping survives the round trip: quotes and "&" arrive as text, not markup.
      expect(await page.locator('#product h2').textContent()).toBe(mug.name);
      expect(await page.locator('meta[name="description"]').getAttribute('content')).toBe('Hand-glazed mug, 350 ml, "dishwasher-safe" & sturdy.');
    }));

  test('connecting keeps the server-rendered head: same title, no duplicate meta', () =>
    runSession(browser(), transport, async ({ open }) => {
      const painted = await open('/store?product=mug', { live: false, blockClient: true });
      const before = { title: await painted.title(), meta: await metaTags(painted) };
      const page = await open('/store?product=mug');
      // One round trip: its response comes after everything the mount sent.
      await page.click('#product-mug');
      await waitForResponses(page, 1);
      await waitForTitle(page, before.title);
      expect({ title: await page.title(), meta: await metaTags(page) }).toEqual(before);
    }));
});
