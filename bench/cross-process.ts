/**
 * Cross-process broadcast through Redis: `npx ts-node --transpile-only bench/cross-process.ts`
 * (env SUBSCRIBERS, default 1000; ROUNDS, default 30). Starts a redis-server on a free port and
 * two djust-lite processes (the multi-process tests' chat fixture), spreads the subscribers over
 * them, and measures from a chat message sent on process A to the last subscriber's
 * "Chat (N unread)" title: p50/p99 over ROUNDS messages one at a time, then messages/s for 100
 * messages sent back to back. The same with one process, with Redis and with the in-memory
 * default, for comparison. Then SSE: an event POSTed to the process holding the stream vs to
 * the other one (forwarded through Redis), p50/p99 from the POST to the patch on the stream.
 * Every process, socket and server it starts is closed at the end.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { fetchPage } from '../lib/testing/page';
import { openSseStream, postEnvelope, sseStreamUrl } from '../lib/testing/sse';
import { WebSocketChannel, webSocketUrl } from '../lib/testing/websocket';
import { RedisServer } from '../__tests__/helpers/redis-server';

const ROOT = path.join(__dirname, '..');
const SUBSCRIBERS = Number(process.env.SUBSCRIBERS ?? 1000);
const ROUNDS = Number(process.env.ROUNDS ?? 30);
const BUNDLE = path.join(os.tmpdir(), `djust-bench-process-${process.pid}.js`);

interface Peer {
  channel: WebSocketChannel;
  unread: number;
}

function startProcess(env: Record<string, string>): Promise<{ child: ChildProcess; base: string }> {
  const child = spawn(process.execPath, [BUNDLE], {
    env: { ...process.env, NODE_PATH: path.join(ROOT, 'node_modules'), DJUST_SECRET: 'bench-secret-shared-by-every-process-0123', DJUST_VIEWS: path.join(ROOT, '__tests__', 'fixtures', 'views'), NODE_ENV: 'production', DJUST_MAX_PER_CLIENT: String(SUBSCRIBERS + 10), ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (child.kill('SIGKILL'), reject(new Error('a process did not start within 20 s'))), 20_000);
    child.stdout?.once('data', (chunk: Buffer) => {
      clearTimeout(timer);
      const { port } = JSON.parse(chunk.toString().split('\n', 1)[0] as string) as { port: number };
      resolve({ child, base: `http://127.0.0.1:${port}` });
    });
  });
}

async function connect(base: string, onTitle: (peer: Peer) => void): Promise<Peer> {
  const { token } = await fetchPage(base, '/chat');
  let mounted!: () => void;
  const ready = new Promise<void>((r) => (mounted = r));
  const peer: Peer = {
    unread: 0,
    channel: new WebSocketChannel(webSocketUrl(base), {
      message: (m) => {
        if (m.type === 'mounted') mounted();
        if (m.type === 'page_metadata' && m.action === 'title' && typeof m.value === 'string') {
          const n = /^Chat \((\d+) unread\)$/.exec(m.value);
          if (n) {
            peer.unread = Number(n[1]);
            onTitle(peer);
          }
        }
      },
    }),
  };
  await peer.channel.opened;
  peer.channel.send({ type: 'mount', token });
  await ready;
  return peer;
}

const pct = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;

/** Subscribers spread over `bases` (round robin), a sender on the first; the two measurements. */
async function measure(bases: string[]): Promise<{ p50: number; p99: number; perSecond: number }> {
  let waiting: { target: number; left: number; done: () => void } | null = null;
  const onTitle = (peer: Peer) => {
    if (waiting && peer.unread === waiting.target && --waiting.left === 0) waiting.done();
  };
  const peers: Peer[] = [];
  for (let i = 0; i < SUBSCRIBERS; i += 1) peers.push(await connect(bases[i % bases.length] as string, onTitle));
  const sender = await connect(bases[0] as string, () => {});
  await new Promise((r) => setTimeout(r, 500)); // every process's SUBSCRIBE is in
  let sent = 0;
  const until = (target: number) => new Promise<void>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`message ${target}: ${waiting?.left} subscribers still waiting after 30 s`)), 30_000);
    waiting = { target, left: peers.length, done: () => (clearTimeout(timer), done()) };
  });
  const latencies: number[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    sent += 1;
    const arrived = until(sent);
    const start = process.hrtime.bigint();
    sender.channel.send({ type: 'event', ref: sent, event: 'send', params: { text: `m${sent}` } });
    await arrived;
    latencies.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  const burst = 100;
  const arrived = until(sent + burst);
  const start = process.hrtime.bigint();
  for (let i = 0; i < burst; i += 1) {
    sent += 1;
    sender.channel.send({ type: 'event', ref: sent, event: 'send', params: { text: `m${sent}` } });
  }
  await arrived;
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  await Promise.all([...peers, sender].map((p) => p.channel.close()));
  latencies.sort((x, y) => x - y);
  return { p50: pct(latencies, 50), p99: pct(latencies, 99), perSecond: burst / seconds };
}

/** POST → patch on the stream, `events` one at a time, each POST sent to `postTo`; the stream is on `streamOn`. */
async function ssePostLatency(streamOn: string, postTo: string, events: number): Promise<{ p50: number; p99: number }> {
  const session = `bench-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
  const { token } = await fetchPage(streamOn, '/order');
  let wake: ((ref: number) => void) | null = null;
  let mounted!: () => void;
  const ready = new Promise<void>((r) => (mounted = r));
  const stream = openSseStream(sseStreamUrl(streamOn, '/djust', session, { token }), {
    record: (record) => {
      const m = record.message as { type?: string; ref?: number } | undefined;
      if (m?.type === 'mounted') mounted();
      if ((m?.type === 'patch' || m?.type === 'reply') && typeof m.ref === 'number') wake?.(m.ref);
    },
  });
  await ready;
  const latencies: number[] = [];
  for (let ref = 1; ref <= events; ref += 1) {
    const patched = new Promise<void>((resolve) => (wake = (r) => r === ref && resolve()));
    const start = process.hrtime.bigint();
    const answer = await postEnvelope(postTo, '/djust', session, token, { type: 'event', ref, event: 'push', params: { n: ref } }, { agent: keepAlive });
    if (answer.status !== 202) throw new Error(`POST answered ${answer.status}: ${answer.body}`);
    await patched;
    latencies.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  stream.req.destroy();
  latencies.sort((x, y) => x - y);
  return { p50: pct(latencies, 50), p99: pct(latencies, 99) };
}

const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 4 });

async function main(): Promise<void> {
  await build({ entryPoints: [path.join(ROOT, '__tests__', 'redis', 'fixtures', 'chat-process.ts')], bundle: true, platform: 'node', target: 'node20', packages: 'external', outfile: BUNDLE, logLevel: 'error', define: { __dirname: JSON.stringify(path.join(ROOT, 'lib', 'http')) } });
  const redis = await RedisServer.start();
  const children: ChildProcess[] = [];
  try {
    const rows: string[] = [];
    for (const [processes, pubsub] of [[1, 'memory'], [1, 'redis'], [2, 'redis']] as const) {
      const started = await Promise.all(Array.from({ length: processes }, () => startProcess({ REDIS_URL: redis.url, DJUST_PUBSUB: pubsub })));
      children.push(...started.map((s) => s.child));
      const r = await measure(started.map((s) => s.base));
      rows.push(`| ${processes} process${processes > 1 ? 'es' : ''}, ${pubsub === 'memory' ? 'in-memory' : 'Redis'} | ${SUBSCRIBERS} | ${r.p50.toFixed(2)} / ${r.p99.toFixed(2)} ms | ${r.perSecond.toFixed(0)} messages/s (${(r.perSecond * SUBSCRIBERS).toFixed(0)} deliveries/s) |`);
      for (const s of started) s.child.kill('SIGTERM');
    }
    console.log(`| | subscribers | message → last subscriber's title p50 / p99 | 100 messages back to back |\n|---|---|---|---|\n${rows.join('\n')}`);

    const [a, b] = await Promise.all([startProcess({ REDIS_URL: redis.url }), startProcess({ REDIS_URL: redis.url })]) as [{ child: ChildProcess; base: string }, { child: ChildProcess; base: string }];
    children.push(a.child, b.child);
    const direct = await ssePostLatency(a.base, a.base, 300);
    const routed = await ssePostLatency(a.base, b.base, 300);
    console.log(`\n| SSE, 300 events one at a time | POST → patch p50 / p99 |\n|---|---|\n| POST to the process holding the stream | ${direct.p50.toFixed(2)} / ${direct.p99.toFixed(2)} ms |\n| POST to the other process (forwarded through Redis) | ${routed.p50.toFixed(2)} / ${routed.p99.toFixed(2)} ms |`);
    keepAlive.destroy();
  } finally {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await redis.stop();
    rmSync(BUNDLE, { force: true });
  }
}

main().then(() => process.exit(0), (err: unknown) => {
  console.error(err);
  process.exit(1);
});
