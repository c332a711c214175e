import { useBrowser } from './support/browser';
import { unreadable, waitForTitle } from './support/page';
import { runSession, TRANSPORTS } from './support/session';

const browser = useBrowser();

describe.each(TRANSPORTS)('settings over $name', (transport) => {
  test('Save shows "Changes saved!" as an alert and titles the tab "… - Saved"', () =>
    runSession(browser(), transport, async ({ open }) => {
      const page = await open('/settings');
      expect(await page.title()).toBe('Project');
      expect(await page.getByRole('alert').count()).toBe(0);

      await page.click('#settings-save');
      await waitForTitle(page, 'Project - Saved');
      const saved = page.getByRole('alert').filter({ hasText: 'Changes saved!' });
      await saved.waitFor({ state: 'visible' });
      expect(await saved.getAttribute('role')).toBe('alert');
      expect(await saved.textContent()).toBe('Changes saved!');
      expect(await unreadable(page, '.dj-flash')).toEqual([]);

      await page.fill('#project', 'Apollo');
      await page.click('#settings-save');
      await waitForTitle(page, 'Apollo - Saved');
      expect(await page.getByRole('alert').filter({ hasText: 'Changes saved!' }).count()).toBe(1);
    }));

  test('saving an empty name shows the error flash and keeps the title', () =>
    runSession(browser(), transport, async ({ open }) => {
      const page = await open('/settings');
      await page.fill('#project', '   ');
      await page.click('#settings-save');
      await page.getByRole('alert').filter({ hasText: 'Project name cannot be empty.' }).waitFor({ state: 'visible' });
      expect(await page.title()).toBe('Project');
    }));
});
