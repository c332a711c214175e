import type { Page } from 'playwright-core';
import { useBrowser } from './support/browser';
import { WAIT_MS } from './support/page';
import { runSession, TRANSPORTS } from './support/session';

const browser = useBrowser();

/** The DOM ids of the log's lines, top first. */
const lineIds = (page: Page): Promise<string[]> => page.$$eval('#lines > li', (els) => els.map((el) => el.id));

/** Waits until the log shows `count` lines with `first` at the top. */
async function waitLines(page: Page, count: number, first?: string): Promise<void> {
  await page.waitForFunction(
    ([n, top]) => {
      const els = document.querySelectorAll('#lines > li');
      return els.length === n && (top === null || els[0]?.id === top);
    },
    [count, first ?? null] as const,
    { timeout: WAIT_MS },
  );
}

describe.each(TRANSPORTS)('the streamed live log over $name', (transport) => {
  test('inserts at the top with limit 100, stars in place, deletes, clears, and re-populates after a restart', () =>
    runSession(browser(), transport, async (session) => {
      // one line a minute: only the buttons change the log here
      const page = await session.open('/log?every=10000');
      await waitLines(page, 20, 'lines-20');
      expect((await lineIds(page)).at(-1)).toBe('lines-1');

      await page.click('#log-burst');
      await waitLines(page, 70, 'lines-70');
      await page.click('#log-burst');
      await waitLines(page, 100, 'lines-120'); // pruned from the bottom
      expect((await lineIds(page)).at(-1)).toBe('lines-21');
      expect(await page.textContent('#log-total')).toBe('120');

      const before = await lineIds(page);
      await page.click('#lines-100 .star');
      await page.waitForSelector('#lines-100.starred');
      expect(await lineIds(page)).toEqual(before); // updated in place

      await page.click('#lines-119 .remove');
      await waitLines(page, 99, 'lines-120');
      expect(await page.$('#lines-119')).toBeNull();

      // a change outside the stream leaves the lines alone
      await page.click('#log-toggle');
      await page.waitForSelector('#log-toggle:text("Resume")');
      expect(await lineIds(page)).toHaveLength(99);

      await page.click('#log-clear');
      await waitLines(page, 0);

      // the new server mounts the view afresh: its mount streams the first 20 lines again
      await session.restartServer(async () => {
        await page.waitForSelector('[dj-root].dj-disconnected', { state: 'attached' });
      });
      await session.waitAllLive();
      await waitLines(page, 20, 'lines-20');
    }));

  test('live navigation away and back: the page stays loaded, mount streams the lines again', () =>
    runSession(browser(), transport, async (session) => {
      const page = await session.open('/log?every=10000');
      await page.click('#log-burst');
      await waitLines(page, 70, 'lines-70');
      await page.evaluate(() => void ((globalThis as unknown as { sameDocument?: boolean }).sameDocument = true));
      await page.click('#log-home');
      await page.waitForURL((url) => url.pathname === '/');
      await page.waitForFunction(() => document.getElementById('lines') === null, undefined, { timeout: WAIT_MS });
      await page.goBack();
      await waitLines(page, 20, 'lines-20');
      expect(await page.evaluate(() => (globalThis as unknown as { sameDocument?: boolean }).sameDocument)).toBe(true);
    }));

  test('lines arrive by themselves, newest at the top, and the page keeps 100', () =>
    runSession(browser(), transport, async (session) => {
      const page = await session.open('/log?every=50');
      await page.click('#log-burst');
      await page.click('#log-burst');
      await page.waitForFunction(() => Number(document.getElementById('log-total')?.textContent) >= 125, undefined, { timeout: WAIT_MS });
      await page.click('#log-toggle'); // pause, then compare the page with the counter
      await page.waitForSelector('#log-toggle:text("Resume")');
      const total = Number(await page.textContent('#log-total'));
      await waitLines(page, 100, `lines-${total}`);
      expect((await lineIds(page)).at(-1)).toBe(`lines-${total - 99}`);
    }));
});
