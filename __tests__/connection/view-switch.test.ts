/**
 * lib/connection/view-switch.ts over a real server and real `ws` clients: which switches happen
 * live, what layouts count as shared, and the tokens a switch mints (issue 23 rows 5 and 6).
 */
import express from 'express';
import { djustLite, eventHandler, LiveView, type DjustLite, type DjustLiteOptions, type MountContext } from '../../lib';
import type { NavigateMessage, ServerMessage } from '../../lib/contract/protocol';
import { liveTest, type LiveTestView } from '../../lib/testing';
import { envelope } from '../../lib/testing/messages';
import { WebSocketChannel, webSocketUrl } from '../../lib/testing/websocket';
import { memoryEnvironment } from '../helpers/memory-templates';

// The README quick start's way: the layout writes the head values itself, no {% djust_head %}.
const LAYOUT = '<!doctype html><html><head><title>{{ page_title }}</title>'
  + '{% for name, content in page_meta %}<meta name="{{ name }}" content="{{ content }}">{% endfor %}'
  + '{% for rel, href in page_links %}<link rel="{{ rel }}" href="{{ href }}">{% endfor %}</head>'
  + '<body><nav>Shop</nav>{% block content %}{% endblock %}{% djust_scripts %}</body></html>';
const TEMPLATES = {
  'layout.njk': LAYOUT,
  'other-layout.njk': LAYOUT.replace('<nav>Shop</nav>', '<nav>Other</nav>'),
  'page.njk': '{% extends "layout.njk" %}{% block content %}<main dj-root><p id="what">{{ what }}</p></main>{% endblock %}',
  'other.njk': '{% extends "other-layout.njk" %}{% block content %}<main dj-root><p>other</p></main>{% endblock %}',
};

class PageView extends LiveView {
  static template = 'page.njk';
  what = '';
  mount(ctx: MountContext) {
    this.what = `${this.constructor.name} ${ctx.url}`;
    this.pageTitle = `${this.constructor.name} ${ctx.url}`;
    this.pageMeta = { description: ctx.url };
    this.pageLinks = { canonical: ctx.url };
  }

  @eventHandler()
  go(params: { to?: unknown }) {
    this.pushNavigate(String(params.to));
  }
}
class AView extends PageView {}
class BView extends PageView {}
class LoneView extends PageView {}
class OtherView extends LiveView {
  static template = 'other.njk';
}

function switchApp(options: DjustLiteOptions = {}): { app: express.Express; live: DjustLite } {
  const live = djustLite({ env: memoryEnvironment(TEMPLATES), logger: { warn() {}, error() {} }, ...options });
  live.route('/a/:n', AView, { liveSession: 's' });
  live.route('/b/:n', BView, { liveSession: 's' });
  live.route('/other', OtherView, { liveSession: 's' });
  live.route('/lone', LoneView); // in no live session
  const app = express();
  app.use(live);
  return { app, live };
}

let view: LiveTestView | null = null;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await view?.close();
  view = null;
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** The app's Express app; its djustLite instance is closed after the test. */
function appOf(options: DjustLiteOptions = {}): express.Express {
  const { app, live } = switchApp(options);
  cleanups.push(() => live.close());
  return app;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const navigateOf = (messages: ServerMessage[]) => messages.find((m): m is NavigateMessage => m.type === 'navigate');
const payloadOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[0] as string, 'base64url').toString()) as { iat: number; exp: number; route: string };

/** Mounts `token` on a fresh WebSocket; resolves with the first message that answers it. */
async function mountWith(origin: string, token: string, url: string): Promise<ServerMessage | undefined> {
  const messages: ServerMessage[] = [];
  const channel = new WebSocketChannel(webSocketUrl(origin), { message: (m) => void messages.push(m) });
  await channel.opened;
  channel.send(envelope.mount(token, url));
  for (let i = 0; i < 250 && messages.length === 0; i += 1) await sleep(20);
  await channel.close(1000, 'done').catch(() => {});
  return messages[0];
}

describe('view switch', () => {
  describe('layout sharing', () => {
    it('counts a layout that writes page_title, page_meta and page_links itself as shared; the side channel brings the new head', async () => {
      view = await liveTest(appOf(), '/a/1', { transport: 'websocket' });
      const { messages } = await view.navigate('/b/2');
      expect(navigateOf(messages)).toMatchObject({ url: '/b/2', html: expect.stringContaining('BView /b/2') });
      expect(messages).toContainEqual({ type: 'page_metadata', action: 'title', value: 'BView /b/2' });
      expect(messages).toContainEqual({ type: 'page_metadata', action: 'meta', name: 'description', content: '/b/2' });
      expect(messages).toContainEqual({ type: 'page_metadata', action: 'link', rel: 'canonical', href: '/b/2' });
      expect(view.title).toBe('BView /b/2');
    });

    it('still tells a layout that differs elsewhere (the client loads the page)', async () => {
      view = await liveTest(appOf(), '/a/1', { transport: 'websocket' });
      await expect(view.navigate('/other')).rejects.toMatchObject({ code: 'unknown_route' });
    });
  });

  describe('tokens minted by navigation (issue 23 row 5)', () => {
    it("keep the page's first iat: bouncing between views never extends a token's life", async () => {
      view = await liveTest(appOf({ tokenTtlMs: 1000 }), '/a/0', { transport: 'websocket' });
      const rendered = Date.now();
      let last: NavigateMessage | undefined;
      for (let i = 1; i <= 30 && Date.now() - rendered < 1200; i += 1) {
        await sleep(100);
        last = navigateOf((await view.navigate(i % 2 === 1 ? `/b/${i}` : `/a/${i}`)).messages);
        expect(last).toBeDefined();
        expect(payloadOf(last?.token as string).iat).toBeLessThanOrEqual(rendered);
      }
      expect(Date.now() - rendered).toBeGreaterThanOrEqual(1200);
      const answer = await mountWith(view.origin, last?.token as string, last?.url as string);
      expect(answer).toMatchObject({ type: 'error', code: 'token_expired' });
    });
  });

  describe('server pushNavigate (issue 23 row 6)', () => {
    it('from a view in no live session loads the URL as a page (redirect) and mints no token, even to a route sharing its layout', async () => {
      view = await liveTest(appOf(), '/lone', { transport: 'websocket' });
      const { messages } = await view.event('go', { to: '/a/1' });
      expect(messages).toEqual([{ type: 'reply', ref: 1 }, { type: 'redirect', url: '/a/1', replace: false }]);
    });

    it('to an unregistered URL loads it as a page', async () => {
      view = await liveTest(appOf(), '/a/1', { transport: 'websocket' });
      const { messages } = await view.event('go', { to: '/admin' });
      expect(messages).toEqual([{ type: 'reply', ref: 1 }, { type: 'redirect', url: '/admin', replace: false }]);
    });

    it("switches live within the view's live session", async () => {
      view = await liveTest(appOf(), '/a/1', { transport: 'websocket' });
      const { messages } = await view.event('go', { to: '/b/5' });
      expect(navigateOf(messages)).toMatchObject({ url: '/b/5', token: expect.any(String) });
    });

    it("goes anywhere live with pushNavigateScope: 'anyLiveRoute'", async () => {
      view = await liveTest(appOf({ pushNavigateScope: 'anyLiveRoute' }), '/lone', { transport: 'websocket' });
      const { messages } = await view.event('go', { to: '/a/1' });
      expect(payloadOf(navigateOf(messages)?.token as string).route).toBe('/a/:n');
    });
  });
});
