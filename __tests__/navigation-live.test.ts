/**
 * LiveClient under jsdom against a real server over a real `ws` socket: dj-patch links,
 * pushPatch, back/forward restoring the head without a round trip, and the title announcer.
 * @jest-environment jsdom
 * @jest-environment-options {"customExportConditions": ["node", "node-addons"]}
 */
import { LiveClient } from '../public/client.js';
import { ShopView } from './fixtures/head-views';
import { fetchPage } from '../lib/testing/page';
import { startApp, type TestApp } from './helpers/server';
import { waitFor, wsTransports } from './helpers/ws-transport';

let app: TestApp;
const transports = wsTransports(() => app.base);
let client: LiveClient | null = null;
/** Every server message the client handled, in order. */
let received: { type: string; ref?: number | null }[] = [];
const record = (ev: Event) => void received.push((ev as CustomEvent).detail);

beforeAll(async () => {
  app = await startApp((live) => live.route('/shop', ShopView));
  document.addEventListener('djust:message', record);
});
afterEach(() => {
  client?.stop();
  client = null;
});
afterAll(async () => {
  transports.terminateAll();
  await app.close();
});

/** Loads `path` into the jsdom document as the browser would, and connects a LiveClient. */
async function open(path: string, announce = true): Promise<LiveClient> {
  const { html, token } = await fetchPage(app.base, path);
  history.replaceState(null, '', path);
  document.documentElement.innerHTML = html.replace(/^<!doctype html>\s*<html>/i, '').replace(/<\/html>\s*$/, '');
  received = [];
  client = new LiveClient(document, { token, prefix: '/djust', transport: 'websocket', announce }, { websocket: transports.connect }).start();
  await waitFor(() => document.querySelector('[dj-root]')?.classList.contains('dj-connected') === true);
  return client;
}

const here = () => location.pathname + location.search;
const meta = (key: string) => document.head.querySelector(`meta[name="${key}"],meta[property="${key}"]`)?.getAttribute('content') ?? null;
const canonical = () => document.head.querySelector('link[rel="canonical"]')?.getAttribute('href') ?? null;
const head = () => ({ title: document.title, description: meta('description'), image: meta('og:image'), canonical: canonical() });
const STORE = { title: 'All products | Shop', description: 'Everything we sell.', image: null, canonical: '/shop' };
const MUG = { title: 'Stoneware Mug | Shop', description: 'Hand-glazed, 350 ml, "dishwasher-safe" & <sturdy>.', image: '/img/mug.png', canonical: '/shop?product=mug' };
const responses = () => received.filter((m) => m.type === 'patch' || m.type === 'reply' || m.type === 'error').length;

function traverse(delta: -1 | 1): Promise<void> {
  return new Promise((resolve) => {
    addEventListener('popstate', () => resolve(), { once: true });
    history.go(delta);
  });
}

describe('live navigation in the client', () => {
  it('a dj-patch link changes the URL and the view; the head follows from handleParams', async () => {
    await open('/shop');
    expect(head()).toEqual(STORE);
    const length = history.length;
    (document.getElementById('go-mug') as HTMLAnchorElement).click();
    expect(here()).toBe('/shop?product=mug');
    expect(history.length).toBe(length + 1);
    await waitFor(() => document.title === MUG.title);
    expect(head()).toEqual(MUG);
    expect(document.getElementById('product')?.textContent).toBe('mug');
    expect(document.head.querySelectorAll('link[rel="canonical"]')).toHaveLength(1);
  });

  it('the first render of a patched URL shows the same head as live navigation (SEO)', async () => {
    await open('/shop?product=mug');
    expect(head()).toEqual(MUG);
  });

  it('back restores the head at once, without waiting for the server, and the server\'s answer changes nothing', async () => {
    await open('/shop');
    (document.getElementById('go-mug') as HTMLAnchorElement).click();
    await waitFor(() => document.title === MUG.title);
    const before = responses();
    let atPop: unknown = null;
    addEventListener('popstate', () => void (atPop = { head: head(), responses: responses() }), { once: true });
    await traverse(-1);
    expect(atPop).toEqual({ head: STORE, responses: before });
    // The server follows (handleParams for /shop) and sends what the snapshot already shows: no flicker.
    const changes: string[] = [];
    const observer = new MutationObserver((records) => changes.push(...records.map((r) => r.type)));
    observer.observe(document.head, { subtree: true, childList: true, attributes: true, characterData: true });
    await waitFor(() => responses() > before);
    await new Promise((r) => setTimeout(r, 20));
    observer.disconnect();
    expect(changes).toEqual([]);
    expect(head()).toEqual(STORE);
    expect(document.getElementById('product')?.textContent).toBe('none');
  });

  it('forward restores the product head', async () => {
    await open('/shop');
    (document.getElementById('go-mug') as HTMLAnchorElement).click();
    await waitFor(() => document.title === MUG.title);
    await traverse(-1);
    await traverse(1);
    expect(head()).toEqual(MUG);
    await waitFor(() => document.getElementById('product')?.textContent === 'mug');
  });

  it('pushPatch from a handler pushes a history entry whose head back/forward restore', async () => {
    await open('/shop');
    const length = history.length;
    client?.pushEvent('choose', { id: 'mug' });
    await waitFor(() => document.title === MUG.title);
    expect(here()).toBe('/shop?product=mug');
    expect(history.length).toBe(length + 1);
    expect(head()).toEqual(MUG);
    await traverse(-1);
    expect(head()).toEqual(STORE);
    expect(here()).toBe('/shop');
  });

  it('announces title changes in #dj-announcer (aria-live="polite")', async () => {
    await open('/shop');
    const region = document.getElementById('dj-announcer') as HTMLElement;
    expect(region.getAttribute('aria-live')).toBe('polite');
    expect(region.textContent).toBe('');
    (document.getElementById('go-mug') as HTMLAnchorElement).click();
    await waitFor(() => region.textContent === MUG.title);
  });

  it('has no announcer when data-djust-announce="false"', async () => {
    await open('/shop', false);
    expect(document.getElementById('dj-announcer')).toBeNull();
    (document.getElementById('go-mug') as HTMLAnchorElement).click();
    await waitFor(() => document.title === MUG.title);
  });
});
