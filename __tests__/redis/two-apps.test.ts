/**
 * Two djust-lite apps (two servers on their own ports, as two processes would be) sharing one
 * real redis-server: a chat message sent on A raises "Chat (N unread)" in a page held by B,
 * over the real protocol.
 */
import { djustLite, eventHandler, LiveView, type DjustLite, type MountContext } from '../../lib';
import { redisPubSub, type RedisPubSub } from '../../lib/redis';
import { chatView, TOPIC } from './fixtures/chat-view';
import { FIXTURE_VIEWS, startApp, WsClient, type TestApp } from '../helpers/server';
import { freePort, RedisServer } from '../helpers/redis-server';

const SECRET = 'a-secret-both-processes-share-0123456789';

/** "Chat (N unread)" for messages from others; `send` broadcasts through its own app. */
function recordingLogger() {
  const lines: string[] = [];
  return { lines, logger: { debug() {}, info: (m: string) => void lines.push(`info ${m}`), warn: (m: string) => void lines.push(`warn ${m}`), error: (m: string) => void lines.push(`error ${m}`) } };
}

let redis: RedisServer;
let a: TestApp;
let b: TestApp;
let pubsubA: RedisPubSub;
const logA = recordingLogger();
const clients: WsClient[] = [];

async function mount(app: TestApp): Promise<WsClient> {
  const client = await WsClient.mount(app.base, '/chat');
  clients.push(client);
  return client;
}

let ref = 0;
function send(client: WsClient, text: string): Promise<unknown> {
  ref += 1;
  client.send({ type: 'event', ref, event: 'send', params: { text } });
  return client.eventResult(ref);
}

const titleOf = (client: WsClient, value: string) => client.waitFor((m) => m.type === 'page_metadata' && m.action === 'title' && m.value === value);

beforeAll(async () => {
  redis = await RedisServer.start();
  pubsubA = redisPubSub({ url: redis.url, maxBackoffMs: 100, logger: logA.logger });
  const pubsubB = redisPubSub({ url: redis.url, maxBackoffMs: 100, logger: recordingLogger().logger });
  await Promise.all([pubsubA.ready, pubsubB.ready]);
  a = await startApp((live) => live.route('/chat', chatView((topic, message) => a.live.broadcast(topic, message))), { pubsub: pubsubA, secret: SECRET });
  b = await startApp((live) => live.route('/chat', chatView((topic, message) => b.live.broadcast(topic, message))), { pubsub: pubsubB, secret: SECRET });
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  await redis?.stop();
});

/** Waits until Redis reports `n` subscribers (processes) on the chat channel. */
async function processesSubscribed(n: number): Promise<void> {
  const end = Date.now() + 5000;
  while (Date.now() < end) {
    if (pubsubA.stats.connected) {
      const { createClient } = await import('redis');
      const probe = createClient({ url: redis.url });
      await probe.connect();
      const counts = await probe.pubSubNumSub(`djust:${TOPIC}`);
      await probe.close();
      if (Number(counts[`djust:${TOPIC}`]) === n) return;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${n} processes subscribed to ${TOPIC}`);
}

describe('Two djust-lite apps sharing Redis', () => {
  it('raises "Chat (1 unread)" on B for a message sent on A, and not on the sender', async () => {
    const sender = await mount(a);
    const reader = await mount(b);
    await processesSubscribed(2);
    await send(sender, 'hello from A');
    await titleOf(reader, 'Chat (1 unread)');
    expect(reader.region()).toContain('hello from A');
    expect(sender.messages.some((m) => m.value === 'Chat (1 unread)')).toBe(false);
  });

  it('keeps the order one page sent its messages in', async () => {
    const sender = await mount(a);
    const reader = await mount(b);
    await processesSubscribed(2);
    for (let i = 1; i <= 20; i += 1) await send(sender, `m${i}`);
    await titleOf(reader, 'Chat (20 unread)');
    // The log shows the order they were handled in; the unread count only ever grows (a backlog of
    // messages may render once, so a title may be skipped, never repeated or reversed).
    expect(reader.region()).toContain(`chat ${Array.from({ length: 20 }, (_, i) => `m${i + 1}`).join(' ')}<`);
    const counts = reader.messages.filter((m) => m.type === 'page_metadata' && m.action === 'title').map((m) => Number(/\((\d+) unread\)/.exec(String(m.value))?.[1] ?? 0));
    expect(counts.every((n, i) => i === 0 || n > (counts[i - 1] as number))).toBe(true);
    expect(counts.at(-1)).toBe(20);
  });

  it('keeps in-process delivery through a Redis restart, logs the outage with its count, then delivers across again', async () => {
    const sender = await mount(a);
    const neighbour = await mount(a);
    const reader = await mount(b);
    await processesSubscribed(2);

    await redis.stop();
    const until = Date.now() + 5000;
    while (pubsubA.stats.connected && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    await send(sender, 'during the outage');
    await titleOf(neighbour, 'Chat (1 unread)'); // same process: still delivered
    expect(logA.lines.filter((l) => l.startsWith('warn ') && l.includes('lost Redis at')).length).toBe(1);

    await redis.restart();
    await processesSubscribed(2);
    expect(logA.lines.filter((l) => /^info .*connected to Redis at .*; 1 broadcast\(s\) published meanwhile reached this process only/.test(l))).toHaveLength(1);
    await send(sender, 'after the restart');
    await titleOf(reader, 'Chat (1 unread)');
    expect(reader.region()).toContain('after the restart');
    await titleOf(neighbour, 'Chat (2 unread)');
  });
});

describe('djustLite({ pubsub: redisPubSub() }) without Redis', () => {
  it('fails at start naming the URL, and closes cleanly', async () => {
    const url = `redis://127.0.0.1:${await freePort()}`;
    const pubsub = redisPubSub({ url, connectTimeoutMs: 200, logger: recordingLogger().logger });
    const live = djustLite({ views: FIXTURE_VIEWS, pubsub });
    await expect(pubsub.ready).rejects.toMatchObject({ code: 'DJUST_ERR_REDIS_UNAVAILABLE', message: expect.stringContaining(`cannot reach Redis at ${url}`) });
    await live.close();
  });
});
