/**
 * pushEvent, pushReply and redirect (issue 17) over a real server and real `ws` / SSE clients
 * (lib/testing): the order of one job's messages, rollback when the handler throws, the reply
 * payload, and the HTTP render's 302.
 */
import { jsonObjectProblem } from '../lib/core/json';
import { ViewLifecycle } from '../lib/view/lifecycle';
import { routeEntry } from '../lib/routes/route-table';
import { viewInternals } from '../lib/view/live-view';
import { resolveLogger } from '../lib/core/logger';
import { isHttpUrl } from '../lib/contract/urls';
import type { ServerMessage } from '../lib/contract/protocol';
import { liveTest, type LiveTestView } from '../lib/testing';
import { request } from '../lib/testing/page';
import { navigateApp, PushView } from './fixtures/navigate-views';

const { app, live } = navigateApp();
let view: LiveTestView | null = null;

afterEach(async () => {
  await view?.close();
  view = null;
});
afterAll(() => live.close());

const types = (messages: ServerMessage[]) => messages.map((m) => (m.type === 'page_metadata' ? `${m.type}:${m.action}` : m.type === 'flash' ? `flash:${m.action}` : m.type));

/** Sends `{type:'event'}` with `ref`, then a ping, and returns what arrived before the pong. */
async function raw(v: LiveTestView, event: string, ref: number | null): Promise<ServerMessage[]> {
  const from = v.messages.length;
  await v.send({ type: 'event', ref, event, params: {} });
  await v.send({ type: 'ping' });
  await new Promise((resolve) => setTimeout(resolve, 100));
  return v.messages.slice(from);
}

describe('pushEvent', () => {
  it.each(['websocket', 'sse'] as const)('sends push_event after the response, head and flash, in call order (%s)', async (transport) => {
    view = await liveTest(app, '/push', { transport });
    const { messages } = await view.event('notify');
    expect(types(messages)).toEqual(['patch', 'page_metadata:title', 'flash:put', 'push_event', 'push_event']);
    expect(messages.slice(3)).toEqual([
      { type: 'push_event', event: 'toast', payload: { text: 'hi' } },
      { type: 'push_event', event: 'chart:update', payload: { points: [1, 2, 3], label: null } },
    ]);
  });

  it('refuses a bad event name or a payload that is not plain JSON, and the view rolls back', async () => {
    view = await liveTest(app, '/push', { transport: 'websocket' });
    await expect(view.event('badEventName')).rejects.toMatchObject({ code: 'handler_failed', message: expect.stringContaining('pushEvent(event, payload): event must be a name like "chart:update"') });
    await expect(view.event('badPayload')).rejects.toMatchObject({ message: expect.stringContaining('payload must be a plain JSON object, but at is a Date') });
    expect(view.messages.some((m) => m.type === 'push_event')).toBe(false);
  });

  it('drops what the mount pushed during the HTTP render (only the connected mount sends)', async () => {
    view = await liveTest(app, '/orders/4', { transport: 'websocket' });
    const shown = view.messages.filter((m) => m.type === 'push_event');
    expect(shown).toEqual([{ type: 'push_event', event: 'order:shown', payload: { id: '4' } }]);
  });
});

describe('pushReply', () => {
  it('puts the payload on the reply, or on the patch when the region changed', async () => {
    view = await liveTest(app, '/push', { transport: 'websocket' });
    expect((await view.event('answer')).response).toEqual({ type: 'reply', ref: 1, payload: { ok: true, n: 0 } });
    const changed = (await view.event('answerChanged')).response;
    expect(changed).toMatchObject({ type: 'patch', ref: 2, payload: { n: 1 } });
    expect((await view.event('notify')).response).not.toHaveProperty('payload');
  });

  it('sends nothing for an event without a ref, and does not leak into the next answer', async () => {
    view = await liveTest(app, '/push', { transport: 'websocket' });
    expect(types(await raw(view, 'answer', null))).toEqual([]);
    expect((await view.event('notify')).response).not.toHaveProperty('payload');
  });
});

describe('rollback', () => {
  it('drops pushEvent, pushReply and pushNavigate when the handler throws', async () => {
    view = await liveTest(app, '/push', { transport: 'websocket' });
    const from = view.messages.length;
    await expect(view.event('failAll')).rejects.toMatchObject({ code: 'handler_failed' });
    await expect(view.event('failRedirect')).rejects.toMatchObject({ code: 'handler_failed' });
    const after = await view.event('answer');
    expect(after.response).toEqual({ type: 'reply', ref: 3, payload: { ok: true, n: 0 } });
    expect(types(view.messages.slice(from))).toEqual(['error', 'error', 'reply']);
    expect(view.html()).toContain('<p id="n">0</p>');
    expect(view.url).toBe('/push');
  });
});

describe('redirect', () => {
  it('sends redirect after the response: a local path, or an absolute http(s) URL, with replace', async () => {
    view = await liveTest(app, '/push', { transport: 'websocket' });
    const local = await view.event('leave', { to: '/login' });
    expect(local.messages).toEqual([{ type: 'reply', ref: 1 }, { type: 'redirect', url: '/login', replace: false }]);
    const external = await view.event('leave', { to: 'https://pay.example.com/checkout?id=1', replace: true });
    expect(external.messages[1]).toEqual({ type: 'redirect', url: 'https://pay.example.com/checkout?id=1', replace: true });
    await expect(view.event('leave', { to: 'javascript:alert(1)' })).rejects.toMatchObject({ message: expect.stringContaining('redirect(url): url must be a same-origin path') });
    await expect(view.event('leave', { to: '//evil.example.com' })).rejects.toMatchObject({ code: 'handler_failed' });
    await expect(view.event('badUrl')).rejects.toMatchObject({ message: expect.stringContaining('pushNavigate(url): url must be a same-origin path') });
  });

  it('the last of pushNavigate and pushPatch in one handler wins', async () => {
    view = await liveTest(app, '/push', { transport: 'websocket' });
    const { messages } = await view.event('lastWins');
    expect(messages.find((m) => m.type === 'navigate')).toEqual({ type: 'navigate', url: '/push?tab=2', replace: false });
    expect(messages.some((m) => m.type === 'redirect')).toBe(false);
  });
});

describe('the HTTP render', () => {
  it('answers pushNavigate and redirect in mount with a 302 to the URL', async () => {
    view = await liveTest(app, '/push', { transport: 'websocket' });
    const navigate = await request(`${view.origin}/push?go=navigate`);
    expect([navigate.status, navigate.headers.location]).toEqual([302, '/orders/1']);
    const away = await request(`${view.origin}/push?go=away`);
    expect([away.status, away.headers.location]).toEqual([302, 'https://example.com/away']);
  });
});

describe('jsonObjectProblem', () => {
  it('accepts plain JSON objects (undefined values left out) and names what is not', () => {
    expect(jsonObjectProblem({ a: [1, 'x', null, true, { b: undefined }], c: Object.assign(Object.create(null), { d: 1 }) })).toBeNull();
    expect(jsonObjectProblem([])).toBe('it is not a plain object');
    expect(jsonObjectProblem(new Map())).toBe('it is not a plain object');
    expect(jsonObjectProblem({ n: NaN })).toBe('n is NaN (not a finite number)');
    expect(jsonObjectProblem({ f: () => 1 })).toBe('f is a function');
    expect(jsonObjectProblem({ list: [1, 2n] })).toBe('list[1] is a bigint');
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(jsonObjectProblem(cycle)).toMatch(/nests deeper than 16 levels \(or is a cycle\)/);
  });
});

describe('isHttpUrl', () => {
  it('takes absolute http(s) URLs only', () => {
    expect(['https://pay.example.com/x?y=1', 'http://127.0.0.1:3000/'].map(isHttpUrl)).toEqual([true, true]);
    expect(['/local', '//evil.example', 'https:///x', 'javascript:alert(1)', 'https://a b', 'ftp://x', 42].map(isHttpUrl)).toEqual([false, false, false, false, false, false, false]);
  });
});

describe('the snapshot', () => {
  it('drops the events, reply and navigation a failed change queued, keeping those queued before', () => {
    const life = new ViewLifecycle(routeEntry('/push', PushView, (t) => t), '/push', {}, resolveLogger({ warn() {}, error() {} }), null) as ViewLifecycle & { view: PushView };
    life.view.pushEvent('kept', {});
    const failure = life.change(() => life.view.failAll(), () => {});
    expect(failure).toMatchObject({ error: expect.any(Error) });
    const internals = viewInternals(life.view);
    expect([internals.events?.map((e) => e.event), internals.reply, internals.leave, internals.patch, life.view.n]).toEqual([['kept'], null, null, null, 0]);
  });
});
