/**
 * Mount guards (route option onMount, option liveSessions) over a real server and real `ws`
 * clients: they run before `mount` on the HTTP render, on the live mount and on every live
 * switch, and no crafted frame — a token mounted at another route's URL, a params frame to a
 * guarded route, back/forward — reaches a guarded view.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { djustLite, eventHandler, LiveView, type DjustLite, type DjustLiteOptions, type MountContext, type MountGuard } from '../../lib';
import type { ServerMessage } from '../../lib/contract/protocol';
import { liveTest, type LiveTestView } from '../../lib/testing';
import { envelope } from '../../lib/testing/messages';
import { fetchPage, request } from '../../lib/testing/page';
import { WebSocketChannel, webSocketUrl } from '../../lib/testing/websocket';
import { memoryEnvironment } from '../helpers/memory-templates';

// The layout writes the title itself (the README quick start's): still shared between views.
const LAYOUT = '<!doctype html><html><head><title>{{ page_title }}</title></head><body><nav>Site</nav>{% block content %}{% endblock %}{% djust_scripts %}</body></html>';
const TEMPLATES = {
  'layout.njk': LAYOUT,
  'page.njk': '{% extends "layout.njk" %}{% block content %}<main dj-root><p id="what">{{ what }}</p></main>{% endblock %}',
};

const state = { refuseLiveMounts: false, redirectLiveMounts: false, admins: new Set<string>(), vips: new Set<string>(), mounts: { admin: 0, secret: 0 }, calls: [] as Record<string, unknown>[] };
const userOf = (session: unknown): string | undefined => (session as { user?: string } | null | undefined)?.user ?? undefined;

const requireAdmin: MountGuard = function requireAdmin(ctx) {
  state.calls.push({ guard: 'admin', phase: ctx.phase, route: ctx.route, url: ctx.url, params: ctx.params, session: ctx.session, req: ctx.req !== undefined, view: ctx.view.name });
  const user = userOf(ctx.session);
  if (user === undefined) return { redirect: '/login' };
  if (state.refuseLiveMounts && ctx.phase === 'mount') return { refuse: 'live mounts are off' };
  if (state.redirectLiveMounts && ctx.phase === 'mount') return { redirect: '/signed-out' };
  return state.admins.has(user) ? undefined : { refuse: 'admins only' };
};
const requireVip: MountGuard = async function requireVip({ session }) {
  const user = userOf(session);
  if (user === undefined) return { redirect: '/login?next=%2Fsecret' };
  return state.vips.has(user) ? undefined : { refuse: 'members only' };
};

class PageView extends LiveView {
  static template = 'page.njk';
  what = '';
  mount(ctx: MountContext) {
    this.what = `${this.constructor.name} ${ctx.url}`;
    this.pageTitle = this.constructor.name;
  }

  @eventHandler()
  go(params: { to?: unknown }) {
    this.pushNavigate(String(params.to));
  }
}
class PublicView extends PageView {}
class SecretView extends PageView {
  override mount(ctx: MountContext) {
    super.mount(ctx);
    if (ctx.connected) state.mounts.secret += 1;
  }
}
class AdminView extends PageView {
  override mount(ctx: MountContext) {
    super.mount(ctx);
    if (ctx.connected) state.mounts.admin += 1;
  }
}
class DashView extends PageView {}

function guardedApp(options: DjustLiteOptions = {}): { app: express.Express; live: DjustLite } {
  const live = djustLite({
    env: memoryEnvironment(TEMPLATES),
    logger: { warn() {}, error() {} },
    session: (req) => ({ user: req.get('x-user') ?? null }),
    liveSessions: { admin: { onMount: [requireAdmin] } },
    ...options,
  });
  live.route('/public', PublicView, { liveSession: 'site' });
  live.route('/secret', SecretView, { liveSession: 'site', onMount: [requireVip] });
  live.route('/admin/:id', AdminView, { liveSession: 'admin' });
  live.route('/dash', DashView, { liveSession: 'admin' });
  const app = express();
  app.use(live);
  return { app, live };
}

const { app, live } = guardedApp();
let server: Server;
let origin = '';
let view: LiveTestView | null = null;

beforeAll(async () => {
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
beforeEach(() => {
  state.refuseLiveMounts = false;
  state.redirectLiveMounts = false;
  state.admins = new Set(['ann']);
  state.vips = new Set(['vic']);
  state.mounts = { admin: 0, secret: 0 };
  state.calls.length = 0;
});
afterEach(async () => {
  await view?.close();
  view = null;
});
afterAll(async () => {
  server.close();
  await live.close();
});

const open = (path: string, user?: string): Promise<LiveTestView> => liveTest(server, path, { transport: 'websocket', headers: user ? { 'x-user': user } : {} });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Mounts `token` on a fresh WebSocket at `url`; resolves with what the server sent and the close code. */
async function mountRaw(token: string, url: string): Promise<{ messages: ServerMessage[]; closed: number | null }> {
  const messages: ServerMessage[] = [];
  let closed: number | null = null;
  const channel = new WebSocketChannel(webSocketUrl(origin), { message: (m) => void messages.push(m), closed: (code) => void (closed = code) });
  await channel.opened;
  channel.send(envelope.mount(token, url));
  for (let i = 0; i < 250 && closed === null && !messages.some((m) => m.type === 'mounted'); i += 1) await sleep(20);
  if (closed === null) await channel.close(1000, 'done');
  return { messages, closed };
}

describe('mount guards on the HTTP render', () => {
  it('redirect (302), refuse (403) or allow, with the request and the session', async () => {
    const anonymous = await request(`${origin}/admin/1`);
    expect(anonymous.status).toBe(302);
    expect(anonymous.headers.location).toBe('/login');
    expect((await request(`${origin}/admin/1`, { headers: { 'x-user': 'bob' } })).status).toBe(403);
    expect((await request(`${origin}/secret`, { headers: { 'x-user': 'bob' } })).status).toBe(403);
    const ok = await request(`${origin}/admin/1?tab=2`, { headers: { 'x-user': 'ann' } });
    expect(ok.status).toBe(200);
    expect(ok.body).toContain('AdminView /admin/1?tab=2');
    expect(state.calls.at(-1)).toEqual({ guard: 'admin', phase: 'http', route: '/admin/:id', url: '/admin/1?tab=2', params: { id: '1' }, session: { user: 'ann' }, req: true, view: 'AdminView' });
  });
});

describe('mount guards on the live mount', () => {
  it("run with what the token carries (route, params, url, session), without the request", async () => {
    view = await open('/admin/1', 'ann');
    expect(view.html()).toContain('AdminView /admin/1');
    expect(state.calls.map((c) => c.phase)).toEqual(['http', 'mount']);
    expect(state.calls[1]).toEqual({ guard: 'admin', phase: 'mount', route: '/admin/:id', url: '/admin/1', params: { id: '1' }, session: { user: 'ann' }, req: false, view: 'AdminView' });
  });

  it('refuse a token whose user lost access after the render: forbidden, close 1008, mount never runs', async () => {
    const page = await fetchPage(origin, '/admin/1', { headers: { 'x-user': 'ann' } });
    state.admins.delete('ann');
    const { messages, closed } = await mountRaw(page.token, '/admin/1');
    expect(messages).toEqual([{ type: 'error', code: 'forbidden', message: 'AdminView refused: admins only', ref: null }]);
    expect(closed).toBe(1008);
    expect(state.mounts.admin).toBe(0);
  });

  it.each(['websocket', 'sse'] as const)('refuse over %s: the mount ends with forbidden', async (transport) => {
    state.refuseLiveMounts = true;
    await expect(liveTest(server, '/admin/1', { transport, headers: { 'x-user': 'ann' } })).rejects.toMatchObject({ code: 'forbidden' });
    expect(state.mounts.admin).toBe(0);
  });

  it('redirect: the client gets redirect (replacing the page) and the connection closes normally', async () => {
    const page = await fetchPage(origin, '/admin/1', { headers: { 'x-user': 'ann' } });
    state.redirectLiveMounts = true;
    const { messages, closed } = await mountRaw(page.token, '/admin/1');
    expect(messages).toEqual([{ type: 'redirect', url: '/signed-out', replace: true }]);
    expect(closed).toBe(1000);
    expect(state.mounts.admin).toBe(0);
  });

  it("mount a token at its own route only: a public page's token sent with an admin URL mounts the public view", async () => {
    const page = await fetchPage(origin, '/public', { headers: { 'x-user': 'bob' } });
    const { messages } = await mountRaw(page.token, '/admin/1');
    expect(messages[0]).toMatchObject({ type: 'mounted', html: expect.stringContaining('PublicView /public') });
    expect(state.mounts.admin).toBe(0);
  });
});

describe('mount guards on live switches', () => {
  it('let an allowed switch through (phase navigate), then refuse a params frame once access is gone', async () => {
    view = await open('/admin/1', 'ann');
    const { messages } = await view.navigate('/dash');
    expect(messages).toContainEqual(expect.objectContaining({ type: 'navigate', url: '/dash', html: expect.stringContaining('DashView /dash') }));
    expect(state.calls.at(-1)).toMatchObject({ phase: 'navigate', route: '/dash', url: '/dash', session: { user: 'ann' }, req: false });
    state.admins.delete('ann');
    await expect(view.navigate('/admin/2')).rejects.toMatchObject({ code: 'forbidden' });
    expect(state.mounts.admin).toBe(1); // the first mount only
    expect((await view.event('go', { to: '/dash' })).response).toMatchObject({ type: 'reply' }); // the view stayed
  });

  it('refuse a params frame and a back/forward to a guarded route of the same live session', async () => {
    view = await open('/public', 'bob');
    await expect(view.navigate('/secret')).rejects.toMatchObject({ code: 'forbidden' });
    await view.send(envelope.params(90, '/secret', true));
    await view.waitFor((v) => v.messages.some((m) => m.type === 'error' && m.ref === 90));
    expect(view.messages.find((m) => m.type === 'error' && m.ref === 90)).toMatchObject({ code: 'forbidden' });
    expect(state.mounts.secret).toBe(0);
  });

  it('refuse a params frame to another live session before any guard runs (unknown_route: the page loads through Express)', async () => {
    view = await open('/public', 'bob');
    await expect(view.navigate('/admin/1')).rejects.toMatchObject({ code: 'unknown_route' });
    expect(state.calls).toEqual([]);
    expect(state.mounts.admin).toBe(0);
  });

  it("send the browser where a guard redirects (reply, then redirect in place of the entry it pushed)", async () => {
    view = await open('/public');
    const { messages } = await view.navigate('/secret');
    expect(messages).toEqual([{ type: 'reply', ref: 1 }, { type: 'redirect', url: '/login?next=%2Fsecret', replace: true }]);
    expect(state.mounts.secret).toBe(0);
  });

  it('let a member through', async () => {
    view = await open('/public', 'vic');
    const { messages } = await view.navigate('/secret');
    expect(messages).toContainEqual(expect.objectContaining({ type: 'navigate', html: expect.stringContaining('SecretView /secret') }));
    expect(state.mounts.secret).toBe(1);
  });

  it('turn a refused server pushNavigate into a page load (redirect), never a live mount', async () => {
    view = await open('/admin/1', 'ann');
    state.admins.delete('ann');
    const { messages } = await view.event('go', { to: '/admin/3' });
    expect(messages).toContainEqual({ type: 'redirect', url: '/admin/3', replace: false });
    expect(messages.some((m) => m.type === 'navigate')).toBe(false);
    expect(state.mounts.admin).toBe(1);
  });

  it("run with pushNavigateScope 'anyLiveRoute' too: a pushNavigate out of the live session still meets the guards", async () => {
    const anywhere = guardedApp({ pushNavigateScope: 'anyLiveRoute' });
    const other = await liveTest(anywhere.app, '/public', { transport: 'websocket', headers: { 'x-user': 'bob' } });
    try {
      const { messages } = await other.event('go', { to: '/admin/1' });
      expect(messages).toContainEqual({ type: 'redirect', url: '/admin/1', replace: false });
      expect(state.mounts.admin).toBe(0);
      expect(state.calls).toEqual([expect.objectContaining({ phase: 'navigate', session: { user: 'bob' } })]);
    } finally {
      await other.close();
      await anywhere.live.close();
    }
  });
});
