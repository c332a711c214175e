import type { Page } from 'playwright-core';

/** Bounded wait for one condition (ms). Nothing in the suite sleeps for a fixed time. */
export const WAIT_MS = 5000;

/**
 * The few browser globals the in-page callbacks touch: the tsconfig has no DOM lib (server
 * code must not see `document`), so callbacks cast `globalThis` to this.
 */
interface InPage {
  document: {
    title: string;
    head: { querySelectorAll(selector: string): ArrayLike<{ getAttribute(name: string): string | null }> };
  };
}

/** One `<meta>` in the head: `key` is its `name` or `property`. */
export interface MetaTag {
  attr: 'name' | 'property';
  key: string;
  content: string | null;
}

/** Waits until the live region is connected (`[dj-root].dj-connected`). */
export async function waitLive(page: Page, timeout = WAIT_MS): Promise<void> {
  await page.waitForSelector('[dj-root].dj-connected', { state: 'attached', timeout });
}

/** Waits until `document.title` is exactly `expected`; the error names the title it saw. */
export async function waitForTitle(page: Page, expected: string, timeout = WAIT_MS): Promise<void> {
  try {
    await page.waitForFunction((title) => (globalThis as unknown as InPage).document.title === title, expected, { timeout, polling: 50 });
  } catch (err) {
    const seen = await page.title().catch(() => '(page closed)');
    throw new Error(`document.title: expected ${JSON.stringify(expected)}, still ${JSON.stringify(seen)} after ${timeout} ms (${page.url()})`, { cause: err });
  }
}

/** Every `<meta name|property>` in the head, in document order. */
export function metaTags(page: Page): Promise<MetaTag[]> {
  return page.evaluate(() => {
    const tags: { attr: 'name' | 'property'; key: string; content: string | null }[] = [];
    const found = (globalThis as unknown as InPage).document.head.querySelectorAll('meta[name], meta[property]');
    for (let i = 0; i < found.length; i += 1) {
      const el = found[i];
      if (!el) continue;
      const name = el.getAttribute('name');
      tags.push(name !== null
        ? { attr: 'name', key: name, content: el.getAttribute('content') }
        : { attr: 'property', key: el.getAttribute('property') ?? '', content: el.getAttribute('content') });
    }
    return tags;
  });
}

/** `content` of the meta tags for `key` (`name=` or `property=`), as a map key → contents. */
export function metaByKey(tags: MetaTag[]): Record<string, (string | null)[]> {
  const out: Record<string, (string | null)[]> = {};
  for (const tag of tags) (out[tag.key] ??= []).push(tag.content);
  return out;
}

/** Waits until the head has `<meta {name|property}=key content=expected>`. */
export async function waitForMeta(page: Page, key: string, expected: string, timeout = WAIT_MS): Promise<void> {
  try {
    await page.waitForFunction(([k, c]) => {
      const found = (globalThis as unknown as InPage).document.head.querySelectorAll('meta[name], meta[property]');
      for (let i = 0; i < found.length; i += 1) {
        const el = found[i];
        if (el && (el.getAttribute('name') === k || el.getAttribute('property') === k) && el.getAttribute('content') === c) return true;
      }
      return false;
    }, [key, expected] as const, { timeout, polling: 50 });
  } catch (err) {
    const seen = metaByKey(await metaTags(page).catch(() => []))[key] ?? [];
    throw new Error(`<meta ${key}>: expected content ${JSON.stringify(expected)}, found ${JSON.stringify(seen)} after ${timeout} ms`, { cause: err });
  }
}

/** A server message as the client handled it (recorded by the session's init script). */
export interface RecordedMessage {
  type: string;
  ref?: number | null;
  [key: string]: unknown;
}

/** Server messages the page has handled so far, in order. */
export function messages(page: Page): Promise<RecordedMessage[]> {
  return page.evaluate(() => (globalThis as unknown as { __djustMessages?: RecordedMessage[] }).__djustMessages ?? []);
}

/**
 * Waits until the page has handled `count` event responses (`patch`, `reply` or `error` with a
 * ref). Messages arrive in order, so everything the server sent before them is applied too.
 */
export async function waitForResponses(page: Page, count: number, timeout = WAIT_MS): Promise<void> {
  await page.waitForFunction((n) => {
    const seen = (globalThis as unknown as { __djustMessages?: RecordedMessage[] }).__djustMessages ?? [];
    return seen.filter((m) => (m.type === 'patch' || m.type === 'reply' || m.type === 'error') && typeof m.ref === 'number').length >= n;
  }, count, { timeout, polling: 50 });
}

/** A visible element whose text does not stand out from what is behind it. */
export interface Unreadable {
  text: string;
  color: string;
  background: string;
  ratio: number;
}

/**
 * Visible elements matching `selector` whose text contrast against the first opaque
 * background behind them is under `minRatio` (WCAG: 4.5 for body text). Empty when all
 * can be read.
 */
export function unreadable(page: Page, selector: string, minRatio = 4.5): Promise<Unreadable[]> {
  return page.locator(selector).evaluateAll((els, min) => {
    type Styled = { textContent: string | null; parentElement: Styled | null; getClientRects(): ArrayLike<unknown> };
    const win = globalThis as unknown as { getComputedStyle(el: Styled): { color: string; backgroundColor: string; visibility: string } };
    const rgba = (css: string): number[] => (css.match(/[\d.]+/g) ?? []).map(Number);
    const luminance = ([r = 0, g = 0, b = 0]: number[]): number => {
      const lin = (c: number) => (c / 255 <= 0.03928 ? c / 255 / 12.92 : ((c / 255 + 0.055) / 1.055) ** 2.4);
      return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
    };
    const backgroundOf = (el: Styled | null): string => {
      for (let at = el; at; at = at.parentElement) {
        const bg = win.getComputedStyle(at).backgroundColor;
        if ((rgba(bg)[3] ?? 1) > 0) return bg;
      }
      return 'rgb(255, 255, 255)';
    };
    const out: { text: string; color: string; background: string; ratio: number }[] = [];
    for (const el of els as unknown as Styled[]) {
      const text = (el.textContent ?? '').trim();
      if (!text || el.getClientRects().length === 0 || win.getComputedStyle(el).visibility !== 'visible') continue;
      const color = win.getComputedStyle(el).color;
      const background = backgroundOf(el);
      const [a, b] = [luminance(rgba(color)), luminance(rgba(background))];
      const ratio = Math.round(((Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)) * 100) / 100;
      if (ratio < min) out.push({ text, color, background, ratio });
    }
    return out;
  }, minRatio);
}
