/**
 * The SSE transport (lib/transport/sse.ts) against a real server on 127.0.0.1:0: the stream,
 * POSTed envelopes, ordering, tokens, resume with Last-Event-ID, linger and DELETE.
 */
import { TokenSigner } from '../../lib/routes/token';
import { fetchPage } from '../../lib/testing/page';
import { startApp, type TestApp } from '../helpers/server';
import { CounterView, counterRoutes, post, send, sessionId, SseStream, streamPath, tokenHeaders, type Msg } from '../helpers/sse-support';

const SECRET = 'sse-test-secret-0123456789abcdef0123456789';
let app: TestApp;
const logged: string[] = [];
const logger = { warn: (m: string) => void logged.push(m), error: (m: string) => void logged.push(m) };
const streams: SseStream[] = [];

beforeAll(async () => {
  app = await startApp(counterRoutes, { secret: SECRET, heartbeatMs: 100, sseLingerMs: 200, sseBufferSize: 8, logger });
});
afterEach(() => {
  for (const stream of streams.splice(0)) stream.close();
});
afterAll(async () => {
  await app.close();
});

async function open(path: string, headers: Record<string, string> = {}): Promise<SseStream> {
  const stream = await SseStream.open(app.base, path, headers);
  streams.push(stream);
  return stream;
}

/** A mounted session on /counter (`?tag=<session id>`): its id, token and stream. */
async function mounted(query = ''): Promise<{ session: string; token: string; stream: SseStream }> {
  const session = sessionId();
  const { token } = await fetchPage(app.base, `/counter?tag=${session}${query}`);
  const stream = await open(streamPath(session, token));
  await stream.next('mounted');
  return { session, token, stream };
}

function titles(messages: Msg[]): string[] {
  return messages.filter((m) => m.type === 'page_metadata' && m.action === 'title').map((m) => m.value as string);
}

function until(test: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  return new Promise((resolve, reject) => {
    const end = Date.now() + timeoutMs;
    const tick = () => {
      if (test()) return resolve();
      if (Date.now() > end) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(tick, 10);
    };
    tick();
  });
}

describe('SSE transport', () => {
  describe('stream', () => {
    it('answers text/event-stream, uncached and unbuffered, starting with retry: then mounted', async () => {
      const { stream } = await mounted();
      expect(stream.status).toBe(200);
      expect(stream.headers['content-type']).toBe('text/event-stream; charset=utf-8');
      expect(stream.headers['cache-control']).toMatch(/\bno-cache\b/);
      expect(stream.headers['x-accel-buffering']).toBe('no');
      expect(stream.raw.startsWith('retry: 1000\n\nid: 1\nevent: mounted\ndata: {"type":"mounted","html":')).toBe(true);
      expect(stream.retry).toBe(1000);
      await stream.next('page_metadata');
      expect(stream.events.slice(0, 2).map((e) => [e.id, e.event])).toEqual([['1', 'mounted'], ['2', 'page_metadata']]);
      expect(stream.messages[1]).toEqual({ type: 'page_metadata', action: 'title', value: 'Counter 0' });
    });

    it('sends one SSE message per server message: id n, event = type, data = the JSON envelope', async () => {
      const { session, stream } = await mounted();
      expect((await post(app.base, session, { type: 'event', ref: 1, event: 'inc' })).status).toBe(202);
      await stream.next('flash');
      for (const [i, event] of stream.events.entries()) {
        expect(event.id).toBe(String(i + 1));
        expect(event.event).toBe(event.data.type);
      }
      expect(stream.raw).toMatch(/id: 3\nevent: patch\ndata: \{"type":"patch","ref":1,/);
    });

    it('writes all the messages of one job in one write', async () => {
      const { session, stream } = await mounted();
      await stream.next('page_metadata');
      const before = stream.chunks.length;
      await post(app.base, session, { type: 'event', ref: 1, event: 'inc' });
      await stream.next('flash');
      const chunk = stream.chunks.slice(before).find((c) => c.includes('event: patch')) as string;
      expect(chunk).toContain('event: page_metadata');
      expect(chunk).toContain('"name":"og:title"');
      expect(chunk).toContain('event: flash');
    });

    it('sends ": ping" comments every heartbeatMs', async () => {
      const { stream } = await mounted();
      await stream.waitFor((s) => s.comments.includes('ping'), 'a heartbeat');
      expect(stream.raw).toContain('\n: ping\n\n');
    });
  });

  describe('POST message', () => {
    it('answers 202; the response, then its page_metadata, then its flash arrive on the stream', async () => {
      const { session, stream } = await mounted();
      const answer = await post(app.base, session, { type: 'event', ref: 7, event: 'inc', params: { by: 2, tag: 'x' } });
      expect(answer.status).toBe(202);
      await stream.next('flash');
      const after = stream.messages.slice(stream.messages.findIndex((m) => m.type === 'patch'));
      expect(after.map((m) => [m.type, m.action ?? null])).toEqual([
        ['patch', null], ['page_metadata', 'title'], ['page_metadata', 'meta'], ['flash', 'put'],
      ]);
      expect(after[0]).toMatchObject({ ref: 7 });
      expect(after[1]).toMatchObject({ value: 'Counter 2' });
      expect(after[2]).toMatchObject({ name: 'og:title', content: 'x 2' });
      expect(after[3]).toMatchObject({ level: 'info', message: 'now 2' });
    });

    it('keeps the order of events sent one after the other', async () => {
      const { session, stream } = await mounted();
      for (let ref = 1; ref <= 5; ref += 1) await post(app.base, session, { type: 'event', ref, event: 'inc' });
      await stream.waitFor((s) => titles(s.messages).length >= 6, 'six titles');
      expect(titles(stream.messages)).toEqual(['Counter 0', 'Counter 1', 'Counter 2', 'Counter 3', 'Counter 4', 'Counter 5']);
      expect(stream.messages.filter((m) => m.type === 'patch').map((m) => m.ref)).toEqual([1, 2, 3, 4, 5]);
    });

    it('answers a change-free handler with reply', async () => {
      const { session, stream } = await mounted();
      await post(app.base, session, { type: 'event', ref: 3, event: 'same' });
      expect(await stream.next('reply')).toEqual({ type: 'reply', ref: 3 });
    });

    it('sends already_mounted for a POSTed mount: the stream already mounted the view', async () => {
      const { session, token, stream } = await mounted();
      expect((await post(app.base, session, { type: 'mount', token })).status).toBe(202);
      expect(await stream.next('error')).toMatchObject({ code: 'already_mounted', ref: null });
    });

    it('sends protocol errors on the stream: bad JSON, unknown event, a handler that throws', async () => {
      const { session, stream } = await mounted();
      expect((await post(app.base, session, '{"type":')).status).toBe(202);
      expect(await stream.next('error')).toMatchObject({ code: 'bad_json' });
      await post(app.base, session, { type: 'event', ref: 2, event: 'nope' });
      expect(await stream.next('error', (m) => m.ref === 2)).toMatchObject({ code: 'unknown_event' });
      await post(app.base, session, { type: 'event', ref: 3, event: 'boom' });
      const error = await stream.next('error', (m) => m.ref === 3);
      expect(error).toMatchObject({ code: 'handler_failed' });
      expect(JSON.stringify(error)).not.toContain('kaboom');
      expect(logged.some((m) => m.includes('CounterView.boom'))).toBe(true);
      // The view keeps working, and nothing "boom" queued was sent.
      await post(app.base, session, { type: 'event', ref: 4, event: 'inc' });
      await stream.next('patch', (m) => m.ref === 4);
      expect(titles(stream.messages)).toEqual(['Counter 0', 'Counter 1']);
    });

    it('answers a POSTed ping with pong on the stream', async () => {
      const { session, stream } = await mounted();
      await post(app.base, session, { type: 'ping' });
      await stream.next('pong');
    });

    it('delivers server push (pub/sub) on the stream, in order with events', async () => {
      const { session, stream } = await mounted('&topic=news');
      expect(app.live.broadcast('news', 'hello')).toBeGreaterThanOrEqual(1);
      await stream.waitFor((s) => titles(s.messages).includes('Counter 0 (hello)'), 'the broadcast');
      await post(app.base, session, { type: 'event', ref: 1, event: 'inc' });
      await stream.waitFor((s) => titles(s.messages).includes('Counter 1'), 'the event after it');
    });
  });

  describe('token', () => {
    it('with a bad token: the stream opens, sends error bad_token, then ends; no session is left', async () => {
      const stream = await open(streamPath(sessionId(), 'not-a.token'));
      expect(stream.status).toBe(200);
      await stream.waitForEnd();
      expect(stream.messages).toEqual([expect.objectContaining({ type: 'error', code: 'bad_token', ref: null })]);
      await until(() => app.live.connectionCount === 0, 'the session to go');
    });

    it('with an expired token: error token_expired, then the end', async () => {
      const token = new TokenSigner([SECRET], 60_000).sign({ route: '/counter', params: {}, url: '/counter', exp: Date.now() - 1000 });
      const stream = await open(streamPath(sessionId(), token));
      await stream.waitForEnd();
      expect(stream.messages).toEqual([expect.objectContaining({ type: 'error', code: 'token_expired' })]);
    });
  });

  describe('resume', () => {
    it('replays exactly the messages missed after Last-Event-ID, and the view goes on', async () => {
      const { session, token, stream } = await mounted();
      await post(app.base, session, { type: 'event', ref: 1, event: 'inc' });
      await stream.next('flash');
      const seen = stream.events.length;
      const last = stream.lastId as string;
      stream.close(); // the network drops
      await until(() => stream.ended, 'the drop');
      // While no stream is attached the session lingers; results go to the buffer.
      expect((await post(app.base, session, { type: 'event', ref: 2, event: 'inc' })).status).toBe(202);
      await new Promise((r) => setTimeout(r, 30));
      const resumed = await open(streamPath(session, token), { 'Last-Event-ID': last });
      await resumed.next('flash', (m) => m.message === 'now 2');
      expect(resumed.retry).toBe(1000);
      expect(resumed.events.map((e) => Number(e.id))).toEqual([seen + 1, seen + 2, seen + 3, seen + 4]);
      expect(resumed.messages.map((m) => m.type)).toEqual(['patch', 'page_metadata', 'page_metadata', 'flash']);
      expect(titles(resumed.messages)).toEqual(['Counter 2']);
      // Same view, not a new mount: the count goes on.
      await post(app.base, session, { type: 'event', ref: 3, event: 'inc' });
      await resumed.waitFor((s) => titles(s.messages).includes('Counter 3'), 'Counter 3');
      expect(resumed.messages.some((m) => m.type === 'mounted')).toBe(false);
    });

    it('takes the lastEventId query parameter for clients that cannot set headers', async () => {
      const { session, token, stream } = await mounted();
      await stream.next('page_metadata');
      stream.close();
      await until(() => stream.ended, 'the drop');
      await post(app.base, session, { type: 'event', ref: 1, event: 'inc' });
      const resumed = await open(streamPath(session, token, '&lastEventId=2'));
      await resumed.next('flash');
      expect(resumed.events[0]?.id).toBe('3');
      expect(titles(resumed.messages)).toEqual(['Counter 1']);
    });

    it('replaces an open stream with a newer one for the same session; the old response ends', async () => {
      const { session, token, stream } = await mounted();
      await stream.next('page_metadata');
      const second = await open(streamPath(session, token), { 'Last-Event-ID': '2' });
      await stream.waitForEnd();
      await post(app.base, session, { type: 'event', ref: 1, event: 'inc' });
      await second.next('flash');
      expect(stream.messages.some((m) => m.type === 'patch')).toBe(false);
    });

    it('answers a gap larger than the buffer with resume_gap (empty id), ends the stream and the session', async () => {
      const { session, token, stream } = await mounted();
      await stream.next('page_metadata');
      stream.close();
      await until(() => stream.ended, 'the drop');
      // 3 events × 4 messages > sseBufferSize (8): ids 3 and on are partly gone.
      for (let ref = 1; ref <= 3; ref += 1) await post(app.base, session, { type: 'event', ref, event: 'inc' });
      await new Promise((r) => setTimeout(r, 30));
      const resumed = await open(streamPath(session, token), { 'Last-Event-ID': '2' });
      await resumed.waitForEnd();
      expect(resumed.messages).toEqual([expect.objectContaining({ type: 'error', code: 'resume_gap', ref: null })]);
      expect(resumed.messages[0]?.message).toMatch(/sseBufferSize/);
      expect(resumed.raw).toContain('id:\nevent: error\n');
      expect((await post(app.base, session, { type: 'ping' })).status).toBe(404);
      await until(() => CounterView.unmounted.has(session), 'unmount');
    });

    it('answers a resume of a session that is gone with resume_gap', async () => {
      const { token } = await fetchPage(app.base, '/counter');
      const stream = await open(streamPath(sessionId(), token), { 'Last-Event-ID': '5' });
      await stream.waitForEnd();
      expect(stream.messages[0]).toMatchObject({ code: 'resume_gap' });
      expect(stream.messages[0]?.message).toMatch(/sseLingerMs/);
    });

    it('answers a Last-Event-ID from the future with resume_gap on that stream only: the session in use goes on', async () => {
      const { session, token, stream } = await mounted();
      await stream.next('page_metadata');
      for (const future of ['999', 'abc']) {
        const resumed = await open(streamPath(session, token), { 'Last-Event-ID': future });
        await resumed.waitForEnd();
        expect(resumed.messages).toEqual([expect.objectContaining({ type: 'error', code: 'resume_gap', ref: null })]);
        expect(resumed.messages[0]?.message).toMatch(/the stream has not sent that id \(the last one was 2\)/);
      }
      expect(stream.ended).toBe(false);
      expect((await post(app.base, session, { type: 'event', ref: 1, event: 'inc' })).status).toBe(202);
      await stream.next('patch', (m) => m.ref === 1);
      expect(CounterView.unmounted.has(session)).toBe(false);
    });

    it('ends a lingering session (no stream open) that a resume cannot serve', async () => {
      const { session, token, stream } = await mounted();
      await stream.next('page_metadata');
      stream.close();
      await until(() => stream.ended, 'the drop');
      await new Promise((r) => setTimeout(r, 30));
      const resumed = await open(streamPath(session, token), { 'Last-Event-ID': '999' });
      await resumed.waitForEnd();
      expect(resumed.messages[0]).toMatchObject({ code: 'resume_gap' });
      expect((await post(app.base, session, { type: 'ping' })).status).toBe(404);
    });

    it('mounts afresh (a new view) on a reconnect without Last-Event-ID; ids go on', async () => {
      const { session, token, stream } = await mounted();
      await post(app.base, session, { type: 'event', ref: 1, event: 'inc' });
      await stream.next('flash');
      const lastId = Number(stream.lastId);
      const again = await open(streamPath(session, token));
      await again.next('page_metadata');
      expect(again.messages[0]?.type).toBe('mounted');
      expect(again.messages[0]?.html).toContain('<p id="count">0</p>');
      expect(titles(again.messages)).toEqual(['Counter 0']);
      expect(Number(again.events[0]?.id)).toBe(lastId + 1);
      await stream.waitForEnd();
      await until(() => CounterView.unmounted.has(session), 'the old view to unmount');
    });
  });

  describe('session lifetime', () => {
    it('lingers sseLingerMs after the stream drops, then the view unmounts and the session is gone', async () => {
      await until(() => app.live.connectionCount === 0, 'earlier sessions to end');
      const { session, stream } = await mounted();
      expect(app.live.connectionCount).toBe(1);
      stream.close();
      await until(() => stream.ended, 'the drop');
      expect((await post(app.base, session, { type: 'ping' })).status).toBe(202);
      await until(() => CounterView.unmounted.has(session), 'unmount after sseLingerMs');
      expect((await post(app.base, session, { type: 'ping' })).status).toBe(404);
      expect(app.live.connectionCount).toBe(0);
    });

    it('DELETE ends the session now: 204, the view unmounts, the stream ends; again: 204', async () => {
      const { session, stream } = await mounted();
      const answer = await send(app.base, `/djust/sse/${session}`, { method: 'DELETE', headers: tokenHeaders(session) });
      expect(answer.status).toBe(204);
      expect(CounterView.unmounted.has(session)).toBe(true);
      await stream.waitForEnd();
      expect((await send(app.base, `/djust/sse/${session}`, { method: 'DELETE', headers: tokenHeaders(session) })).status).toBe(204);
      expect((await post(app.base, session, { type: 'ping' })).status).toBe(404);
    });

    it('live.close() ends every SSE session', async () => {
      const other = await startApp(counterRoutes, { secret: SECRET });
      const { token } = await fetchPage(other.base, '/counter');
      const stream = await SseStream.open(other.base, streamPath(sessionId(), token));
      await stream.next('mounted');
      expect(other.live.connectionCount).toBe(1);
      await other.live.close();
      await stream.waitForEnd();
      expect(other.live.connectionCount).toBe(0);
      await other.close();
    });
  });
});
