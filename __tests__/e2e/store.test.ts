import type { Page } from 'playwright-core';
import { PRODUCTS } from '../../demo/app';
import { useBrowser } from './support/browser';
import { metaByKey, metaTags, unreadable, waitForMeta, waitForTitle, WAIT_MS } from './support/page';
import { runSession, TRANSPORTS } from './support/session';

const browser = useBrowser();

interface Marked {
  sameDocument?: boolean;
}

/** The store's head with no product chosen (og:image absent). */
const STORE_META = { viewport: ['width=device-width, initial-scale=1'], description: ['Hand-made goods for home and work.'], 'og:title': ['Store'] };

/** The head for one product: every tag exactly once. */
function productMeta(id: string): Record<string, string[]> {
  const product = PRODUCTS.find((p) => p.id === id)!;
  return {
    viewport: ['width=device-width, initial-scale=1'],
    description: [product.description],
    'og:title': [product.name],
    'og:description': [product.description],
    'og:image': [product.image],
  };
}

/** What the tab shows: path, title, every meta tag (grouped), the canonical link(s). */
async function shown(page: Page) {
  const url = new URL(page.url());
  return {
    url: url.pathname + url.search,
    title: await page.title(),
    meta: metaByKey(await metaTags(page)),
    canonical: await page.locator('link[rel="canonical"]').evaluateAll((els) => els.map((el) => (el as unknown as { getAttribute(name: string): string | null }).getAttribute('href'))),
  };
}

async function waitForUrl(page: Page, pathAndQuery: string): Promise<void> {
  await page.waitForURL((u) => u.pathname + u.search === pathAndQuery, { timeout: WAIT_MS, waitUntil: 'commit' });
}

describe.each(TRANSPORTS)('store over $name', (transport) => {
  test('choosing products updates description and og:*, creates og:image once, never duplicates a tag', () =>
    runSession(browser(), transport, async ({ open }) => {
      const page = await open('/store');
      expect(metaByKey(await metaTags(page))).toEqual(STORE_META);
      expect(await page.locator('meta[property="og:image"]').count()).toBe(0);

      // Several navigations, back to the first: each tag updated in place, none added twice.
      for (const id of ['lamp', 'chair', 'mug', 'lamp']) {
        const product = PRODUCTS.find((p) => p.id === id)!;
        await page.click(`#product-${id}`);
        await waitForTitle(page, `${product.name} | Store`);
        await waitForMeta(page, 'description', product.description);
        await waitForMeta(page, 'og:image', product.image);
        expect(metaByKey(await metaTags(page))).toEqual(productMeta(id));
        expect(await page.locator('meta[property="og:image"]').count()).toBe(1);
        expect(await page.locator('meta[name="og:image"]').count()).toBe(0);
        expect(await page.locator('#product h2').textContent()).toBe(product.name);
      }
    }));

  test('dj-patch links move URL, title, meta and canonical together; back/forward restore them; no reload', () =>
    runSession(browser(), transport, async ({ open }) => {
      const page = await open('/store');
      await page.evaluate(() => void ((globalThis as unknown as Marked).sameDocument = true));
      expect(await shown(page)).toEqual({ url: '/store', title: 'Store', meta: STORE_META, canonical: ['/store'] });

      await page.click('#product-chair');
      await waitForTitle(page, 'Oak Chair | Store');
      await waitForUrl(page, '/store?product=chair');
      expect(await shown(page)).toEqual({ url: '/store?product=chair', title: 'Oak Chair | Store', meta: productMeta('chair'), canonical: ['/store?product=chair'] });
      expect(await page.locator('#product-chair').getAttribute('aria-current')).toBe('page');
      // Every product link can be read, the current one and the others.
      expect(await unreadable(page, 'nav a, main a, main button, main h1, main h2, main p')).toEqual([]);

      await page.click('#product-mug');
      await waitForTitle(page, 'Stoneware Mug | Store');
      await waitForUrl(page, '/store?product=mug');

      // "All": og:image and og:description go away, nothing is left behind twice.
      await page.click('#product-all');
      await waitForTitle(page, 'Store');
      await waitForUrl(page, '/store');
      await page.locator('meta[property="og:image"]').waitFor({ state: 'detached' });
      expect(await shown(page)).toEqual({ url: '/store', title: 'Store', meta: STORE_META, canonical: ['/store'] });

      // Back twice, forward once: each entry's head comes back with it.
      await page.goBack({ waitUntil: 'commit' });
      await waitForTitle(page, 'Stoneware Mug | Store');
      await page.locator('#product h2', { hasText: 'Stoneware Mug' }).waitFor();
      expect(await shown(page)).toEqual({ url: '/store?product=mug', title: 'Stoneware Mug | Store', meta: productMeta('mug'), canonical: ['/store?product=mug'] });
      await page.goBack({ waitUntil: 'commit' });
      await waitForTitle(page, 'Oak Chair | Store');
      await page.locator('#product h2', { hasText: 'Oak Chair' }).waitFor();
      expect(await shown(page)).toEqual({ url: '/store?product=chair', title: 'Oak Chair | Store', meta: productMeta('chair'), canonical: ['/store?product=chair'] });
      await page.goForward({ waitUntil: 'commit' });
      await waitForTitle(page, 'Stoneware Mug | Store');
      await page.locator('#product h2', { hasText: 'Stoneware Mug' }).waitFor();
      expect(await shown(page)).toEqual({ url: '/store?product=mug', title: 'Stoneware Mug | Store', meta: productMeta('mug'), canonical: ['/store?product=mug'] });

      // Server-side navigation (pushPatch from a handler) moves the URL too.
      await page.click('#product-surprise');
      await waitForUrl(page, '/store?product=lamp');
      await waitForTitle(page, 'Desk Lamp | Store');
      expect(await shown(page)).toEqual({ url: '/store?product=lamp', title: 'Desk Lamp | Store', meta: productMeta('lamp'), canonical: ['/store?product=lamp'] });

      expect(await page.evaluate(() => (globalThis as unknown as Marked).sameDocument)).toBe(true);
    }));
});
