/**
 * What a process forwards for SSE streams it does not hold (issue 23, row 7): two djust-lite
 * apps (as two processes) on a real redis-server. A POST with a forged token, or with a real
 * token that is not the stream's, is refused by the process it lands on and nothing reaches
 * the holder's channel; a POST for a stream nobody holds is answered 404 before its body is read.
 */
import { request } from 'node:http';
import { createClient } from 'redis';
import { redisPubSub, type RedisPubSub } from '../../lib/redis';
import { fetchPage } from '../../lib/testing/page';
import { startApp, type TestApp } from '../helpers/server';
import { RedisServer } from '../helpers/redis-server';
import { counterRoutes, post, sessionId, SseStream, streamPath } from '../helpers/sse-support';

const SECRET = 'a-secret-both-processes-share-0123456789';
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

let redis: RedisServer;
let pa: RedisPubSub;
let a: TestApp;
let b: TestApp;
/** Every text published on A's process channel. */
const onAChannel: string[] = [];
let probe: ReturnType<typeof createClient>;
const streams: SseStream[] = [];

beforeAll(async () => {
  redis = await RedisServer.start();
  pa = redisPubSub({ url: redis.url, logger: quiet });
  const pb = redisPubSub({ url: redis.url, logger: quiet });
  await Promise.all([pa.ready, pb.ready]);
  a = await startApp(counterRoutes, { pubsub: pa, secret: SECRET, transport: 'sse', logger: quiet });
  b = await startApp(counterRoutes, { pubsub: pb, secret: SECRET, transport: 'sse', logger: quiet, bodyTimeoutMs: 5000 });
  probe = createClient({ url: redis.url });
  await probe.connect();
  await probe.subscribe(pa.streams.channel, (text) => void onAChannel.push(text));
});
afterEach(() => {
  for (const s of streams.splice(0)) s.close();
});
afterAll(async () => {
  await probe?.close();
  await a?.close();
  await b?.close();
  await redis?.stop();
});

/** A stream held by A, opened with a fresh page's token. */
async function streamOnA(): Promise<string> {
  const id = sessionId();
  const { token } = await fetchPage(a.base, '/counter');
  const stream = await SseStream.open(a.base, streamPath(id, token));
  streams.push(stream);
  await stream.next('mounted');
  return id;
}

/** Waits a moment for anything published to reach the probe, then what arrived of kind `fwd`. */
async function forwardedToA(): Promise<string[]> {
  await new Promise((r) => setTimeout(r, 200));
  return onAChannel.splice(0).filter((text) => text.includes('"k":"fwd"'));
}

const BIG = { type: 'event', ref: 1, event: 'inc', params: { pad: 'x'.repeat(60_000) } };

describe('SSE POSTs through a process that does not hold the stream', () => {
  it('forwards a POST with the stream\'s own token (the control)', async () => {
    const id = await streamOnA();
    expect((await post(b.base, id, { type: 'event', ref: 1, event: 'inc' })).status).toBe(202);
    expect(await forwardedToA()).toHaveLength(1);
  });

  it('refuses a forged token with 403 and forwards nothing', async () => {
    const id = await streamOnA();
    const { token } = await fetchPage(a.base, '/counter');
    const forged = `${token.slice(0, token.indexOf('.'))}.${'A'.repeat(43)}`;
    for (const bad of [forged, 'not-a-token', `${token}x`]) {
      expect((await post(b.base, id, BIG, { 'X-Djust-Token': bad })).status).toBe(403);
    }
    expect(await forwardedToA()).toEqual([]);
  });

  it('refuses a real token that is not the stream\'s with 403 and forwards nothing', async () => {
    const id = await streamOnA();
    const { token: another } = await fetchPage(b.base, '/counter');
    const answer = await post(b.base, id, BIG, { 'X-Djust-Token': another });
    expect(answer.status).toBe(403);
    expect(answer.body).toMatch(/is not the token stream/);
    expect(await forwardedToA()).toEqual([]);
  });

  it('answers 404 for a stream nobody holds before the body arrives (a slow body is not held)', async () => {
    const { token } = await fetchPage(b.base, '/counter');
    const started = Date.now();
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${b.base}/djust/sse/${sessionId()}/message`, {
        method: 'POST',
        agent: false,
        headers: { 'Content-Type': 'application/json', 'Content-Length': '1000', 'X-Djust-Token': token },
      }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      req.on('error', reject);
      req.write('{"type":"event",'); // and never the rest
    });
    expect(status).toBe(404);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
