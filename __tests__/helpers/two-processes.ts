/**
 * Two djust-lite apps sharing a real redis-server, as two processes behind a balancer without
 * sticky sessions would: the SSE cross-process tests open a stream on one and POST to either.
 */
import type { DjustLite } from '../../lib';
import { redisPubSub } from '../../lib/redis';
import { RedisServer } from './redis-server';
import { startApp, type TestApp } from './server';

const SECRET = 'a-secret-both-processes-share-0123456789';
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

export interface Pair {
  a: TestApp;
  b: TestApp;
  /** Closes both apps, then stops redis-server. */
  close(): Promise<void>;
}

/** Starts redis-server and two SSE apps with the same routes and secret. */
export async function startPair(setup: (live: DjustLite) => void): Promise<Pair> {
  const redis = await RedisServer.start();
  const [pa, pb] = [redisPubSub({ url: redis.url, logger: quiet }), redisPubSub({ url: redis.url, logger: quiet })];
  await Promise.all([pa.ready, pb.ready]);
  const a = await startApp(setup, { pubsub: pa, secret: SECRET, transport: 'sse' });
  const b = await startApp(setup, { pubsub: pb, secret: SECRET, transport: 'sse' });
  return {
    a,
    b,
    async close() {
      await a.close();
      await b.close();
      await redis.stop();
    },
  };
}
