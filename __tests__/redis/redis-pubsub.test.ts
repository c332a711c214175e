import { createClient } from 'redis';
import { redisPubSub, type RedisPubSub, type RedisPubSubOptions } from '../../lib/redis';
import { freePort, RedisServer } from '../helpers/redis-server';

/** A logger that keeps its lines. */
function recordingLogger() {
  const lines: string[] = [];
  return {
    lines,
    logger: {
      debug: (m: string) => lines.push(`debug ${m}`),
      info: (m: string) => lines.push(`info ${m}`),
      warn: (m: string) => lines.push(`warn ${m}`),
      error: (m: string) => lines.push(`error ${m}`),
    },
    count: (level: string, re: RegExp) => lines.filter((l) => l.startsWith(`${level} `) && re.test(l)).length,
  };
}

/** A subscriber that records what it is delivered. */
function sink() {
  const got: unknown[] = [];
  return { got, deliver: (m: unknown) => void got.push(m) };
}

async function until(cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

let redis: RedisServer;
const adapters: RedisPubSub[] = [];

function adapter(options: Partial<RedisPubSubOptions> = {}): RedisPubSub {
  const a = redisPubSub({ url: redis.url, logger: recordingLogger().logger, ...options } as RedisPubSubOptions);
  adapters.push(a);
  return a;
}

/** Subscribers on the Redis channel of `topic`, as Redis counts them. */
async function redisSubscribers(channel: string): Promise<number> {
  const probe = createClient({ url: redis.url });
  await probe.connect();
  try {
    const counts = await probe.pubSubNumSub(channel);
    return Number(counts[channel] ?? 0);
  } finally {
    await probe.close();
  }
}

beforeAll(async () => {
  redis = await RedisServer.start();
});
afterEach(async () => {
  await Promise.all(adapters.splice(0).map((a) => a.close()));
});
afterAll(async () => {
  await redis?.stop();
});

describe('RedisPubSub', () => {
  describe('broadcast', () => {
    it('reaches the other process\'s subscribers, and its own once, directly', async () => {
      const a = adapter();
      const b = adapter();
      await Promise.all([a.ready, b.ready]);
      const onA = sink();
      const onB = sink();
      a.subscribe('room', onA);
      b.subscribe('room', onB);
      await waitForSubscribers('djust:room', 2);
      expect(a.broadcast('room', { text: 'hi' })).toBe(1);
      expect(onA.got).toEqual([{ text: 'hi' }]); // at once, before Redis answers
      await until(() => onB.got.length === 1, 'B to receive');
      await new Promise((r) => setTimeout(r, 50));
      expect(onA.got).toEqual([{ text: 'hi' }]);
      expect(onB.got).toEqual([{ text: 'hi' }]);
    });

    it('keeps the publish order of one topic across processes', async () => {
      const a = adapter();
      const b = adapter();
      await Promise.all([a.ready, b.ready]);
      const onB = sink();
      b.subscribe('order', onB);
      await waitForSubscribers('djust:order', 1);
      for (let i = 0; i < 300; i += 1) a.broadcast('order', i);
      await until(() => onB.got.length === 300, '300 messages');
      expect(onB.got).toEqual(Array.from({ length: 300 }, (_, i) => i));
    });

    it('encodes a message once per publish, whatever the number of subscribers', async () => {
      const a = adapter();
      await a.ready;
      for (let i = 0; i < 5; i += 1) a.subscribe('fan', sink());
      const stringify = jest.spyOn(JSON, 'stringify');
      try {
        expect(a.broadcast('fan', { n: 1 })).toBe(5);
        expect(stringify).toHaveBeenCalledTimes(1);
      } finally {
        stringify.mockRestore();
      }
    });

    it('refuses a message that is not JSON, before delivering it anywhere', async () => {
      const a = adapter();
      const local = sink();
      a.subscribe('t', local);
      expect(() => a.broadcast('t', 10n)).toThrow(expect.objectContaining({ code: 'DJUST_ERR_INVALID_ARG' }));
      expect(local.got).toEqual([]);
    });
  });

  describe('subscriptions', () => {
    it('holds one Redis subscription per topic, released with the last local subscriber', async () => {
      const a = adapter();
      await a.ready;
      const one = sink();
      const two = sink();
      a.subscribe('count', one);
      a.subscribe('count', two);
      await waitForSubscribers('djust:count', 1);
      a.unsubscribe('count', one);
      await new Promise((r) => setTimeout(r, 50));
      expect(await redisSubscribers('djust:count')).toBe(1);
      a.unsubscribe('count', two);
      await waitForSubscribers('djust:count', 0);
      expect(a.topicCount).toBe(0);
    });

    it('ends with no Redis subscription after a subscribe and unsubscribe in one turn', async () => {
      const a = adapter();
      await a.ready;
      const s = sink();
      a.subscribe('flicker', s);
      a.unsubscribe('flicker', s);
      await new Promise((r) => setTimeout(r, 100));
      expect(await redisSubscribers('djust:flicker')).toBe(0);
    });
  });

  describe('faults', () => {
    it('rejects ready with DJUST_ERR_REDIS_UNAVAILABLE naming the URL and the options when Redis is not there', async () => {
      const url = `redis://127.0.0.1:${await freePort()}`;
      const a = adapter({ url, connectTimeoutMs: 300 });
      await expect(a.ready).rejects.toMatchObject({
        code: 'DJUST_ERR_REDIS_UNAVAILABLE',
        message: expect.stringMatching(new RegExp(`cannot reach Redis at ${url.replace(/[.]/g, '\\.')}/? within 300 ms \\(.*ECONNREFUSED.*\\).*option "url".*startDegraded`)),
      });
    });

    it('with startDegraded, warns once and keeps in-process delivery', async () => {
      const log = recordingLogger();
      const a = adapter({ url: `redis://127.0.0.1:${await freePort()}`, connectTimeoutMs: 200, startDegraded: true, logger: log.logger });
      await a.ready;
      expect(log.count('warn', /starting degraded \(option startDegraded\)/)).toBe(1);
      const local = sink();
      a.subscribe('t', local);
      expect(a.broadcast('t', 'x')).toBe(1);
      expect(local.got).toEqual(['x']);
      expect(a.stats).toMatchObject({ connected: false, dropped: 1, outages: 1 });
    });

    it('reconnects and resubscribes after a Redis restart, counting and logging once what it could not publish', async () => {
      const logA = recordingLogger();
      const a = adapter({ logger: logA.logger, maxBackoffMs: 100 });
      const b = adapter({ maxBackoffMs: 100 });
      await Promise.all([a.ready, b.ready]);
      const onA = sink();
      const onB = sink();
      a.subscribe('news', onA);
      b.subscribe('news', onB);
      await waitForSubscribers('djust:news', 2);

      await redis.stop();
      await until(() => !a.stats.connected, 'A to see the outage');
      for (let i = 0; i < 3; i += 1) expect(a.broadcast('news', `lost ${i}`)).toBe(1);
      expect(onA.got).toEqual(['lost 0', 'lost 1', 'lost 2']); // in-process delivery goes on
      expect(logA.count('warn', /lost Redis at redis:\/\/127\.0\.0\.1:\d+/)).toBe(1);

      await redis.restart();
      await until(() => a.stats.connected && b.stats.connected, 'both to reconnect');
      await waitForSubscribers('djust:news', 2);
      expect(logA.count('info', /connected to Redis at .* after \d+ ms; 3 broadcast\(s\) published meanwhile reached this process only/)).toBe(1);
      expect(a.stats).toMatchObject({ dropped: 3, outages: 1 });

      a.broadcast('news', 'back');
      await until(() => onB.got.includes('back'), 'B to receive after the restart');
      expect(onB.got).toEqual(['back']);
    });
  });

  describe('options', () => {
    it('wants exactly one of url and client', () => {
      expect(() => redisPubSub({})).toThrow(/pass exactly one of options "url" .* and "client" .*, got neither/);
      expect(() => redisPubSub({ url: 'http://x' })).toThrow(expect.objectContaining({ code: 'DJUST_ERR_INVALID_OPTION' }));
      expect(() => redisPubSub({ url: redis.url, maxBackoffMs: 1 })).toThrow(/option "maxBackoffMs" must be at least 10, got 1/);
    });

    it('takes a client of your own, subscribes on a duplicate and leaves yours open', async () => {
      const client = createClient({ url: redis.url });
      await client.connect();
      try {
        const a = redisPubSub({ client, logger: recordingLogger().logger });
        const b = adapter();
        await Promise.all([a.ready, b.ready]);
        const onB = sink();
        b.subscribe('own', onB);
        await waitForSubscribers('djust:own', 1);
        a.broadcast('own', 1);
        await until(() => onB.got.length === 1, 'B to receive');
        await a.close();
        expect(client.isReady).toBe(true);
      } finally {
        await client.close();
      }
    });
  });
});

async function waitForSubscribers(channel: string, n: number): Promise<void> {
  const end = Date.now() + 5000;
  for (;;) {
    const count = await redisSubscribers(channel);
    if (count === n) return;
    if (Date.now() > end) throw new Error(`${channel}: ${count} Redis subscribers, expected ${n}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
