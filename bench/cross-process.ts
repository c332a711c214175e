/**
 * Cross-process broadcast through Redis: `npx ts-node --transpile-only bench/cross-process.ts`
 * (env SUBSCRIBERS, default 1000; ROUNDS, default 30). Starts a redis-server on a free port and
 * two djust-lite processes (the multi-process tests' chat fixture), spreads the subscribers over
 * them, and measures from a chat message sent on process A to the last subscriber's
 * "Chat (N unread)" title: p50/p99 over ROUNDS messages one at a time, then messages/s for 100
 * messages sent back to back. The same with one process, with Redis and with the in-memory
 * default, for comparison. Then SSE: an event POSTed to the process holding the stream vs to
 * the other one (forwarded through Redis), p50/p99 from the POST to the patch on the stream.
 * Every process, socket and server it starts is closed at the end, on an error, on
 * SIGINT/SIGTERM/SIGHUP, and when the run outlives CROSS_TIMEOUT_MS (default 300000: then it
 * names the step it was in and exits 1); every wait has its own bound (STEP_TIMEOUT_MS, 15000).
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
const RUN_TIMEOUT_MS = Number(process.env.CROSS_TIMEOUT_MS ?? 300_000);
const STEP_TIMEOUT_MS = Number(process.env.STEP_TIMEOUT_MS ?? 15_000);

// ---- everything this run started, stopped whatever way it ends --------------------------------
const children = new Set<ChildProcess>();
let redis: RedisServer | null = null;
/** What the run is doing now (named when a bound is hit). */
let step = 'starting';

const log = (message: string): void => void process.stderr.write(`[cross-process] ${message}\n`);

/** Kills every child and redis-server at once (synchronous: safe in 'exit' and signal handlers). */
function killEverything(): void {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  children.clear();
  void redis?.stop(); // sends SIGKILL synchronously; the exit is not awaited here
  redis = null;
  rmSync(BUNDLE, { force: true });
}
process.on('exit', killEverything);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    log(`${signal} during "${step}": stopping redis-server and every djust-lite process`);
    killEverything();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  });
}

/** `promise`, or a rejection naming `what` after `ms`. */
function within<T>(promise: Promise<T>, what: string, ms = STEP_TIMEOUT_MS): Promise<T> {
  let timer!: NodeJS.Timeout;
  const expired = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms)));
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

interface Peer {
  channel: WebSocketChannel;
  unread: number;
}

function startProcess(env: Record<string, string>): Promise<{ child: ChildProcess; base: string }> {
  const child = spawn(process.execPath, [BUNDLE], {
    env: { ...process.env, NODE_PATH: path.join(ROOT, 'node_modules'), DJUST_SECRET: 'bench-secret-shared-by-every-process-0123', DJUST_VIEWS: path.join(ROOT, '__tests__', 'fixtures', 'views'), NODE_ENV: 'production', DJUST_MAX_PER_CLIENT: String(SUBSCRIBERS + 10), DJUST_MAX_EVENTS_PER_SECOND: '1000000', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
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
  try {
    await within(peer.channel.opened, `WebSocket to ${base}`);
    peer.channel.send({ type: 'mount', token });
    await within(ready, `"mounted" from ${base}`);
  } catch (err) {
    peer.channel.terminate();
    throw err;
  }
  return peer;
}

const pct = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;

type Waiting = { target: number; left: number; done: () => void };

/** Subscribers spread over `bases` (round robin), a sender on the first; the two measurements. */
async function measure(bases: string[]): Promise<{ p50: number; p99: number; perSecond: number }> {
  let waiting: Waiting | null = null;
  const onTitle = (peer: Peer) => {
    if (waiting && peer.unread === waiting.target && --waiting.left === 0) waiting.done();
  };
  const peers: Peer[] = [];
  let sender: Peer | null = null;
  try {
    for (let i = 0; i < SUBSCRIBERS; i += 1) peers.push(await connect(bases[i % bases.length] as string, onTitle));
    const from: Peer = (sender = await connect(bases[0] as string, () => {}));
    await new Promise((r) => setTimeout(r, 500)); // every process's SUBSCRIBE is in
    let sent = 0;
    const until = (target: number) => new Promise<void>((done, fail) => {
      const timer = setTimeout(() => fail(new Error(`message ${target}: ${waiting?.left} subscribers still waiting after 30 s`)), 30_000);
      waiting = { target, left: peers.length, done: () => (clearTimeout(timer), done()) };
    });
    const send = () => from.channel.send({ type: 'event', ref: ++sent, event: 'send', params: { text: `m${sent}` } });
    const latencies: number[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      const arrived = until(sent + 1);
      const start = process.hrtime.bigint();
      send();
      await arrived;
      latencies.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
    const burst = 100;
    const arrived = until(sent + burst);
    const start = process.hrtime.bigint();
    for (let i = 0; i < burst; i += 1) send();
    await arrived;
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    latencies.sort((x, y) => x - y);
    return { p50: pct(latencies, 50), p99: pct(latencies, 99), perSecond: burst / seconds };
  } finally {
    await Promise.all([...peers, ...(sender ? [sender] : [])].map((p) => within(p.channel.close(), 'closing a WebSocket').catch(() => p.channel.terminate())));
  }
}

/** POST → patch on the stream, `events` one at a time, each POST sent to `postTo`; the stream is on `streamOn`. */
async function ssePostLatency(streamOn: string, postTo: string, events: number): Promise<{ p50: number; p99: number }> {
  const session = `bench-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
  const { token } = await fetchPage(streamOn, '/order');
  let wake: ((ref: number) => void) | null = null;
  let refused: ((err: Error) => void) | null = null;
  let mounted!: () => void;
  const ready = new Promise<void>((r) => (mounted = r));
  let closed: (() => void) | null = null;
  const dropped = new Promise<never>((_, reject) => (closed = () => reject(new Error(`the SSE stream on ${streamOn} closed`))));
  dropped.catch(() => {});
  const stream = openSseStream(sseStreamUrl(streamOn, '/djust', session, { token }), {
    record: (record) => {
      const m = record.message as { type?: string; ref?: number } | undefined;
      if (m?.type === 'mounted') mounted();
      if ((m?.type === 'patch' || m?.type === 'reply') && typeof m.ref === 'number') wake?.(m.ref);
      // an error answer (e.g. rate_limited) ends the wait at once instead of at its bound
      if (record.message?.type === 'error') refused?.(new Error(`the server answered ${record.data}`));
    },
    closed: () => closed?.(),
  }, { timeoutMs: STEP_TIMEOUT_MS });
  try {
    const res = await stream.response;
    if (res.statusCode !== 200) throw new Error(`the SSE stream on ${streamOn} answered ${res.statusCode}`);
    await within(Promise.race([ready, dropped]), `"mounted" on the SSE stream of ${streamOn}`);
    const latencies: number[] = [];
    for (let ref = 1; ref <= events; ref += 1) {
      const patched = new Promise<void>((resolve, reject) => {
        wake = (r) => r === ref && resolve();
        refused = reject;
      });
      const start = process.hrtime.bigint();
      const answer = await postEnvelope(postTo, '/djust', session, token, { type: 'event', ref, event: 'push', params: { n: ref } }, { agent: keepAlive, timeoutMs: STEP_TIMEOUT_MS });
      if (answer.status !== 202) throw new Error(`POST answered ${answer.status}: ${answer.body}`);
      await within(Promise.race([patched, dropped]), `the patch of event ${ref} on the SSE stream (POSTed to ${postTo === streamOn ? 'the same process' : 'the other process'})`);
      latencies.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
    latencies.sort((x, y) => x - y);
    return { p50: pct(latencies, 50), p99: pct(latencies, 99) };
  } finally {
    closed = null;
    stream.req.destroy();
  }
}

const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 4 });

async function main(): Promise<void> {
  const deadline = setTimeout(() => {
    log(`still in "${step}" after ${RUN_TIMEOUT_MS} ms (CROSS_TIMEOUT_MS): giving up; redis-server and every process stopped`);
    killEverything();
    process.exit(1);
  }, RUN_TIMEOUT_MS);
  deadline.unref();
  step = 'bundling the chat process';
  await build({ entryPoints: [path.join(ROOT, '__tests__', 'redis', 'fixtures', 'chat-process.ts')], bundle: true, platform: 'node', target: 'node20', packages: 'external', outfile: BUNDLE, logLevel: 'error', define: { __dirname: JSON.stringify(path.join(ROOT, 'lib', 'http')) } });
  step = 'starting redis-server';
  redis = await RedisServer.start();
  const url = redis.url;
  try {
    const rows: string[] = [];
    for (const [processes, pubsub] of [[1, 'memory'], [1, 'redis'], [2, 'redis']] as const) {
      step = `broadcast, ${processes} process(es), ${pubsub}`;
      log(step);
      const started = await Promise.all(Array.from({ length: processes }, () => startProcess({ REDIS_URL: url, DJUST_PUBSUB: pubsub })));
      try {
        const r = await measure(started.map((s) => s.base));
        rows.push(`| ${processes} process${processes > 1 ? 'es' : ''}, ${pubsub === 'memory' ? 'in-memory' : 'Redis'} | ${SUBSCRIBERS} | ${r.p50.toFixed(2)} / ${r.p99.toFixed(2)} ms | ${r.perSecond.toFixed(0)} messages/s (${(r.perSecond * SUBSCRIBERS).toFixed(0)} deliveries/s) |`);
      } finally {
        for (const s of started) s.child.kill('SIGTERM');
      }
    }
    console.log(`| | subscribers | message → last subscriber's title p50 / p99 | 100 messages back to back |\n|---|---|---|---|\n${rows.join('\n')}`);

    step = 'SSE: starting two processes';
    log(step);
    const [a, b] = await Promise.all([startProcess({ REDIS_URL: url }), startProcess({ REDIS_URL: url })]) as [{ child: ChildProcess; base: string }, { child: ChildProcess; base: string }];
    step = 'SSE: POST to the process holding the stream';
    log(step);
    const direct = await ssePostLatency(a.base, a.base, 300);
    step = 'SSE: POST to the other process (forwarded through Redis)';
    log(step);
    const routed = await ssePostLatency(a.base, b.base, 300);
    console.log(`\n| SSE, 300 events one at a time | POST → patch p50 / p99 |\n|---|---|\n| POST to the process holding the stream | ${direct.p50.toFixed(2)} / ${direct.p99.toFixed(2)} ms |\n| POST to the other process (forwarded through Redis) | ${routed.p50.toFixed(2)} / ${routed.p99.toFixed(2)} ms |`);
  } finally {
    keepAlive.destroy();
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await redis?.stop();
    redis = null;
    rmSync(BUNDLE, { force: true });
    clearTimeout(deadline);
  }
}

main().then(() => process.exit(0), (err: unknown) => {
  log(`failed during "${step}": ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1); // the 'exit' handler stops whatever is still running
});
