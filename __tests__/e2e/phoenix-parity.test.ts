import type { Page } from 'playwright-core';
import { useBrowser } from './support/browser';
import { createParityApp, saveGate } from './support/parity-app';
import { WAIT_MS } from './support/page';
import { runSession, type TransportCase } from './support/session';

/**
 * What Phoenix LiveView users rely on first, in Chromium against a real server: a dj-click
 * checkbox toggles, the named submitter reaches the handler, the form is locked while its submit
 * is in flight and takes the server's values after, and a click on a flash message clears it.
 */
const browser = useBrowser();
const CASES: TransportCase[] = [
  { name: 'websocket', options: {}, app: createParityApp },
  { name: 'sse', options: { transport: 'sse' }, app: createParityApp },
];

type Doc = { document: { querySelector(s: string): { textContent: string | null } | null } };

/** Waits until `selector`'s text is exactly `expected` (the error names what it saw). */
async function waitText(page: Page, selector: string, expected: string): Promise<void> {
  try {
    await page.waitForFunction(([sel, want]) => (globalThis as unknown as Doc).document.querySelector(sel)?.textContent === want,
      [selector, expected] as const, { timeout: WAIT_MS, polling: 50 });
  } catch (err) {
    const seen = await page.locator(selector).textContent().catch(() => '(none)');
    throw new Error(`${selector}: expected text ${JSON.stringify(expected)}, still ${JSON.stringify(seen)}`, { cause: err });
  }
}

/** `[readonly]` / `[disabled]` of each control, as `id:attr`. */
const locks = (page: Page) => page.$$eval('#title, #note, #draft, #publish, #plain, #archive', (els) =>
  els.map((el) => `${el.id}:${el.hasAttribute('readonly') ? 'readonly' : el.hasAttribute('disabled') ? 'disabled' : '-'}`));

describe.each(CASES)('Phoenix parity in Chromium over $name', (transport) => {
  test('a checkbox with dj-click toggles and sends its click', () =>
    runSession(browser(), transport, async ({ open }) => {
      const page = await open('/parity');
      await page.click('#agree');
      await waitText(page, '#agreed', '1');
      expect(await page.isChecked('#agree')).toBe(true);
      await page.click('#agree');
      await waitText(page, '#agreed', '2');
      expect(await page.isChecked('#agree')).toBe(false);
    }));

  test('the named submitter is in the params: a dj-click submit button, Enter (the first button), one outside the form', () =>
    runSession(browser(), transport, async ({ open }) => {
      const page = await open('/parity');
      await page.fill('#title', 'One');
      await page.click('#publish');
      await waitText(page, '#saved', 'One|publish|');
      await waitText(page, '#clicks', '1');

      await page.fill('#title', 'Two');
      await page.press('#title', 'Enter');
      await waitText(page, '#saved', 'One|publish|Two|draft|');

      await page.fill('#title', 'Three');
      await page.fill('#note', 'n');
      await page.click('#archive');
      await waitText(page, '#saved', 'One|publish|Two|draft|Three|archive|n');
    }));

  test('while a submit is in flight its fields are readonly and its buttons disabled; after it each is as before and the server\'s values win, in the focused field too', () =>
    runSession(browser(), transport, async ({ open }) => {
      const page = await open('/parity');
      const before = await locks(page);
      expect(before).toEqual(['title:-', 'draft:-', 'publish:-', 'plain:disabled', 'note:-', 'archive:-']);
      await page.fill('#title', 'Slow');
      const release = saveGate.arm();
      try {
        await page.press('#title', 'Enter');
        await page.waitForSelector('#post.dj-submit-loading', { state: 'attached' });
        expect(await locks(page)).toEqual(['title:readonly', 'draft:disabled', 'publish:disabled', 'plain:disabled', 'note:readonly', 'archive:disabled']);
        await page.keyboard.type('more'); // readonly: the text stays as submitted
        expect(await page.inputValue('#title')).toBe('Slow');
      } finally {
        release();
      }
      await waitText(page, '#saved', 'Slow|draft|');
      await page.waitForSelector('#post:not(.dj-submit-loading)', { state: 'attached' });
      expect(await locks(page)).toEqual(before);
      // the handler reset the title: the field shows it, though it kept the focus
      expect(await page.inputValue('#title')).toBe('');
      expect(await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { id: string } | null } }).document.activeElement?.id)).toBe('title');
    }));

  test('a click on a flash message clears it on the page and in the view; the next render does not bring it back', () =>
    runSession(browser(), transport, async ({ open }) => {
      const page = await open('/parity');
      await page.fill('#title', 'Note');
      await page.press('#title', 'Enter');
      await waitText(page, '#dj-flash-container [data-level=info]', 'Saved Note');
      await waitText(page, '#shown', 'Saved Note');
      await page.click('#dj-flash-container [data-level=info]');
      await waitText(page, '#shown', '');
      expect(await page.$$('#dj-flash-container > *')).toHaveLength(0);
      await page.click('#agree');
      await waitText(page, '#agreed', '1');
      expect(await page.textContent('#shown')).toBe('');
      expect(await page.$$('#dj-flash-container > *')).toHaveLength(0);
    }));
});
