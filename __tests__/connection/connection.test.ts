import { CounterView, PushView, RowsView } from '../fixtures/views';
import { startApp, WsClient, type TestApp } from '../helpers/server';

let app: TestApp;
const clients: WsClient[] = [];

async function mount(path = '/counter', rootTag?: string): Promise<WsClient> {
  const client = await WsClient.mount(app.base, path, { rootTag });
  clients.push(client);
  return client;
}

beforeAll(async () => {
  app = await startApp((live) => live.route('/counter', CounterView).route('/push', PushView).route('/rows', RowsView));
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});
afterAll(() => app.close());

describe('Dispatcher', () => {
  describe('mount', () => {
    it('sends mounted with the region, then the metadata mount set', async () => {
      const client = await mount('/counter?start=5');
      const [mounted, ...rest] = client.messages;
      expect(mounted).toEqual({ type: 'mounted', html: '<p id="count">5</p><p id="label">start</p>' });
      expect(rest.map((m) => m.type)).toEqual(['page_metadata', 'page_metadata', 'page_metadata', 'page_metadata']);
      expect(rest[0]).toEqual({ type: 'page_metadata', action: 'title', value: 'Counter <0>' });
    });
  });

  describe('drain order', () => {
    it('sends the response, then the title, then meta, then flash', async () => {
      const client = await mount();
      client.send({ type: 'event', ref: 1, event: 'inc', params: { by: 2 } });
      const [patch, ...rest] = await client.eventResult(1);
      expect(patch).toMatchObject({ type: 'patch', ref: 1 });
      expect(client.region()).toBe('<p id="count">2</p><p id="label">start</p>');
      expect(rest).toEqual([
        { type: 'page_metadata', action: 'title', value: 'Counter (2)' },
        { type: 'page_metadata', action: 'meta', name: 'og:title', content: 'Counter 2' },
        { type: 'flash', action: 'put', level: 'info', message: 'Now 2' },
      ]);
    });

    it('answers reply when nothing in the region changed, and sends no title the client already has', async () => {
      const client = await mount();
      client.send({ type: 'event', ref: 1, event: 'inc', params: {} });
      await client.eventResult(1);
      client.send({ type: 'event', ref: 2, event: 'same', params: {} });
      expect(await client.eventResult(2)).toEqual([{ type: 'reply', ref: 2 }]);
    });

    it('coalesces two title sets and two meta sets in one handler into the last values', async () => {
      const client = await mount();
      client.send({ type: 'event', ref: 3, event: 'titleTwice', params: {} });
      expect(await client.eventResult(3)).toEqual([
        { type: 'reply', ref: 3 },
        { type: 'page_metadata', action: 'title', value: 'second' },
        { type: 'page_metadata', action: 'meta', name: 'description', content: 'b' },
      ]);
    });

    it('uses the explicit event name given to @eventHandler', async () => {
      const client = await mount();
      client.send({ type: 'event', ref: 4, event: 'set-label', params: { label: '<b>x</b>' } });
      const [patch] = await client.eventResult(4);
      expect(patch).toMatchObject({ type: 'patch', ref: 4 });
      expect(client.region()).toBe('<p id="count">0</p><p id="label">&lt;b&gt;x&lt;/b&gt;</p>');
    });
  });

  describe('region diff', () => {
    it('patches the rows of a <tbody dj-root> with ops, not the whole region', async () => {
      const client = await mount('/rows', 'tbody');
      client.send({ type: 'event', ref: 1, event: 'bump', params: { id: 2 } });
      const [patch] = await client.eventResult(1);
      expect(patch).toMatchObject({ type: 'patch', ref: 1 });
      expect(patch?.ops).toBeDefined();
      expect(patch?.html).toBeUndefined();
      expect(client.region()).toContain('<tr id="r2"><td>row 2</td><td>3</td></tr>');
    });
  });

  describe('serial queue', () => {
    it('answers 100 rapid events on one connection in order', async () => {
      const client = await mount();
      const start = client.messages.length;
      for (let ref = 1; ref <= 100; ref += 1) client.send({ type: 'event', ref, event: 'inc', params: {} });
      await client.waitFor((m) => m.type === 'patch' && m.ref === 100);
      const patches = client.messages.slice(start).filter((m) => m.type === 'patch');
      expect(patches.map((m) => m.ref)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
      expect(client.region()).toContain('<p id="count">100</p>');
      const titles = client.messages.slice(start).filter((m) => m.type === 'page_metadata' && m.action === 'title');
      expect(titles.at(-1)).toEqual({ type: 'page_metadata', action: 'title', value: 'Counter (100)' });
    });

    it('runs async handlers one at a time: a slow handler finishes before the next starts', async () => {
      const client = await mount();
      client.send({ type: 'event', ref: 1, event: 'slow', params: { ms: 30 } });
      client.send({ type: 'event', ref: 2, event: 'slow', params: { ms: 1 } });
      const second = await client.waitFor((m) => m.ref === 2);
      const first = client.messages.find((m) => m.ref === 1);
      expect(client.messages.indexOf(first!)).toBeLessThan(client.messages.indexOf(second));
      expect(client.region(first)).toContain('<p id="count">1</p>');
      expect(client.region(second)).toContain('<p id="count">2</p>');
    });

    it('keeps a synchronous handler behind an async one that is still running', async () => {
      const client = await mount();
      client.send({ type: 'event', ref: 1, event: 'slow', params: { ms: 30 } });
      client.send({ type: 'event', ref: 2, event: 'inc', params: {} });
      const second = await client.waitFor((m) => m.type === 'patch' && m.ref === 2);
      const first = client.messages.find((m) => m.ref === 1);
      expect(client.messages.indexOf(first!)).toBeLessThan(client.messages.indexOf(second));
      expect(client.region(first)).toContain('<p id="count">1</p>');
      expect(client.region(second)).toContain('<p id="count">2</p>');
    });

    it('rolls back an async handler that rejects, and goes on with the next event', async () => {
      const client = await mount();
      client.send({ type: 'event', ref: 1, event: 'slowBoom', params: {} });
      client.send({ type: 'event', ref: 2, event: 'inc', params: {} });
      const failed = await client.eventResult(1);
      expect(failed).toEqual([expect.objectContaining({ type: 'error', ref: 1, code: 'handler_failed' })]);
      const [patch, title] = await client.eventResult(2);
      expect(patch).toMatchObject({ type: 'patch', ref: 2 });
      expect(client.region()).toContain('<p id="count">1</p>');
      expect(title).toEqual({ type: 'page_metadata', action: 'title', value: 'Counter (1)' });
    });

    it('waits for a handler\'s thenable that is not a Promise, and rolls back when it rejects', async () => {
      const client = await mount();
      client.send({ type: 'event', ref: 1, event: 'thenable', params: {} });
      const [patch] = await client.eventResult(1);
      expect(patch).toMatchObject({ type: 'patch', ref: 1 });
      expect(client.region()).toContain('<p id="count">10</p>');
      client.send({ type: 'event', ref: 2, event: 'thenable', params: { fail: true } });
      expect(await client.eventResult(2)).toEqual([expect.objectContaining({ type: 'error', ref: 2, code: 'handler_failed' })]);
      client.send({ type: 'event', ref: 3, event: 'inc', params: {} });
      await client.eventResult(3);
      expect(client.region()).toContain('<p id="count">11</p>');
    });
  });

  describe('isolation', () => {
    it('two connections never see each other\'s metadata', async () => {
      const a = await mount();
      const b = await mount();
      const bBefore = b.messages.length;
      a.send({ type: 'event', ref: 1, event: 'inc', params: { by: 7 } });
      await a.eventResult(1);
      b.send({ type: 'event', ref: 1, event: 'inc', params: { by: 1 } });
      const bResult = await b.eventResult(1);
      expect(bResult[1]).toEqual({ type: 'page_metadata', action: 'title', value: 'Counter (1)' });
      const bTitles = b.messages.slice(bBefore).filter((m) => m.type === 'page_metadata' && m.action === 'title');
      expect(bTitles.map((m) => m.value)).toEqual(['Counter (1)']);
      expect(a.messages.some((m) => m.value === 'Counter (1)')).toBe(false);
    });
  });

  describe('server push', () => {
    it('flushes metadata and flash after handleInfo from a broadcast', async () => {
      const client = await mount('/push');
      const before = client.messages.length;
      expect(app.live.broadcast('news', { headline: 'hi' })).toBe(1);
      await client.waitFor((m) => m.type === 'flash', { from: before });
      const [patch, ...rest] = client.messages.slice(before);
      expect(patch).toMatchObject({ type: 'patch', ref: null });
      expect(client.region(patch)).toBe('<p id="count">1</p><p id="label">push</p>');
      expect(rest).toEqual([
        { type: 'page_metadata', action: 'title', value: 'Push (1)' },
        { type: 'page_metadata', action: 'meta', name: 'description', content: '{"headline":"hi"}' },
        { type: 'flash', action: 'put', level: 'info', message: 'pushed' },
      ]);
    });

    it('delivers sendAfter to handleInfo through the same queue', async () => {
      const client = await mount('/push');
      client.send({ type: 'event', ref: 1, event: 'later', params: { ms: 5 } });
      const title = await client.waitFor((m) => m.type === 'page_metadata' && m.value === 'Push (1)');
      expect(title).toBeDefined();
      expect(client.messages.find((m) => m.ref === 1)?.type).toBe('reply');
    });

    it('reaches every subscriber and releases subscriptions on disconnect', async () => {
      const a = await mount('/push');
      const b = await mount('/push');
      expect(app.live.broadcast('news', 1)).toBe(2);
      await a.waitFor((m) => m.value === 'Push (1)');
      await b.waitFor((m) => m.value === 'Push (1)');
      await a.close();
      await b.close();
      await waitUntil(() => app.live.connectionCount === 0);
      expect(app.live.broadcast('news', 2)).toBe(0);
    });
  });

  describe('lifecycle', () => {
    it('cancels pending sendAfter timers when the socket closes', async () => {
      const client = await mount('/push');
      const timeouts = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
      client.send({ type: 'event', ref: 1, event: 'later', params: { ms: 5000 } });
      await client.eventResult(1);
      const pending = timeouts();
      const before = PushView.infoCalls;
      await client.close();
      await waitUntil(() => timeouts() < pending);
      expect(timeouts()).toBeLessThan(pending);
      expect(PushView.infoCalls).toBe(before);
    });

    it('unmounts the view when the socket closes', async () => {
      const before = CounterView.unmountCalls;
      const client = await mount();
      await client.close();
      await waitUntil(() => CounterView.unmountCalls > before);
      expect(CounterView.unmountCalls).toBeGreaterThan(before);
    });
  });
});

async function waitUntil(cond: () => boolean, timeoutMs = 3000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
