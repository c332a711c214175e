/**
 * Uploads in Chromium (demo/uploads.ts, docs/uploads.md) over WebSocket and SSE: files picked
 * with setInputFiles and dropped on the drop target, previews from object URLs, progress, cancel,
 * validation errors, the avatar's autoUpload, and the uploads module loaded only where needed.
 */
import { useBrowser } from './support/browser';
import { runSession, TRANSPORTS } from './support/session';

const browser = useBrowser();

/** A 1×1 PNG. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
/** A PNG over several 64 000-byte chunks (trailing bytes after IEND are ignored by decoders). */
const BIG_PNG = Buffer.concat([PNG, Buffer.alloc(300_000, 7)]);

describe.each(TRANSPORTS)('uploads over $name', (transport) => {
  test('gallery: pick, preview, cancel, drop, upload on submit; avatar uploads as soon as it is picked', () =>
    runSession(browser(), transport, async ({ open, context }) => {
      const loaded: string[] = [];
      context.on('request', (req) => {
        if (req.url().includes('/djust/djust-up.min.js')) loaded.push(new URL(req.url()).pathname);
      });
      await open('/');
      expect(loaded).toEqual([]); // a page without dj-upload does not load the module
      const page = await open('/uploads');
      await page.waitForFunction(() => performance.getEntriesByType('resource').some((r) => r.name.includes('djust-up.min.js')));
      expect(loaded).toEqual(['/djust/djust-up.min.js']);

      await page.setInputFiles('#photos-input', [
        { name: 'one.png', mimeType: 'image/png', buffer: BIG_PNG },
        { name: 'two.png', mimeType: 'image/png', buffer: PNG },
      ]);
      const entries = page.locator('ul.entries li.entry');
      await page.waitForFunction(() => document.querySelectorAll('ul.entries li.entry').length === 2);
      // Previews: object URLs, before any byte is sent.
      await page.waitForFunction(() => [...document.querySelectorAll('[dj-upload-preview]')].every((img) => (img as HTMLImageElement).src.startsWith('blob:')));
      expect(await page.locator('ul.entries progress').first().getAttribute('value')).toBe('0');

      // Cancel the second: it leaves the list.
      await page.click('li.entry:has-text("two.png") button');
      await page.waitForFunction(() => document.querySelectorAll('ul.entries li.entry').length === 1);

      // Drop a third on the drop target.
      const dataTransfer = await page.evaluateHandle((bytes) => {
        const dt = new DataTransfer();
        dt.items.add(new File([new Uint8Array(bytes)], 'three.png', { type: 'image/png' }));
        return dt;
      }, [...PNG]);
      await page.dispatchEvent('#drop', 'drop', { dataTransfer });
      await page.waitForFunction(() => document.querySelectorAll('ul.entries li.entry').length === 2);
      expect(await entries.allTextContents()).toEqual([expect.stringContaining('one.png'), expect.stringContaining('three.png')]);

      // Submit: the files are sent (progress), then save consumes them into the gallery.
      await page.click('#gallery-save');
      await page.waitForFunction(() => document.querySelectorAll('#gallery img').length === 2);
      expect(await entries.count()).toBe(0);
      const sizes = await page.$$eval('#gallery img', (imgs) => imgs.map((img) => (img as HTMLImageElement).naturalWidth));
      expect(sizes).toEqual([1, 1]); // the stored bytes are the PNGs picked

      // Not accepted: refused before a byte is sent, shown in the template.
      await page.setInputFiles('#photos-input', [{ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hi') }]);
      await page.locator('li.entry:has-text("notes.txt") .field-error').filter({ hasText: 'not_accepted' }).waitFor();

      // Avatar: autoUpload, consumed by its progress callback.
      await page.setInputFiles('#avatar-input', [{ name: 'me.png', mimeType: 'image/png', buffer: PNG }]);
      await page.locator('#avatar').waitFor();
      expect(await page.$eval('#avatar', (img) => (img as HTMLImageElement).naturalWidth)).toBe(1);
    }));
});
