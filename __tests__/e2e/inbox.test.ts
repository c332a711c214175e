import { useBrowser } from './support/browser';
import { waitForTitle } from './support/page';
import { runSession, TRANSPORTS } from './support/session';

const browser = useBrowser();

describe.each(TRANSPORTS)('inbox over $name', (transport) => {
  test('two new mails make the title "Inbox (2)", reading them "Inbox"', () =>
    runSession(browser(), transport, async ({ open }) => {
      const page = await open('/inbox');
      expect(await page.title()).toBe('Inbox');
      await page.click('#inbox-receive');
      await waitForTitle(page, 'Inbox (1)');
      await page.click('#inbox-receive');
      await waitForTitle(page, 'Inbox (2)');
      expect(await page.locator('#count').textContent()).toBe('2 unread');
      // Screen readers hear it too: the polite live region ends on the latest title (rate-limited).
      const announcer = page.locator('#dj-announcer[aria-live="polite"]');
      await page.locator('#dj-announcer', { hasText: /^Inbox \(2\)$/ }).waitFor({ state: 'attached' });
      expect(await announcer.textContent()).toBe('Inbox (2)');
      await page.click('#inbox-read');
      await waitForTitle(page, 'Inbox');
    }));

  test('keyboard: "n" anywhere on the page is new mail, Escape reads all (dj-window-keydown + dj-key)', () =>
    runSession(browser(), transport, async ({ open }) => {
      const page = await open('/inbox');
      await page.keyboard.press('n');
      await page.keyboard.press('x'); // no binding: nothing sent
      await page.keyboard.press('n');
      await waitForTitle(page, 'Inbox (2)');
      await page.keyboard.press('Escape');
      await waitForTitle(page, 'Inbox');
      expect(await page.locator('#count').textContent()).toBe('0 unread');
    }));
});
