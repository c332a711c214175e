import { useBrowser } from './support/browser';
import { createFormsApp } from './support/forms-app';
import { waitForTitle } from './support/page';
import { runSession, type TransportCase } from './support/session';

const browser = useBrowser();

/** The forms app sends `default-src 'self'; script-src 'nonce-…' 'strict-dynamic'; style-src 'self'` with every page. */
const CASES: TransportCase[] = [
  { name: 'websocket', options: {}, app: createFormsApp },
  { name: 'sse', options: { transport: 'sse' }, app: createFormsApp },
];

/** Init script: every CSP violation the page reports, in `window.__cspViolations`. */
const RECORD_VIOLATIONS = `window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + (e.sample || '')));`;

interface InPage {
  __cspViolations: string[];
  document: { getElementById(id: string): { textContent: string | null } | null };
  getComputedStyle(el: unknown): { position: string; width: string };
}

describe.each(CASES)('strict Content-Security-Policy over $name', (transport) => {
  test('the page is live under a nonce policy (strict-dynamic, style-src self) with zero violations', () =>
    runSession(browser(), transport, async (session) => {
      // The policy is really sent, and the script tag carries its nonce (from res.locals.cspNonce).
      const res = await fetch(`${session.server.origin}/draft`);
      const policy = res.headers.get('content-security-policy') ?? '';
      const nonce = /'nonce-([^']+)'/.exec(policy)?.[1];
      expect(policy).toMatch(/^default-src 'self'; script-src 'nonce-[^']+' 'strict-dynamic'; style-src 'self'$/);
      expect(await res.text()).toContain(` nonce="${nonce}" `);

      await session.context.addInitScript({ content: RECORD_VIOLATIONS });
      const page = await session.open('/draft'); // live over the transport under test
      await page.click('#inc');
      await waitForTitle(page, 'Draft (1)');
      await page.fill('#title', 'Strict');
      await page.locator('#seen', { hasText: 'Strict|' }).waitFor();
      // The title announcer is visually hidden through CSSOM (element.style), which CSP allows.
      await page.locator('#dj-announcer', { hasText: 'Draft (1)' }).waitFor({ state: 'attached' });
      const announcer = await page.evaluate(() => {
        const w = globalThis as unknown as InPage;
        const style = w.getComputedStyle(w.document.getElementById('dj-announcer'));
        return { position: style.position, width: style.width };
      });
      expect(announcer).toEqual({ position: 'absolute', width: '1px' });
      expect(await page.evaluate(() => (globalThis as unknown as InPage).__cspViolations)).toEqual([]);
      // (runSession fails the test on any console error, which is where Chromium reports violations.)
    }));
});
