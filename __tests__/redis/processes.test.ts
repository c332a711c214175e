/**
 * Several djust-lite processes (node:child_process) sharing one real redis-server. The child is
 * fixtures/chat-process.ts, bundled once by esbuild (ts-node would take seconds per child); the
 * bundle's `__dirname` is lib/'s, where djust-lite finds public/ and views/djust.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { fetchPage } from '../../lib/testing/page';
import { FIXTURE_VIEWS, WsClient } from '../helpers/server';
import { post, sessionId, SseStream, streamPath } from '../helpers/sse-support';
import { freePort, RedisServer } from '../helpers/redis-server';

const ROOT = path.join(__dirname, '..', '..');
const BUNDLE = path.join(os.tmpdir(), `djust-chat-process-${process.pid}.js`);
const SECRET = 'a-secret-every-process-shares-0123456789';

interface Child {
  process: ChildProcess;
  base: string;
  stderr: string[];
}

let redis: RedisServer;
const children: Child[] = [];
const clients: WsClient[] = [];
const streams: SseStream[] = [];

/** Spawns one djust-lite process; resolves with its base URL once it listens, or rejects with its stderr. */
function startProcess(redisUrl: string, extraEnv: Record<string, string> = {}): Promise<Child> {
  const child = spawn(process.execPath, [BUNDLE], {
    env: { ...process.env, NODE_PATH: path.join(ROOT, 'node_modules'), REDIS_URL: redisUrl, DJUST_SECRET: SECRET, DJUST_VIEWS: FIXTURE_VIEWS, NODE_ENV: 'test', ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stderr: string[] = [];
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (child.kill('SIGKILL'), reject(new Error(`child did not listen within 15 s: ${stderr.join('')}`))), 15_000);
    child.stdout?.once('data', (chunk: Buffer) => {
      clearTimeout(timer);
      const { port } = JSON.parse(chunk.toString().split('\n', 1)[0] as string) as { port: number };
      const started = { process: child, base: `http://127.0.0.1:${port}`, stderr };
      children.push(started);
      resolve(started);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(Object.assign(new Error(`child exited with code ${code}: ${stderr.join('')}`), { exitCode: code, stderr: stderr.join('') }));
    });
  });
}

function stopProcess(child: Child, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  const p = child.process;
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => p.kill('SIGKILL'), 5000);
    p.once('exit', () => (clearTimeout(timer), resolve()));
    p.kill(signal);
  });
}

async function mount(child: Child): Promise<WsClient> {
  const client = await WsClient.mount(child.base, '/chat');
  clients.push(client);
  return client;
}

const titleOf = (client: WsClient, value: string) => client.waitFor((m) => m.type === 'page_metadata' && m.action === 'title' && m.value === value);

beforeAll(async () => {
  redis = await RedisServer.start();
  await build({ entryPoints: [path.join(__dirname, 'fixtures', 'chat-process.ts')], bundle: true, platform: 'node', target: 'node20', packages: 'external', outfile: BUNDLE, logLevel: 'error', define: { __dirname: JSON.stringify(path.join(ROOT, 'lib', 'http')) } });
}, 30_000);
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  for (const s of streams.splice(0)) s.close();
  await Promise.all(children.splice(0).map((c) => stopProcess(c)));
});
afterAll(async () => {
  await redis?.stop();
  rmSync(BUNDLE, { force: true });
});

describe('Several djust-lite processes sharing Redis', () => {
  it('raises "Chat (1 unread)" in a page held by process B for a message sent on process A', async () => {
    const [a, b] = await Promise.all([startProcess(redis.url), startProcess(redis.url)]);
    const sender = await mount(a as Child);
    const reader = await mount(b as Child);
    // B's SUBSCRIBE may still be on its way right after mount: send until the first one lands.
    let ref = 0;
    const end = Date.now() + 5000;
    while (!reader.messages.some((m) => m.value === 'Chat (1 unread)') && Date.now() < end) {
      ref += 1;
      sender.send({ type: 'event', ref, event: 'send', params: { text: `hello ${ref}` } });
      await sender.eventResult(ref);
      await new Promise((r) => setTimeout(r, 50));
    }
    await titleOf(reader, 'Chat (1 unread)');
    const before = reader.messages.length;
    for (let i = 1; i <= 10; i += 1) {
      ref += 1;
      sender.send({ type: 'event', ref, event: 'send', params: { text: `m${i}` } });
    }
    await reader.waitFor((m) => m.type === 'page_metadata' && m.action === 'title' && m.value === 'Chat (11 unread)', { from: before });
    // A backlog may render once: every patch shows the log grown in order, the last one all ten.
    const logs = reader.messages.slice(before).filter((m) => m.type === 'patch').map((m) => /<p id="label">([^<]*)</.exec(reader.region(m))?.[1] ?? '');
    expect(logs.every((log, i) => i === 0 || log.startsWith(logs[i - 1] as string))).toBe(true);
    expect(logs.at(-1)).toMatch(new RegExp(` ${Array.from({ length: 10 }, (_, i) => `m${i + 1}`).join(' ')}$`));
  }, 40_000);

  it('mounts a page rendered by a process that died on another process (same secret)', async () => {
    const [a, b] = await Promise.all([startProcess(redis.url), startProcess(redis.url)]);
    const page = await fetchPage((b as Child).base, '/chat');
    const onB = await mount(b as Child);
    await stopProcess(b as Child, 'SIGKILL');
    await onB.waitForClose();

    const moved = await WsClient.open((a as Child).base);
    clients.push(moved);
    moved.send({ type: 'mount', token: page.token });
    const mounted = await moved.waitFor((m) => m.type === 'mounted' || m.type === 'error');
    expect(mounted.type).toBe('mounted');
    expect(moved.region()).toContain(`pid ${(a as Child).process.pid}`);
  }, 40_000);

  it('stops at start with an error naming the Redis URL when Redis is not there', async () => {
    const url = `redis://127.0.0.1:${await freePort()}`;
    await expect(startProcess(url, { REDIS_CONNECT_TIMEOUT_MS: '300' })).rejects.toMatchObject({
      exitCode: 1,
      stderr: expect.stringContaining(`cannot reach Redis at ${url} within 300 ms`),
    });
  }, 40_000);

  it('SSE: a page\'s POSTs on either process apply in order; its stream resumes on the other with nothing lost; its holder killed, it ends and gets resume_gap', async () => {
    const [a, b] = (await Promise.all([startProcess(redis.url), startProcess(redis.url)])) as [Child, Child];
    const session = sessionId();
    const { token } = await fetchPage(a.base, '/order');
    const titles = (s: SseStream) => s.messages.filter((m) => m.type === 'page_metadata' && m.action === 'title').map((m) => m.value);
    const first = await SseStream.open(a.base, streamPath(session, token));
    streams.push(first);
    await first.next('mounted');
    for (let n = 1; n <= 6; n += 1) expect((await post(n % 2 ? b.base : a.base, session, { type: 'event', ref: n, event: 'push', params: { n } })).status).toBe(202);
    await first.waitFor(() => titles(first).includes('Order 6'), 'six events');
    expect(titles(first)).toEqual(['Order', 'Order 1', 'Order 2', 'Order 3', 'Order 4', 'Order 5', 'Order 6']);
    const seen = first.events.find((e) => e.data.value === 'Order 3')?.id as string;
    first.close();

    const resumed = await SseStream.open(b.base, streamPath(session, token), { 'Last-Event-ID': seen });
    streams.push(resumed);
    await resumed.waitFor(() => titles(resumed).includes('Order 6'), 'the replay through B');
    expect(titles(resumed)).toEqual(['Order 4', 'Order 5', 'Order 6']);
    expect((await post(a.base, session, { type: 'event', ref: 7, event: 'push', params: { n: 7 } })).status).toBe(202);
    await resumed.waitFor(() => titles(resumed).includes('Order 7'), 'a new event through B');

    await stopProcess(a, 'SIGKILL');
    await resumed.waitFor((s) => s.ended, 'the relayed stream to end', 8000);
    const again = await SseStream.open(b.base, streamPath(session, token), { 'Last-Event-ID': resumed.lastId as string });
    streams.push(again);
    expect((await again.next('error')).code).toBe('resume_gap');
  }, 40_000);

  it('goes on through a Redis restart: each process warns once, delivers in-process meanwhile, then across again', async () => {
    const [a, b] = (await Promise.all([startProcess(redis.url), startProcess(redis.url)])) as [Child, Child];
    const sender = await mount(a);
    const neighbour = await mount(a);
    const reader = await mount(b);
    let ref = 0;
    const say = async (text: string) => {
      ref += 1;
      sender.send({ type: 'event', ref, event: 'send', params: { text } });
      await sender.eventResult(ref);
    };
    // B's SUBSCRIBE may still be on its way right after mount: send until the first one lands.
    for (let end = Date.now() + 5000; !reader.messages.some((m) => m.value === 'Chat (1 unread)') && Date.now() < end;) {
      await say('hello');
      await new Promise((r) => setTimeout(r, 50));
    }
    await titleOf(reader, 'Chat (1 unread)');
    const before = reader.messages.length;

    await redis.stop();
    for (let end = Date.now() + 5000; !a.stderr.join('').includes('lost Redis') && Date.now() < end;) await new Promise((r) => setTimeout(r, 20));
    await say('during the outage');
    await titleOf(neighbour, `Chat (${ref} unread)`); // same process: every message delivered
    expect(a.stderr.join('').match(/lost Redis at/g)).toHaveLength(1);

    await redis.restart();
    // At most once: what A published while Redis was away may or may not have reached B; what it publishes after does.
    for (let end = Date.now() + 10_000; Date.now() < end && !reader.region().includes('after the restart');) {
      await say('after the restart');
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(reader.region()).toContain('after the restart');
    expect(reader.messages.length).toBeGreaterThan(before);
  }, 40_000);
});
