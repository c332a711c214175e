/**
 * SSE without sticky sessions: two djust-lite apps (as two processes) sharing a real
 * redis-server; a page's stream on one, its POSTs landing on either.
 */
import { eventHandler, LiveView, type MountContext } from '../../lib';
import { fetchPage } from '../../lib/testing/page';
import type { TestApp } from '../helpers/server';
import { startPair, type Pair } from '../helpers/two-processes';
import { post, send, sessionId, SseStream, streamPath, tokenHeaders, type Msg } from '../helpers/sse-support';


/** Appends each event's `n` to its label: the region shows the order events applied in. */
class OrderView extends LiveView {
  static template = 'counter.njk';
  count = 0;
  label = '';

  mount(ctx: MountContext) {
    this.pageTitle = `Order (${ctx.connected ? 'live' : 'static'})`;
  }

  @eventHandler()
  push(params: { n?: unknown }) {
    this.count += 1;
    this.label = `${this.label} ${String(params.n)}`.trim();
    this.pageTitle = `Order ${String(params.n)}`;
  }
}

let a: TestApp;
let b: TestApp;
const streams: SseStream[] = [];

async function openOn(app: TestApp, session: string, token?: string): Promise<SseStream> {
  token ??= (await fetchPage(app.base, '/order')).token;
  const stream = await SseStream.open(app.base, streamPath(session, token));
  streams.push(stream);
  await stream.next('mounted');
  return stream;
}

const titles = (stream: SseStream): unknown[] => stream.messages.filter((m: Msg) => m.type === 'page_metadata' && m.action === 'title').map((m) => m.value);

let pair: Pair;
beforeAll(async () => {
  pair = await startPair((live) => live.route('/order', OrderView));
  ({ a, b } = pair);
});
afterEach(() => {
  for (const s of streams.splice(0)) s.close();
});
afterAll(() => pair?.close());

describe('SSE across processes', () => {
  it('applies a page\'s POSTs in the order it sent them, whichever process each lands on', async () => {
    const session = sessionId();
    const stream = await openOn(a, session);
    for (let n = 1; n <= 20; n += 1) {
      const answer = await post(n % 2 === 0 ? a.base : b.base, session, { type: 'event', ref: n, event: 'push', params: { n } });
      expect(answer.status).toBe(202);
    }
    await stream.waitFor(() => titles(stream).includes('Order 20'), 'the 20th event');
    expect(titles(stream)).toEqual(['Order (live)', ...Array.from({ length: 20 }, (_, i) => `Order ${i + 1}`)]);
    const refs = stream.messages.filter((m) => m.type === 'patch' || m.type === 'reply').map((m) => m.ref);
    expect(refs).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it('answers 404 for a session no process holds, and 403 for a token that is not the session\'s', async () => {
    const { token } = await fetchPage(a.base, '/order');
    expect((await post(b.base, sessionId(), { type: 'event', ref: 1, event: 'push', params: { n: 1 } }, { 'X-Djust-Token': token })).status).toBe(404);
    const session = sessionId();
    await openOn(a, session);
    const answer = await post(b.base, session, { type: 'event', ref: 1, event: 'push', params: { n: 1 } }, { 'X-Djust-Token': 'not-the-token' });
    expect(answer.status).toBe(403);
  });

  it('moves a session to the process that opens its stream again (no Last-Event-ID), ending the old copy', async () => {
    const session = sessionId();
    const { token } = await fetchPage(a.base, '/order');
    const onA = await openOn(a, session, token);
    const onB = await openOn(b, session, token);
    await onA.waitForEnd();
    expect((await post(a.base, session, { type: 'event', ref: 1, event: 'push', params: { n: 7 } })).status).toBe(202);
    await onB.waitFor(() => titles(onB).includes('Order 7'), 'the event on B');
  });

  it('resumes a stream that reconnects to another process with Last-Event-ID, nothing lost, while its holder lives', async () => {
    const session = sessionId();
    const { token } = await fetchPage(a.base, '/order');
    const first = await openOn(a, session, token);
    for (let n = 1; n <= 3; n += 1) expect((await post(a.base, session, { type: 'event', ref: n, event: 'push', params: { n } })).status).toBe(202);
    await first.waitFor(() => titles(first).includes('Order 3'), 'three events');
    const seenUpTo = first.events.find((e) => e.data.type === 'page_metadata' && e.data.value === 'Order 1')?.id as string;
    first.close(); // the network drops; the session lingers on A

    const resumed = await SseStream.open(b.base, streamPath(session, token), { 'Last-Event-ID': seenUpTo });
    streams.push(resumed);
    expect(resumed.status).toBe(200);
    await resumed.waitFor(() => titles(resumed).includes('Order 3'), 'the replay through B');
    expect(titles(resumed)).toEqual(['Order 2', 'Order 3']);
    expect(Number(resumed.events[0]?.id)).toBe(Number(seenUpTo) + 1);

    expect((await post(b.base, session, { type: 'event', ref: 4, event: 'push', params: { n: 4 } })).status).toBe(202);
    await resumed.waitFor(() => titles(resumed).includes('Order 4'), 'a new event through B');
    expect(resumed.messages.filter((m) => m.type === 'mounted')).toEqual([]); // the same view, not a new mount
  });

  it('answers resume_gap on another process when the holder\'s buffer no longer covers the id, or no process holds the session', async () => {
    const session = sessionId();
    const { token } = await fetchPage(a.base, '/order');
    const first = await openOn(a, session, token);
    first.close();
    const future = await SseStream.open(b.base, streamPath(session, token), { 'Last-Event-ID': '999' });
    streams.push(future);
    expect((await future.next('error')).code).toBe('resume_gap');
    const gone = await SseStream.open(b.base, streamPath(sessionId(), token), { 'Last-Event-ID': '3' });
    streams.push(gone);
    expect((await gone.next('error')).code).toBe('resume_gap');
  });

  it('ends a session held by another process on a DELETE, with its token', async () => {
    const session = sessionId();
    const stream = await openOn(a, session);
    expect((await send(b.base, `/djust/sse/${session}`, { method: 'DELETE', headers: { 'X-Djust-Token': 'not-the-token' } })).status).toBe(403);
    expect((await send(b.base, `/djust/sse/${session}`, { method: 'DELETE', headers: tokenHeaders(session) })).status).toBe(204);
    await stream.waitForEnd();
  });
});
