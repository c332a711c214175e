import { chromium, type Browser } from 'playwright-core';
import { findChromium } from './chromium';

/**
 * Flags for Debian's Chromium in a container: headless, no sandbox (root), and no outbound
 * traffic of its own (background networking, component updates and sync would try the
 * internet and fill the log with refused connections). Playwright adds a fresh temporary
 * `--user-data-dir` to every launch and removes it on close.
 */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Launches Debian's Chromium through playwright-core (never a downloaded browser). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: findChromium(), headless: true, args: CHROMIUM_ARGS, timeout: 30000 });
}

/**
 * One browser for the whole test file: launched in beforeAll, closed in afterAll. Each test
 * gets its own context (cookies, storage, pages) from `runSession`.
 */
export function useBrowser(): () => Browser {
  let browser: Browser | null = null;
  beforeAll(async () => {
    browser = await launchChromium();
  }, 30000);
  afterAll(async () => {
    await browser?.close();
    browser = null;
  });
  return () => {
    if (!browser) throw new Error('useBrowser(): the browser is not running (beforeAll failed?)');
    return browser;
  };
}
