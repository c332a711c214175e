import { createHash } from 'node:crypto';
import { createClient } from 'redis';
import { redisPubSub, type RedisPubSub } from '../../lib/redis';
import { RedisServer } from '../helpers/redis-server';

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

/** A transport stand-in: the sessions it holds and what reached them. */
function transport(adapter: RedisPubSub) {
  const held = new Set<string>();
  const got: string[] = [];
  const evicted: string[] = [];
  adapter.streams.listen({
    deliver: (id, body, token) => (!held.has(id) ? 'unknown' : token !== 'tok' ? 'forbidden' : (got.push(`${id} ${body}`), 'delivered')),
    evict: (id) => void (held.delete(id), evicted.push(id), adapter.streams.release(id)),
    attach: () => 'unknown',
  });
  return {
    got,
    evicted,
    open(id: string) {
      held.add(id);
      adapter.streams.claim(id, 'tok');
    },
  };
}

let redis: RedisServer;
let a: RedisPubSub;
let b: RedisPubSub;

async function until(cond: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 5000;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Waits until the owner key of session `id` names a process (or is gone, for null). */
async function ownerKey(id: string, present: boolean): Promise<void> {
  const probe = createClient({ url: redis.url });
  await probe.connect();
  try {
    const end = Date.now() + 5000;
    while ((await probe.get(`djust:@sse:${id}`) !== null) !== present) {
      if (Date.now() > end) throw new Error(`owner key of ${id} still ${present ? 'missing' : 'there'}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  } finally {
    await probe.close();
  }
}

beforeAll(async () => {
  redis = await RedisServer.start();
  a = redisPubSub({ url: redis.url, logger: quiet, forwardTimeoutMs: 300 });
  b = redisPubSub({ url: redis.url, logger: quiet, forwardTimeoutMs: 300 });
  await Promise.all([a.ready, b.ready]);
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  await redis?.stop();
});

describe('RedisStreamRouter', () => {
  it('forwards a POST to the process holding the session, and answers once it is enqueued', async () => {
    const onA = transport(a);
    transport(b);
    onA.open('session-1');
    await ownerKey('session-1', true);
    for (let i = 1; i <= 5; i += 1) expect(await b.streams.forward('session-1', `{"n":${i}}`, 'tok')).toBe('delivered');
    expect(onA.got).toEqual([1, 2, 3, 4, 5].map((i) => `session-1 {"n":${i}}`));
    expect(await b.streams.forward('session-1', '{}', 'not-its-token')).toBe('forbidden');
  });

  it('answers unknown for a session no process holds, or one released', async () => {
    const onA = transport(a);
    transport(b);
    expect(await b.streams.forward('nobody-holds-it', '{}', 'tok')).toBe('unknown');
    onA.open('session-2');
    await ownerKey('session-2', true);
    a.streams.release('session-2');
    await ownerKey('session-2', false);
    expect(await b.streams.forward('session-2', '{}', 'tok')).toBe('unknown');
  });

  it('tells the previous holder to end its copy when another process opens the session', async () => {
    const onA = transport(a);
    const onB = transport(b);
    onA.open('session-3');
    await ownerKey('session-3', true);
    onB.open('session-3');
    await until(() => onA.evicted.includes('session-3'), 'A to be told');
    expect(await a.streams.forward('session-3', '{"to":"B"}', 'tok')).toBe('delivered');
    expect(onB.got).toEqual(['session-3 {"to":"B"}']);
  });

  it('answers unreachable when the holder does not answer in time (a process that died)', async () => {
    const probe = createClient({ url: redis.url });
    await probe.connect();
    const digest = createHash('sha256').update('tok').digest('base64url');
    await probe.set('djust:@sse:session-4', `a-process-that-died ${digest}`, { PX: 10_000 });
    await probe.close();
    const started = Date.now();
    expect(await b.streams.forward('session-4', '{}', 'tok')).toBe('unreachable');
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });

  describe('junk on a process channel', () => {
    it('is ignored and counted: no outage is reported, no "lost Redis" logged, routing goes on', async () => {
      const warned: string[] = [];
      const c = redisPubSub({ url: redis.url, logger: { ...quiet, warn: (m: string) => void warned.push(m) }, forwardTimeoutMs: 300 });
      await c.ready;
      try {
        const onC = transport(c);
        onC.open('session-junk');
        await ownerKey('session-junk', true);
        const probe = createClient({ url: redis.url });
        await probe.connect();
        const junk = ['null', '[]', '42', '"text"', 'not json', '{}', '{"k":"ack"}', '{"k":"fwd","r":1}', '{"k":"frames","r":"x"}', '{"k":"nope","r":"x"}', '{"k":"fwd","r":"r","f":"f","s":"s","t":"t","b":{}}', '{"k":"up","r":"r","f":"f","s":"s","t":"t"}', '{"k":"up","r":"r","f":"f","s":"s","t":"t","u":7}'];
        try {
          for (const text of junk) await probe.publish(c.streams.channel, text);
        } finally {
          await probe.close();
        }
        await until(() => c.stats.ignored >= junk.length, 'the junk to be counted');
        expect(c.stats).toMatchObject({ connected: true, outages: 0, ignored: junk.length });
        expect(warned.filter((m) => m.includes('lost Redis'))).toEqual([]);
        expect(await b.streams.forward('session-junk', '{"after":"junk"}', 'tok')).toBe('delivered');
        expect(onC.got).toEqual(['session-junk {"after":"junk"}']);
      } finally {
        await c.close();
      }
    });
  });
});
