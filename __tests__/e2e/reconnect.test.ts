import type { Page } from 'playwright-core';
import { useBrowser } from './support/browser';
import { waitForTitle } from './support/page';
import { runSession, TRANSPORTS, type Session } from './support/session';

const browser = useBrowser();

interface Marked {
  sameDocument?: boolean;
}

/** Stops the server (every connection), waits until the page shows it, starts a new one on the same port. */
async function restart(session: Session, page: Page): Promise<void> {
  await session.restartServer(async () => {
    await page.waitForSelector('[dj-root].dj-disconnected', { state: 'attached' });
  });
  await session.waitAllLive();
}

describe.each(TRANSPORTS)('server restart over $name', (transport) => {
  test('the page reconnects to the new server by itself and the next event updates the title — twice in a row', () =>
    runSession(browser(), transport, async (session) => {
      const page = await session.open('/inbox');
      await page.click('#inbox-receive');
      await page.click('#inbox-receive');
      await waitForTitle(page, 'Inbox (2)');
      await page.evaluate(() => void ((globalThis as unknown as Marked).sameDocument = true));

      // A dev server restarting on every save: two restarts within a few seconds.
      for (let round = 1; round <= 2; round += 1) {
        await restart(session, page);
        // The view mounted afresh on the new server (same secret, so the page's token is good).
        await waitForTitle(page, 'Inbox');
        await page.click('#inbox-receive');
        await waitForTitle(page, 'Inbox (1)');
      }
      // Re-mounted in place over either transport: no reload, so nothing the user typed is lost.
      expect(await page.evaluate(() => (globalThis as unknown as Marked).sameDocument)).toBe(true);
    }));
});
