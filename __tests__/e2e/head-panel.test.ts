import type { Page } from 'playwright-core';
import { useBrowser } from './support/browser';
import { waitForTitle, WAIT_MS } from './support/page';
import { runSession, TRANSPORTS } from './support/session';

const browser = useBrowser();

/** The demo's head panel as a person reads it: label → value. */
function panel(page: Page): Promise<Record<string, string>> {
  return page.locator('#head-panel dd').evaluateAll((els) =>
    Object.fromEntries(els.map((el) => [(el as HTMLElement).dataset.key ?? '', el.textContent ?? ''])));
}

async function waitForPanel(page: Page, key: string, value: string): Promise<void> {
  await page.locator(`#head-panel dd[data-key="${key}"]`).filter({ hasText: value }).waitFor({ timeout: WAIT_MS });
}

describe.each(TRANSPORTS)('demo head panel over $name', (transport) => {
  test('shows the live title after a click, marked as changed', () =>
    runSession(browser(), transport, async ({ open }) => {
      const page = await open('/inbox');
      expect((await panel(page)).title).toBe('Inbox');
      await page.click('#inbox-receive');
      await waitForTitle(page, 'Inbox (1)');
      await waitForPanel(page, 'title', 'Inbox (1)');
      expect(await page.locator('#head-panel dd[data-key="title"]').getAttribute('class')).toBe('changed');
    }));

  test('shows meta tags and links as live navigation changes them', () =>
    runSession(browser(), transport, async ({ open }) => {
      const page = await open('/store');
      expect(await panel(page)).toMatchObject({ title: 'Store', 'meta description': 'Hand-made goods for home and work.', 'link canonical': '/store' });
      await page.click('#product-mug');
      await waitForPanel(page, 'link canonical', '/store?product=mug');
      const shown = await panel(page);
      expect(shown.title).toBe(await page.title());
      expect(shown['meta og:title']).toBe(await page.locator('meta[property="og:title"]').getAttribute('content'));
      expect(shown['meta og:image']).toBeDefined();
    }));
});
