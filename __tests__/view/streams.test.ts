/**
 * Streams (docs/streams.md) over a real server and real WebSocket / SSE clients (lib/testing):
 * what the patch carries, that the region diff never removes the client's stream children,
 * inserts at the top and bottom with limit, updates in place, deletes, resets, rollback of a
 * failed handler, live navigation, and the same page applied by public/patch.js in jsdom.
 */
import { liveTest, type LiveTestView } from '../../lib/testing';
import type { ServerMessage, StreamPatch } from '../../lib/contract/protocol';
import { request } from '../../lib/testing/page';
import { startApp, WsClient, type TestApp } from '../helpers/server';
import { memoryEnvironment } from '../helpers/memory-templates';
import { FeedView, KeyedView, OtherView, STREAM_TEMPLATES, streamApp } from '../fixtures/stream-views';

const { app, live } = streamApp();
let view: LiveTestView | null = null;

afterEach(async () => {
  await view?.close();
  view = null;
});
afterAll(() => live.close());

/** The DOM ids of the stream container's children, in order. */
function ids(html: string, container = 'messages'): string[] {
  const open = html.indexOf(`id="${container}"`);
  if (open < 0) return [];
  const close = html.slice(open).search(/<\/(?:ul|ol|tbody)>/);
  return [...html.slice(open, open + close).matchAll(/<(?:li|tr) id="([^"]+)"/g)].map((m) => m[1] as string);
}

/** Whitespace between tags dropped (the browser keeps the mount's, liveTest's model does not). */
const squash = (html: string): string => html.replace(/>\s+</g, '><').trim();

const streamsOf = (messages: ServerMessage[]): StreamPatch[] | undefined => messages.find((m) => m.type === 'patch')?.type === 'patch' ? (messages.find((m) => m.type === 'patch') as { streams?: StreamPatch[] }).streams : undefined;

describe.each(['websocket', 'sse'] as const)('streams over %s', (transport) => {
  it('renders the mount items on the connected mount', async () => {
    view = await liveTest(app, '/feed', { transport });
    expect(ids(view.html())).toEqual(['messages-1', 'messages-2']);
    expect(view.html()).toContain('<li id="messages-1">one <button dj-click="remove" dj-value-id="1">x</button></li>');
  });

  it('inserts at the top with a limit: the patch carries the insert, the diff leaves the children alone', async () => {
    view = await liveTest(app, '/feed', { transport });
    const { messages } = await view.event('add', { text: 'three' });
    expect(streamsOf(messages)).toEqual([{ id: 'messages', inserts: [['messages-3', 0, 3, '<li id="messages-3">three <button dj-click="remove" dj-value-id="3">x</button></li>']] }]);
    expect(ids(view.html())).toEqual(['messages-3', 'messages-1', 'messages-2']);
    await view.event('add', { text: 'four' });
    expect(ids(view.html())).toEqual(['messages-4', 'messages-3', 'messages-1']);
    // a change outside the stream: ops for the counter, no stream entry, the children stay
    const click = await view.event('click');
    const patch = click.messages.find((m) => m.type === 'patch');
    expect(patch).toMatchObject({ ops: [['t', [1, 0], '1 clicks']] });
    expect(patch).not.toHaveProperty('streams');
    expect(ids(view.html())).toEqual(['messages-4', 'messages-3', 'messages-1']);
  });

  it('appends, updates in place (same DOM id keeps its position), deletes by item and by DOM id', async () => {
    view = await liveTest(app, '/feed', { transport });
    await view.event('append', { text: 'three' });
    expect(ids(view.html())).toEqual(['messages-1', 'messages-2', 'messages-3']);
    await view.event('edit', { id: '2', text: 'TWO' });
    expect(ids(view.html())).toEqual(['messages-1', 'messages-2', 'messages-3']);
    expect(view.html()).toContain('<li id="messages-2">TWO');
    const removed = await view.event('remove', { id: '1' });
    expect(streamsOf(removed.messages)).toEqual([{ id: 'messages', deletes: ['messages-1'] }]);
    await view.event('removeDom', { domId: 'messages-3' });
    expect(ids(view.html())).toEqual(['messages-2']);
  });

  it('liveTest clicks a stream child\'s button as the browser would', async () => {
    view = await liveTest(app, '/feed', { transport });
    expect(view.has('#messages-2')).toBe(true);
    await view.element('#messages-2 button').click();
    expect(view.has('#messages-2')).toBe(false);
    expect(ids(view.html())).toEqual(['messages-1']);
  });

  it('resets: the container shows only the new items, in their order', async () => {
    view = await liveTest(app, '/feed', { transport });
    await view.event('append', { text: 'three' });
    const { messages } = await view.event('reset');
    expect(streamsOf(messages)?.[0]).toMatchObject({ id: 'messages', reset: true });
    expect(ids(view.html())).toEqual(['messages-100', 'messages-2']);
    expect(view.html()).toContain('two again');
  });

  it('prunes a big page server-side: only the items that survive the limit are rendered', async () => {
    view = await liveTest(app, '/feed', { transport });
    const { messages } = await view.event('page', { from: 0, count: 50 });
    expect(streamsOf(messages)?.[0]?.inserts?.map((i) => i[0])).toEqual(['messages-1045', 'messages-1046', 'messages-1047', 'messages-1048', 'messages-1049']);
    expect(ids(view.html())).toEqual(['messages-1045', 'messages-1046', 'messages-1047', 'messages-1048', 'messages-1049']);
    await view.event('page', { from: 50, count: 2 });
    expect(ids(view.html())).toEqual(['messages-1047', 'messages-1048', 'messages-1049', 'messages-1050', 'messages-1051']);
  });

  it('a failed handler sends none of its stream calls; the next render does not either', async () => {
    view = await liveTest(app, '/feed', { transport });
    await expect(view.event('failing')).rejects.toMatchObject({ code: 'handler_failed' });
    const { messages } = await view.event('click');
    expect(streamsOf(messages)).toBeUndefined();
    expect(view.html()).not.toContain('never shown');
  });

  it('a container that appears later gets its items; two streams stay apart', async () => {
    view = await liveTest(app, '/feed', { transport });
    await view.event('other');
    expect(ids(view.html(), 'other')).toEqual(['row-1', 'row-2']);
    await view.event('add', { text: 'x' });
    expect(ids(view.html(), 'other')).toEqual(['row-1', 'row-2']);
    expect(ids(view.html())).toEqual(['messages-3', 'messages-1', 'messages-2']);
  });

  it('live navigation mounts the other view afresh, and back renders the stream again from mount', async () => {
    view = await liveTest(app, '/feed', { transport });
    await view.event('add', { text: 'three' });
    await view.event('leave');
    await view.expectNavigate('/other');
    expect(view.html()).toContain('other-page');
    await view.navigate('/feed');
    expect(ids(view.html())).toEqual(['messages-1', 'messages-2']);
  });
});

describe('streams in the browser client (public/patch.js in jsdom, over a real server)', () => {
  let server: TestApp;
  beforeAll(async () => {
    server = await startApp((l) => {
      l.route('/feed', FeedView);
      l.route('/keyed', KeyedView);
      l.route('/other', OtherView);
    }, { env: memoryEnvironment(STREAM_TEMPLATES), logger: { warn() {}, error() {} } });
  });
  afterAll(() => server.close());

  it('renders the mount items on the HTTP page', async () => {
    const page = await request(`${server.base}/feed`);
    expect(ids(page.body)).toEqual(['messages-1', 'messages-2']);
  });

  it('shows what liveTest shows after each event', async () => {
    const client = await WsClient.mount(server.base, '/feed');
    view = await liveTest(server.server, '/feed', { transport: 'websocket' });
    try {
      const steps: [string, Record<string, string | number>][] = [['add', { text: 'a' }], ['click', {}], ['append', { text: 'b' }], ['edit', { id: '1', text: 'A' }], ['remove', { id: '2' }], ['other', {}], ['page', { from: 0, count: 20 }], ['reset', {}]];
      let ref = 100;
      for (const [event, params] of steps) {
        ref += 1;
        client.send({ type: 'event', ref, event, params });
        await client.eventResult(ref);
        await view.event(event, params);
        expect(squash(client.region())).toBe(squash(view.html()));
      }
      expect(ids(client.region())).toEqual(['messages-100', 'messages-2']);
    } finally {
      await client.close();
    }
  });

  it('keys table rows inside a <tbody dj-update="stream">', async () => {
    const client = await WsClient.mount(server.base, '/keyed');
    try {
      client.send({ type: 'event', ref: 1, event: 'add', params: { key: 'b', name: 'Bo' } });
      await client.eventResult(1);
      expect(ids(client.region(), 'rows')).toEqual(['row-b', 'row-a']);
    } finally {
      await client.close();
    }
  });
});
