import { SEARCH_DELAY_MS } from '../../demo/search';
import { useBrowser } from './support/browser';
import { unreadable, waitForTitle } from './support/page';
import { runSession, TRANSPORTS } from './support/session';

const browser = useBrowser();

describe.each(TRANSPORTS)('slow search over $name', (transport) => {
  test('typing is answered while a search runs; only the newest search shows its results', () =>
    runSession(browser(), transport, async ({ open }) => {
      const page = await open('/search');
      const status = page.locator('#search-status');
      await page.locator('#q').pressSequentially('mu', { delay: 60 });
      await status.filter({ hasText: 'Searching for “mu”' }).waitFor();
      // Another keystroke while the "mu" search runs: answered at once, not after the search.
      const typed = Date.now();
      await page.locator('#q').press('g');
      await status.filter({ hasText: 'Searching for “mug”' }).waitFor();
      expect(Date.now() - typed).toBeLessThan(SEARCH_DELAY_MS);
      await waitForTitle(page, 'Search: 2 for "mug"');
      expect(await page.locator('#hits li').allTextContents()).toEqual(['Mug', 'Mug stand']);
      expect(await status.textContent()).toBe('2 found for “mug”');
      // The searches for "m" and "mu" were superseded: their results never showed.
      expect(await status.getAttribute('data-shown')).toBe('1');
      expect(await page.locator('#q').inputValue()).toBe('mug');
      expect(await unreadable(page, 'main h1, main p, main li, label')).toEqual([]);
    }));
});
