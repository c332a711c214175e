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
      await page.click('#inbox-read');
      await waitForTitle(page, 'Inbox');
    }));
});
