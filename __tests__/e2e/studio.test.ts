import { useBrowser } from './support/browser';
import { waitForTitle, WAIT_MS } from './support/page';
import { runSession, TRANSPORTS } from './support/session';

const browser = useBrowser();

describe.each(TRANSPORTS)('studio over $name', (transport) => {
  test('Record makes the title "● REC - Studio", the server timer ticks, Stop restores it', () =>
    runSession(browser(), transport, async ({ open }) => {
      const page = await open('/studio');
      expect(await page.title()).toBe('◼ Stopped - Studio');
      await page.click('#studio-toggle');
      await waitForTitle(page, '● REC - Studio');
      // Server push: the view's own timer re-renders the region once a second.
      await page.locator('#status', { hasText: '● Recording — 1s' }).waitFor({ timeout: WAIT_MS });
      expect(await page.title()).toBe('● REC - Studio');
      await page.click('#studio-toggle');
      await waitForTitle(page, '◼ Stopped - Studio');
      expect(await page.locator('#status').textContent()).toBe('◼ Stopped');
    }));
});
