import type { Page } from 'playwright-core';
import { useBrowser } from './support/browser';
import { createLabApp, slowGate } from './support/lab-app';
import { messages, waitForTitle, WAIT_MS } from './support/page';
import { runSession, TRANSPORTS, type TransportCase } from './support/session';

const browser = useBrowser();

/** The lab app over the default transport (WebSocket first); navigation also over SSE. */
const WS: TransportCase = { name: 'websocket', options: {}, app: createLabApp };
const LAB_CASES: TransportCase[] = [WS, { name: 'sse', options: { transport: 'sse' }, app: createLabApp }];

/** The browser globals the in-page callbacks touch (see support/page.ts). */
interface InPage {
  __hookLog: string[];
  __marker?: number;
  __probe: { pushEvent(event: string, params: Record<string, unknown>): Promise<unknown> };
  location: { pathname: string };
  document: { activeElement: { id: string } | null };
}

/** For the MutationObserver that records the submit button while the signup saves. */
interface SeenWhileSaving {
  __whileSaving: string[];
  MutationObserver: new (cb: () => void) => { observe(target: unknown, options: Record<string, boolean>): void };
  document: { querySelector(selector: string): { disabled: boolean; textContent: string | null } };
}

/** Waits until `selector`'s text is exactly `expected` (the error names what it saw). */
async function waitText(page: Page, selector: string, expected: string): Promise<void> {
  try {
    await page.waitForFunction(([sel, want]) => (globalThis as unknown as { document: { querySelector(s: string): { textContent: string | null } | null } })
      .document.querySelector(sel)?.textContent === want, [selector, expected] as const, { timeout: WAIT_MS, polling: 50 });
  } catch (err) {
    const seen = await page.locator(selector).textContent().catch(() => '(none)');
    throw new Error(`${selector}: expected text ${JSON.stringify(expected)}, still ${JSON.stringify(seen)}`, { cause: err });
  }
}

/** Waits until the Probe hook's log (window.__hookLog) holds `entry`. */
async function waitHook(page: Page, entry: string): Promise<void> {
  await page.waitForFunction((e) => (globalThis as unknown as InPage).__hookLog.includes(e), entry, { timeout: WAIT_MS, polling: 50 });
}

/** Marks the document: the mark survives a live navigation and is gone after a page load. */
const mark = (page: Page) => page.evaluate(() => void ((globalThis as unknown as InPage).__marker = 17));
const marked = (page: Page) => page.evaluate(() => (globalThis as unknown as InPage).__marker === 17);

describe('interactions in Chromium', () => {
  test('dj-disable-with and dj-click-loading while a slow handler runs, undone by its answer', () =>
    runSession(browser(), WS, async ({ open }) => {
      const page = await open('/lab');
      const release = slowGate.arm();
      try {
        await page.click('#slow');
        await page.waitForSelector('#slow[disabled].dj-click-loading', { state: 'attached' });
        expect(await page.textContent('#slow')).toBe('Working…');
        expect(await page.textContent('#slow-done')).toBe('0');
      } finally {
        release();
      }
      await waitText(page, '#slow-done', '1');
      await page.waitForSelector('#slow:not([disabled]):not(.dj-click-loading)', { state: 'attached' });
      expect(await page.textContent('#slow')).toBe('Run');
    }));

  test('dj-keydown with dj-key sends only that key, with the field value; dj-window-keydown listens on the window', () =>
    runSession(browser(), WS, async ({ open }) => {
      const page = await open('/lab');
      await page.click('#key-input');
      await page.keyboard.type('ab');
      await page.keyboard.press('Enter');
      await waitText(page, '#entered', 'Enter:ab');

      await page.click('h1'); // focus leaves the field: keys go to the body, the window hears them
      await page.keyboard.press('x');
      await page.keyboard.press('k');
      await page.keyboard.press('Shift+K'); // dj-key matches in any case
      // Answers come in order: had "x" been sent, it would show before the "k".
      await waitText(page, '#win-keys', 'k,K');
      expect(await page.textContent('#entered')).toBe('Enter:ab');
    }));

  test('dj-focus and dj-blur send on focus and blur, blur with the value', () =>
    runSession(browser(), WS, async ({ open }) => {
      const page = await open('/lab');
      await page.click('#focus-input');
      await waitText(page, '#focus-log', 'focus');
      await page.keyboard.type('hi');
      await page.click('h1');
      await waitText(page, '#focus-log', 'focus,blur:hi');
    }));

  test('dj-debounce sends the last value once: after a pause (ms) and when the field loses focus ("blur")', () =>
    runSession(browser(), WS, async ({ open }) => {
      const page = await open('/lab');
      const peek = () => page.evaluate(() => (globalThis as unknown as InPage).__probe.pushEvent('peek', {})) as Promise<{ searches: string[]; blurSearches: string[] }>;

      await page.click('#search');
      await page.keyboard.type('hello');
      expect((await peek()).searches).toEqual([]); // still held (1 s)
      await waitText(page, '#searches', 'hello');

      await page.click('#search-blur');
      await page.keyboard.type('abc');
      expect((await peek()).blurSearches).toEqual([]); // held until blur, however long
      await page.keyboard.press('Tab');
      await waitText(page, '#blur-searches', 'abc');
      expect((await peek()).searches).toEqual(['hello']);
    }));

  test('a hook: mounted, updated, handleEvent and the dj: window event from pushEvent, pushEvent resolving with pushReply, destroyed', () =>
    runSession(browser(), WS, async ({ open }) => {
      const page = await open('/lab');
      await waitHook(page, 'mounted 0');
      await page.click('#bump');
      await waitHook(page, 'updated 1');
      await page.click('#ping');
      await waitHook(page, 'ping 1');
      await waitHook(page, 'window 1');
      const reply = await page.evaluate(() => (globalThis as unknown as InPage).__probe.pushEvent('ask', { q: 'hi' }));
      expect(reply).toEqual({ answer: 'HI' });
      await page.click('#hook-off');
      await waitHook(page, 'destroyed');
      const log = await page.evaluate(() => (globalThis as unknown as InPage).__hookLog);
      expect({ lifecycle: [...log.slice(0, 2), ...log.slice(4)], pushed: log.slice(2, 4).sort() })
        .toEqual({ lifecycle: ['mounted 0', 'updated 1', 'destroyed'], pushed: ['ping 1', 'window 1'] });
    }));

  test('typed params: dj-value-qty="3" arrives as the number 3; "three" is answered bad_params and the handler never runs', () =>
    runSession(browser(), WS, async ({ open }) => {
      const page = await open('/lab');
      await page.click('#qty-ok');
      await waitText(page, '#qty', '3 number');

      await page.click('#qty-bad');
      await page.waitForFunction(() => (globalThis as unknown as { __djustMessages: { type: string; code?: string }[] }).__djustMessages
        .some((m) => m.type === 'error' && m.code === 'bad_params'), undefined, { timeout: WAIT_MS, polling: 50 });
      const seen = await messages(page);
      const refused = seen.find((m) => m.type === 'error');
      expect(refused).toMatchObject({ code: 'bad_params', issues: [expect.objectContaining({ path: ['qty'] })] });
      expect(seen.filter((m) => m.ref === refused?.ref).map((m) => m.type)).toEqual(['error']); // no patch: the view is untouched
      // A hook's pushEvent is refused the same way: its promise rejects with the code.
      const code = await page.evaluate(() => (globalThis as unknown as InPage).__probe.pushEvent('setQty', { qty: 'x' }).then(() => 'resolved', (e: { code?: string }) => e.code));
      expect(code).toBe('bad_params');
      expect(await page.textContent('#qty')).toBe('3 number');
      expect(await page.textContent('#qty-calls')).toBe('1');
      await page.waitForSelector('#qty-bad:not(.dj-click-loading)', { state: 'attached' });
    }));
});

describe.each(LAB_CASES)('navigation from the server over $name', (transport) => {
  test('pushNavigate mounts the other view of the same layout without a page load; back returns, reload keeps the URL', () =>
    runSession(browser(), transport, async ({ open }) => {
      const page = await open('/lab');
      await mark(page);
      await page.click('#go-other');
      await waitForTitle(page, 'Other');
      expect(new URL(page.url()).pathname).toBe('/lab/other');
      expect(await marked(page)).toBe(true); // the same document: no page load
      await page.click('#count-up'); // the new view is live on the same connection
      await waitText(page, '#count', '1');

      await page.goBack();
      await waitForTitle(page, 'Lab');
      await page.waitForSelector('#slow', { state: 'attached' });
      expect(await marked(page)).toBe(true);
      await page.goForward();
      await waitForTitle(page, 'Other');

      await page.reload();
      await page.waitForSelector('[dj-root].dj-connected #other', { state: 'attached' });
      expect(await page.title()).toBe('Other');
      expect(await marked(page)).toBe(false);
      await page.click('#count-up');
      await waitText(page, '#count', '1');
    }));

  test('a dj-navigate link does the same; to a route of another layout it loads the page', () =>
    runSession(browser(), transport, async ({ open }) => {
      const page = await open('/lab');
      await mark(page);
      await page.click('#nav-other');
      await waitForTitle(page, 'Other');
      expect(await marked(page)).toBe(true);
      await page.click('#nav-solo');
      await page.waitForSelector('[dj-root].dj-connected #solo', { state: 'attached' });
      expect(await page.title()).toBe('Solo');
      expect(new URL(page.url()).pathname).toBe('/solo');
      expect(await marked(page)).toBe(false);
    }));

  test('pushNavigate to another layout and redirect load the page', () =>
    runSession(browser(), transport, async ({ open, server }) => {
      const page = await open('/lab');
      await mark(page);
      await page.click('#go-solo');
      await page.waitForSelector('[dj-root].dj-connected #solo', { state: 'attached' });
      expect(await marked(page)).toBe(false);

      await page.goto(`${server.origin}/lab`);
      await page.waitForSelector('[dj-root].dj-connected #slow', { state: 'attached' });
      await mark(page);
      await page.click('#go-plain');
      await page.waitForSelector('#plain', { state: 'attached' });
      expect(new URL(page.url()).pathname).toBe('/plain');
      expect(await page.title()).toBe('Plain');
      expect(await marked(page)).toBe(false);
    }));
});

describe.each(TRANSPORTS.slice(0, 1))('the demo signup form over $name', (transport) => {
  test('errors per field as you type, all of them on submit, then "Signing up…", a flash and a live navigation home', () =>
    runSession(browser(), transport, async ({ open }) => {
      const page = await open('/signup');
      expect(await page.title()).toBe('Sign up');
      await mark(page);

      // The field reached shows its error; the others do not yet.
      await page.fill('#name', 'A');
      await waitText(page, '#name-error', 'Your name needs at least 2 characters.');
      expect(await page.getAttribute('#name', 'aria-invalid')).toBe('true');
      expect(await page.locator('#age-error').count()).toBe(0);
      await page.fill('#name', 'Ada');
      await page.waitForSelector('#name-error', { state: 'detached' });

      // The email is checked when the field is left (dj-debounce="blur").
      await page.click('#email');
      await page.keyboard.type('ada@');
      await page.click('#age');
      await waitText(page, '#email-error', 'That is not an email address.');

      // The bio's hook counts characters in a dj-update="ignore" element.
      await page.fill('#bio', 'Mathematician');
      await waitText(page, '#bio-count', '13 / 160');

      // Submit checks every field.
      await page.click('#signup-submit');
      await waitText(page, '#age-error', 'Your age, please.');
      await page.fill('#email', 'ada@example.com');
      await page.fill('#age', '36');
      await page.waitForSelector('#age-error', { state: 'detached' });
      await page.waitForSelector('#email-error', { state: 'detached' });
      expect(await page.textContent('#bio-count')).toBe('13 / 160'); // the updates left it alone

      // The save takes a moment: record what the button shows meanwhile (no timing race).
      await page.evaluate(() => {
        const w = globalThis as unknown as SeenWhileSaving;
        const button = w.document.querySelector('#signup-submit');
        w.__whileSaving = [];
        new w.MutationObserver(() => void w.__whileSaving.push(`${button.disabled}:${button.textContent}`))
          .observe(button, { attributes: true, childList: true, characterData: true, subtree: true });
      });
      await page.click('#signup-submit');
      await page.getByRole('alert').filter({ hasText: 'Welcome, Ada! You are signed up.' }).waitFor({ state: 'visible' });
      await waitForTitle(page, 'djust-lite demo');
      expect(new URL(page.url()).pathname).toBe('/');
      expect(await marked(page)).toBe(true);
      expect(await page.evaluate(() => (globalThis as unknown as SeenWhileSaving).__whileSaving)).toContain('true:Signing up…');
    }));
});
