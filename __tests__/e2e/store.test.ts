import { PRODUCTS } from '../../demo/app';
import { useBrowser } from './support/browser';
import { metaByKey, metaTags, waitForMeta, waitForTitle } from './support/page';
import { runSession, TRANSPORTS } from './support/session';

const browser = useBrowser();

describe.each(TRANSPORTS)('store over $name', (transport) => {
  test('choosing products updates description and og:*, creates og:image once, never duplicates a tag', () =>
    runSession(browser(), transport, async ({ open }) => {
      const page = await open('/store');
      expect(metaByKey(await metaTags(page))).toEqual({
        viewport: ['width=device-width, initial-scale=1'],
        description: ['Hand-made goods for home and work.'],
        'og:title': ['Store'],
      });
      expect(await page.locator('meta[property="og:image"]').count()).toBe(0);

      // Several navigations, back to the first: each tag updated in place, none added twice.
      for (const id of ['lamp', 'chair', 'mug', 'lamp']) {
        const product = PRODUCTS.find((p) => p.id === id)!;
        await page.click(`#product-${id}`);
        await waitForTitle(page, `${product.name} | Store`);
        await waitForMeta(page, 'description', product.description);
        await waitForMeta(page, 'og:image', product.image);
        expect(metaByKey(await metaTags(page))).toEqual({
          viewport: ['width=device-width, initial-scale=1'],
          description: [product.description],
          'og:title': [product.name],
          'og:description': [product.description],
          'og:image': [product.image],
        });
        expect(await page.locator('meta[property="og:image"]').count()).toBe(1);
        expect(await page.locator('meta[name="og:image"]').count()).toBe(0);
        expect(await page.locator('#product h2').textContent()).toBe(product.name);
      }
    }));
});
