/**
 * 100 concurrent SSE sessions, each sending 20 events: each sees only its own page metadata,
 * in order, with nothing lost or duplicated.
 */
import http from 'node:http';
import { fetchPage } from '../../lib/testing/page';
import { startApp, type TestApp } from '../helpers/server';
import { counterRoutes, sessionId, SseStream, streamPath, tokenHeaders } from '../helpers/sse-support';

const SESSIONS = 100;
const EVENTS = 20;

let app: TestApp;
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
const streams: SseStream[] = [];

beforeAll(async () => {
  app = await startApp(counterRoutes, { maxConnectionsPerClient: SESSIONS, sseLingerMs: 200 });
});
afterAll(async () => {
  for (const stream of streams) stream.close();
  agent.destroy();
  await app.close();
});

function postEvent(session: string, ref: number, tag: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ type: 'event', ref, event: 'inc', params: { tag } });
    const req = http.request(`${app.base}/djust/sse/${session}/message`, {
      method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...tokenHeaders(session) },
    }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode ?? 0));
    });
    req.once('error', reject);
    req.end(body);
  });
}

describe('SSE under load', () => {
  it(`${SESSIONS} sessions × ${EVENTS} events: each sees only its own metadata, in order`, async () => {
    const { token } = await fetchPage(app.base, '/counter');
    const sessions = await Promise.all(Array.from({ length: SESSIONS }, async (_, i) => {
      const id = sessionId();
      // One page, many tabs: different session ids may share a token.
      const stream = await SseStream.open(app.base, streamPath(id, token));
      streams.push(stream);
      expect(stream.status).toBe(200);
      await stream.next('mounted');
      return { id, tag: `s${i}`, stream };
    }));
    expect(app.live.connectionCount).toBe(SESSIONS);

    await Promise.all(sessions.map(async ({ id, tag }) => {
      for (let ref = 1; ref <= EVENTS; ref += 1) expect(await postEvent(id, ref, tag)).toBe(202);
    }));
    await Promise.all(sessions.map(({ stream }) =>
      stream.waitFor((s) => s.messages.filter((m) => m.type === 'flash').length >= EVENTS, 'every flash', 30000)));

    for (const { tag, stream } of sessions) {
      const metas = stream.messages.filter((m) => m.type === 'page_metadata' && m.action === 'meta').map((m) => m.content);
      expect(metas).toEqual(Array.from({ length: EVENTS }, (_, i) => `${tag} ${i + 1}`));
      const titles = stream.messages.filter((m) => m.type === 'page_metadata' && m.action === 'title').map((m) => m.value);
      expect(titles).toEqual(Array.from({ length: EVENTS + 1 }, (_, i) => `Counter ${i}`));
      expect(stream.messages.filter((m) => m.type === 'patch').map((m) => m.ref)).toEqual(Array.from({ length: EVENTS }, (_, i) => i + 1));
      expect(stream.events.map((e) => Number(e.id))).toEqual(stream.events.map((_, i) => i + 1));
      expect(stream.messages.some((m) => m.type === 'error')).toBe(false);
    }
  }, 60_000);
});
