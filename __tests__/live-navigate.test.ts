/**
 * pushNavigate and `params` for another route (issue 17) over a real server and real `ws`
 * clients (lib/testing): the live switch between views sharing a layout (navigate with html and
 * token, the new view's head, carried flash, the old view released), redirect otherwise, chains.
 */
import type { NavigateMessage, ServerMessage } from '../lib/contract/protocol';
import { liveTest, type LiveTestView } from '../lib/testing';
import { envelope } from '../lib/testing/messages';
import { WebSocketChannel, webSocketUrl } from '../lib/testing/websocket';
import { djustLite } from '../lib';
import { navigateApp, OrderView, seen } from './fixtures/navigate-views';

const { app, live } = navigateApp();
let view: LiveTestView | null = null;

beforeEach(() => {
  seen.infos.length = 0;
  seen.pushUnmounts = 0;
  seen.orderUnmounts = 0;
});
/** Closed after each test (apps a test made for itself). */
const afterTest: (() => Promise<void>)[] = [];
afterEach(async () => {
  await view?.close();
  view = null;
  for (const close of afterTest.splice(0)) await close();
});
afterAll(() => live.close());

const open = (path: string) => liveTest(app, path, { transport: 'websocket' });
const navigateOf = (messages: ServerMessage[]) => messages.find((m): m is NavigateMessage => m.type === 'navigate');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Mounts `token` on a fresh WebSocket (as the browser does on reconnect); resolves with what the mount sent. */
async function remount(origin: string, token: string, url: string): Promise<ServerMessage[]> {
  const messages: ServerMessage[] = [];
  const channel = new WebSocketChannel(webSocketUrl(origin), { message: (m) => void messages.push(m) });
  await channel.opened;
  channel.send(envelope.mount(token, url));
  for (let i = 0; i < 100 && !messages.some((m) => m.type === 'mounted' || m.type === 'error'); i += 1) await sleep(20);
  await channel.close(1000, 'done');
  return messages;
}

describe('pushNavigate to a live route sharing the layout', () => {
  it('answers, then navigate with the new region and a token, then the new head, flash and push events', async () => {
    view = await open('/push');
    const { response, messages } = await view.event('go', { to: '/orders/7' });
    expect(response).toEqual({ type: 'reply', ref: 1 });
    const navigate = navigateOf(messages) as NavigateMessage;
    expect(navigate).toMatchObject({ type: 'navigate', url: '/orders/7', replace: false, html: expect.stringContaining('Order 7'), token: expect.any(String) });
    expect(messages.slice(1)).toEqual([
      navigate,
      { type: 'page_metadata', action: 'title', value: 'Order 7 | Shop' },
      { type: 'page_metadata', action: 'meta', name: 'description', content: 'an order' },
      { type: 'page_metadata', action: 'meta', name: 'og:title', remove: true },
      { type: 'page_metadata', action: 'link', rel: 'canonical', remove: true },
      { type: 'flash', action: 'put', level: 'success', message: 'Moving' },
      { type: 'push_event', event: 'before', payload: {} },
      { type: 'push_event', event: 'order:shown', payload: { id: '7' } },
    ]);
    expect(view.url).toBe('/orders/7');
    expect(view.title).toBe('Order 7 | Shop');
    expect(view.metaTags).toEqual({ description: 'an order' });
    expect(view.link('canonical')).toBeUndefined();
    // The flash shown when it navigated is the new view's in mount.
    expect(view.html()).toContain('{&quot;success&quot;:&quot;Moving&quot;}');
    expect(view.flash).toEqual({ success: 'Moving' });
  });

  it('unmounts the old view and releases its timers and subscriptions; the new view answers events', async () => {
    view = await open('/push');
    expect(live.broadcast('push-topic', 'before')).toBe(1);
    await view.waitFor((v) => v.html().includes('<p id="n">100</p>'));
    await view.event('go', { to: '/orders/8' });
    expect(seen.pushUnmounts).toBeGreaterThanOrEqual(2); // the HTTP render's and the live one
    expect(live.broadcast('push-topic', 'after')).toBe(0);
    await sleep(250); // past both views' sendAfter(…, 150)
    expect(seen.infos).toEqual(['push:before', 'order:order-late']);
    expect((await view.event('ping')).response).toEqual({ type: 'reply', ref: 2, payload: { pings: 1, id: '8' } });
  });

  it('works over SSE too: the session keeps its stream and token, the new view answers', async () => {
    view = await liveTest(app, '/push', { transport: 'sse' });
    const { messages } = await view.event('go', { to: '/orders/11' });
    expect(navigateOf(messages)).toMatchObject({ url: '/orders/11', html: expect.stringContaining('Order 11') });
    expect((await view.event('ping')).response).toMatchObject({ payload: { pings: 1, id: '11' } });
  });

  it('gives a token that mounts the new view on reconnect', async () => {
    view = await open('/push');
    const { messages } = await view.event('go', { to: '/orders/9', replace: true });
    const navigate = navigateOf(messages) as NavigateMessage;
    expect(navigate.replace).toBe(true);
    const mounted = await remount(view.origin, navigate.token as string, '/orders/9');
    expect(mounted[0]).toMatchObject({ type: 'mounted', html: expect.stringContaining('Order 9') });
  });

  it('follows a chain of mounts that navigate on, and gives up after 8', async () => {
    view = await open('/push');
    const chain = await view.event('go', { to: '/bounce/1' });
    expect(navigateOf(chain.messages)).toMatchObject({ url: '/bounce/3', html: expect.stringContaining('Bounce 3') });
    await view.close();
    view = await open('/push');
    const from = view.messages.length;
    await view.event('go', { to: '/loop/1' });
    const loop = view.messages.slice(from); // liveTest's own slice ends at the error (a response type)
    expect(loop.map((m) => m.type)).toEqual(['reply', 'error', 'flash', 'push_event']);
    expect(loop[1]).toMatchObject({ ref: null, code: 'handler_failed', message: expect.stringContaining('pushNavigate: more than 8 in a row') });
    expect(view.url).toBe('/push');
    expect((await view.event('answer')).response).toMatchObject({ payload: { ok: true } });
  });

  it('handles a pushNavigate in the connected mount after mounted', async () => {
    view = await open('/push?connectGo=1');
    await view.waitFor((v) => v.url === '/orders/5');
    const types = view.messages.map((m) => m.type);
    expect(types.slice(0, 2)).toEqual(['mounted', 'navigate']);
    expect(navigateOf(view.messages)).toMatchObject({ replace: true, html: expect.stringContaining('Order 5') });
    expect(view.title).toBe('Order 5 | Shop');
  });
});

describe('redirect in the connected mount', () => {
  it('is sent right after mounted, where navigate goes (before the head)', async () => {
    view = await open('/push?connectGo=away');
    await view.waitFor((v) => v.messages.some((m) => m.type === 'redirect'));
    const types = view.messages.map((m) => m.type);
    expect(types.slice(0, 2)).toEqual(['mounted', 'redirect']);
    expect(view.messages[1]).toEqual({ type: 'redirect', url: '/login', replace: false });
  });
});

describe('pushNavigate the connection cannot follow live', () => {
  it.each([['/admin', 'a route whose page has another layout'], ['/nowhere', 'no live route']])('redirects to %s (%s), then sends the old view\'s side channel', async (to) => {
    view = await open('/push');
    const { messages } = await view.event('go', { to });
    expect(messages).toEqual([
      { type: 'reply', ref: 1 },
      { type: 'redirect', url: to, replace: false },
      { type: 'flash', action: 'put', level: 'success', message: 'Moving' },
      { type: 'push_event', event: 'before', payload: {} },
    ]);
    expect((await view.event('answer')).response).toMatchObject({ payload: { ok: true } }); // the old view stays until the client leaves
  });
});

describe('params for another route', () => {
  it('switches live to a route sharing the layout: reply for its ref, then navigate with replace', async () => {
    view = await open('/push');
    const { response, messages } = await view.navigate('/orders/3');
    expect(response).toEqual({ type: 'reply', ref: 1 });
    expect(navigateOf(messages)).toMatchObject({ url: '/orders/3', replace: true, html: expect.stringContaining('Order 3'), token: expect.any(String) });
    expect(view.title).toBe('Order 3 | Shop');
    expect((await view.event('ping')).response).toMatchObject({ payload: { id: '3' } });
  });

  it('answers unknown_route for another layout or no live route (the client loads the page)', async () => {
    view = await open('/push');
    await expect(view.navigate('/admin')).rejects.toMatchObject({ code: 'unknown_route', message: expect.stringContaining('"/admin" is not a path of PushView\'s route "/push"') });
    await expect(view.navigate('/nowhere')).rejects.toMatchObject({ code: 'unknown_route' });
    expect(seen.pushUnmounts).toBe(1); // only the HTTP render's
  });
});

describe('live sessions (route option liveSession)', () => {
  it('refuses a params frame for a route outside the live session the connection has not shown (the client loads the page, so its Express middleware runs)', async () => {
    view = await open('/push');
    await expect(view.navigate('/guest/3')).rejects.toMatchObject({ code: 'unknown_route' });
    expect(seen.orderUnmounts).toBe(0); // never mounted live
  });

  it('redirects a server pushNavigate outside the live session (a page load, so Express middleware runs) and mints no token', async () => {
    view = await open('/push');
    const { messages } = await view.event('go', { to: '/guest/4' });
    expect(messages).toContainEqual({ type: 'redirect', url: '/guest/4', replace: false });
    expect(navigateOf(messages)).toBeUndefined();
    expect(seen.orderUnmounts).toBe(0); // never mounted live
  });

  it("with pushNavigateScope 'anyLiveRoute', lets a server pushNavigate go outside the live session, and the browser come back to a view it showed", async () => {
    await view?.close();
    const anywhere = navigateApp({ pushNavigateScope: 'anyLiveRoute' });
    view = await liveTest(anywhere.app, '/push', { transport: 'websocket' });
    afterTest.push(() => anywhere.live.close());
    const { messages } = await view.event('go', { to: '/guest/4' });
    expect(navigateOf(messages)).toMatchObject({ url: '/guest/4', html: expect.stringContaining('Order 4') });
    const back = await view.navigate('/push');
    expect(back.response).toEqual({ type: 'reply', ref: 2 });
    expect(navigateOf(back.messages)).toMatchObject({ url: '/push', replace: true });
  });

  it('redirects a pushNavigate between two different named live sessions', async () => {
    view = await open('/push');
    const { messages } = await view.event('go', { to: '/staff/1' });
    expect(messages).toContainEqual({ type: 'redirect', url: '/staff/1', replace: false });
    expect(navigateOf(messages)).toBeUndefined();
  });

  it('checks the route options', () => {
    const live = djustLite({ views: __dirname });
    expect(() => live.route('/a', OrderView, { liveSession: '' })).toThrow(/liveSession must be a non-empty string/);
    expect(() => live.route('/b', OrderView, { liveSesion: 'x' } as never)).toThrow('unknown option "liveSesion"; the route options are liveSession and onMount');
  });
});

describe('logging', () => {
  it('logs the switch on djust-lite:connection', async () => {
    const lines: string[] = [];
    const logged = navigateApp({ logger: { warn() {}, error() {}, debug: (m) => void lines.push(m) } });
    const other = await liveTest(logged.app, '/push', { transport: 'websocket' });
    try {
      await other.event('go', { to: '/orders/6' });
      expect(lines).toContain('djust-lite:connection PushView navigated to OrderView at /orders/6');
      expect(lines).toContain('djust-lite:connection PushView closed at /push: navigated to OrderView');
    } finally {
      await other.close();
      await logged.live.close();
    }
  });
});
