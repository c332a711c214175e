import { randomBytes } from 'node:crypto';
import express from 'express';
import { djustLite, eventHandler, LiveView, type DjustLiteOptions } from '../../lib';
import { useBrowser } from './support/browser';
import { FORMS_VIEWS, strictCsp } from './support/forms-app';
import { runSession, type TransportCase } from './support/session';

const browser = useBrowser();

/** A menu the page opens with JS commands; saving re-renders the menu (its text and class). */
class MenuView extends LiveView {
  static template = 'js-commands.njk';
  count = 0;

  mount() {
    this.pageTitle = 'Menu';
  }

  @eventHandler()
  save(params: Record<string, unknown>) {
    this.count += 1;
    this.pageTitle = `Menu (${this.count}, ${String(params.by)}, ${String(params.n)})`;
  }
}

/** The page under the strict policy of csp.test.ts; `.hidden` and the transition classes in a stylesheet file. */
function createJsApp(options: DjustLiteOptions) {
  const app = express();
  app.use((_req, res, next) => {
    res.locals.cspNonce = randomBytes(16).toString('base64');
    res.setHeader('Content-Security-Policy', strictCsp(res.locals.cspNonce as string));
    next();
  });
  app.get('/js.css', (_req, res) => void res.type('css').send('.hidden { display: none; }\n.fade { transition: opacity 600ms; }\n.faded { opacity: 0; }\n.opaque { opacity: 1; }\n'));
  app.get('/favicon.ico', (_req, res) => void res.status(204).end());
  const live = djustLite({ views: FORMS_VIEWS, secret: 'djust-lite-e2e-js-commands-secret-not-for-production', ...options });
  live.route('/menu', MenuView);
  app.use(live);
  return { app, live };
}

const CASE: TransportCase = { name: 'websocket', options: {}, app: createJsApp };

/** Init script: CSP violations in `window.__cspViolations`; a hook that opens the menu through this.js() on a custom event. */
const SETUP = `window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));
window.djust = { hooks: { Opener: { mounted() { window.addEventListener('open-by-hook', () => this.js().addClass(document.getElementById('menu'), 'by-hook')); } } } };`;

interface InPage {
  __cspViolations: string[];
  document: { getElementById(id: string): { className: string; style: { display: string } } };
  getComputedStyle(el: unknown): { display: string; opacity: string };
  dispatchEvent(e: unknown): void;
  Event: new (type: string) => unknown;
}

describe('JS commands in Chromium', () => {
  test('under the strict CSP: the module loads on the first command, a transition runs, effects survive a server patch', () =>
    runSession(browser(), CASE, async (session) => {
      await session.context.addInitScript({ content: SETUP });
      const loaded: string[] = [];
      session.context.on('request', (req) => {
        if (req.url().includes('/djust/djust-js.min.js')) loaded.push(req.url());
      });
      const page = await session.open('/menu');
      expect(loaded).toEqual([]); // a page that has run no command has not loaded the module
      const menu = page.locator('#menu');
      expect(await menu.isVisible()).toBe(false);

      await page.click('#menu-button');
      await menu.waitFor({ state: 'visible' });
      expect(loaded).toHaveLength(1);
      expect(loaded[0]).toMatch(/\/djust\/djust-js\.min\.js\?v=[A-Za-z0-9_-]{8}$/);
      // mid-transition: the run and end classes are on; at the end only the server's and none of the transition's
      expect(await menu.getAttribute('class')).toMatch(/fade/);
      await page.waitForFunction(() => !(globalThis as unknown as InPage).document.getElementById('menu').className.includes('fade'));
      expect(await page.getAttribute('#menu-button', 'aria-expanded')).toBe('true');

      // push with the binding's dj-value-* and its value; the server re-renders the menu's text and class
      await page.click('#save');
      await page.locator('#menu-count', { hasText: '1 saved' }).waitFor();
      expect(await page.title()).toBe('Menu (1, menu, 1)');
      const after = await page.evaluate(() => {
        const w = globalThis as unknown as InPage;
        const el = w.document.getElementById('menu');
        return { className: el.className, display: w.getComputedStyle(el).display, opacity: w.getComputedStyle(el).opacity };
      });
      // the server set class="menu hidden round-1": `pressed` (added by JS) was put back
      expect(after.className.split(' ').sort()).toEqual(['hidden', 'menu', 'pressed', 'round-1']);
      expect(after.display).toBe('block'); // shown by JS although the server still renders class="hidden"
      expect(after.opacity).toBe('1');
      expect(await page.getAttribute('#menu-button', 'aria-expanded')).toBe('true');

      // a hook's this.js()
      await page.evaluate(() => {
        const w = globalThis as unknown as InPage;
        w.dispatchEvent(new w.Event('open-by-hook'));
      });
      await page.locator('#menu.by-hook').waitFor();

      // toggled closed: hidden at the end of the out transition
      await page.click('#menu-button');
      await menu.waitFor({ state: 'hidden' });
      expect(await page.evaluate(() => (globalThis as unknown as InPage).__cspViolations)).toEqual([]);
      expect(loaded).toHaveLength(1); // loaded once
      // (runSession fails the test on any console error or failed request.)
    }));

  test('the demo inbox: "How it works" opens in the page and stays open while mail arrives', () =>
    runSession(browser(), { name: 'websocket', options: {} }, async (session) => {
      const page = await session.open('/inbox');
      const help = page.locator('#inbox-help');
      expect(await help.isVisible()).toBe(false);
      await page.click('#inbox-about');
      await help.waitFor({ state: 'visible' });
      await page.click('#inbox-receive');
      await page.locator('#count', { hasText: '1 unread' }).waitFor();
      expect(await help.isVisible()).toBe(true);
      await page.click('#inbox-about');
      await help.waitFor({ state: 'hidden' });
    }));
});
