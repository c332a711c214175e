import { useBrowser } from './support/browser';
import { createFormsApp } from './support/forms-app';
import { messages, WAIT_MS } from './support/page';
import { runSession, type TransportCase } from './support/session';

const browser = useBrowser();

/** The default transport (`auto`, WebSocket first), and forced SSE. */
const CASES: TransportCase[] = [
  { name: 'websocket', options: {}, app: createFormsApp },
  { name: 'sse', options: { transport: 'sse' }, app: createFormsApp },
];

interface InPage {
  document: { activeElement: { id: string } | null };
}

describe.each(CASES)('server restart mid-edit over $name', (transport) => {
  test('the fields keep their text, the new view gets it back, and the page stays on its transport (WebSocket: after refused opens)', () =>
    runSession(browser(), transport, async (session) => {
      const page = await session.open('/draft');
      let sockets = 0;
      page.on('websocket', () => void (sockets += 1));
      await page.fill('#title', 'Hello');
      await page.click('#body');
      await page.keyboard.type('mid-');
      await page.locator('#seen', { hasText: 'Hello|mid-' }).waitFor();

      await session.restartServer(async () => {
        await page.waitForSelector('[dj-root].dj-disconnected', { state: 'attached' });
        if (transport.name === 'sse') return;
        // Let the page's WebSocket be refused twice while the server is down (what used to move it to SSE for good).
        const before = sockets;
        for (let waited = 0; sockets < before + 2 && waited < WAIT_MS; waited += 50) await new Promise((r) => setTimeout(r, 50));
        expect(sockets).toBeGreaterThanOrEqual(before + 2);
      });
      await session.waitAllLive(); // and fails if the page used the other transport
      // The fresh view mounted empty; recovery sent the form back as its dj-change event.
      await page.waitForFunction(() => {
        const seen = (globalThis as unknown as { __djustMessages: { type: string }[] }).__djustMessages;
        return seen.filter((m) => m.type === 'mounted').length >= 2;
      }, undefined, { timeout: WAIT_MS });
      await page.locator('#seen', { hasText: 'Hello|mid-' }).waitFor();
      expect(await page.inputValue('#title')).toBe('Hello');
      expect(await page.inputValue('#body')).toBe('mid-');
      expect(await page.evaluate(() => (globalThis as unknown as InPage).document.activeElement?.id)).toBe('body');
      const recovered = (await messages(page)).filter((m) => m.type === 'mounted');
      expect(recovered).toHaveLength(2);

      // The user goes on typing where they were.
      await page.keyboard.type('edit');
      await page.locator('#seen', { hasText: 'Hello|mid-edit' }).waitFor();
    }));
});
