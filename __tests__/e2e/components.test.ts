/**
 * The decarbonize demo (demo/decarbonize.ts): a page built from LiveComponents, in Chromium
 * over WebSocket and SSE. A row's own buttons and form (dj-target="{{ myself }}") change that
 * row only — the patch is addressed to its component and the other rows' DOM nodes stay the
 * same nodes — while sendParent updates the view's total and the title; after a server
 * restart the page reconnects and the components mount again.
 */
import { useBrowser } from './support/browser';
import { messages, waitForTitle } from './support/page';
import { runSession, TRANSPORTS } from './support/session';

const browser = useBrowser();

describe.each(TRANSPORTS)('LiveComponents (decarbonize) over $name', (transport) => {
  test("a row's own buttons and form change that row, the total and the title", () =>
    runSession(browser(), transport, async ({ open }) => {
      const page = await open('/decarbonize');
      expect(await page.title()).toBe('Decarbonize: 3.4 t CO₂');
      // mark the other rows' nodes: a patch for the car row must leave them as they are
      await page.evaluate(() => {
        for (const id of ['home', 'flights']) (document.getElementById(`source-${id}`) as HTMLElement & { mark?: boolean }).mark = true;
      });
      const before = (await messages(page)).length;
      await page.click('#source-car .more');
      await page.locator('#source-car .kg', { hasText: '2.2' }).waitFor();
      await waitForTitle(page, 'Decarbonize: 3.6 t CO₂');
      expect(await page.locator('#total strong').textContent()).toBe('3.6');
      const sent = (await messages(page)).slice(before);
      const rowPatch = sent.find((m) => m.type === 'patch') as { ops?: [string, (string | number)[]][] } | undefined;
      expect(rowPatch?.ops?.every((op) => typeof op[1][0] === 'string')).toBe(true);
      expect(await page.evaluate(() => ['home', 'flights'].every((id) => (document.getElementById(`source-${id}`) as HTMLElement & { mark?: boolean }).mark === true))).toBe(true);

      await page.fill('#source-flights input', '10');
      await page.locator('#source-flights .kg', { hasText: '0.9' }).waitFor();
      await waitForTitle(page, 'Decarbonize: 3.9 t CO₂');
      expect(await page.locator('#source-car .kg').textContent()).toBe('2.2');
      expect(await page.locator('#source-car input').inputValue()).toBe('13000');
    }));

  test('after a server restart the page reconnects and its components mount again', () =>
    runSession(browser(), transport, async ({ open, restartServer, waitAllLive }) => {
      const page = await open('/decarbonize');
      await page.click('#source-home .less');
      await page.locator('#source-home .kg', { hasText: '0.7' }).waitFor();
      await restartServer();
      await waitAllLive();
      // the remount renders the components afresh (their state starts from mount, as Phoenix's)
      await page.locator('#source-home .kg', { hasText: '0.8' }).waitFor();
      await page.click('#source-home .more');
      await page.locator('#source-home .kg', { hasText: '0.9' }).waitFor();
      await waitForTitle(page, 'Decarbonize: 3.5 t CO₂');
    }));
});
