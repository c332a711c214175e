/**
 * The scenarios of issue 23 for `npm run soak -- sec` (bench/soak.ts), each beside a quiet
 * window of the same neighbour measured right before it, and all run twice: on a quiet machine, then with
 * a second process burning one core (started and stopped here, bounded in time):
 * - typed-params flood: 3 connections sending 10,000-element `ids` a schema refuses, inside the
 *   rate budget by bytes (18 frames/s each);
 * - token refresh by navigation: with `tokenTtlMs` 3 s, a client bounces between two views of one
 *   live session for 4.5 s, then mounts the newest token it was given on a new connection;
 * - forwarded junk: two processes sharing a redis-server; 64 KB POSTs with a forged token to
 *   process B for a stream process A holds, 277/s as in the attack; the neighbour is on A;
 * - Redis junk: junk texts PUBLISHed to process A's routing channel.
 * - server restart with a queued submit, SSE and WebSocket (bench/soak-restart.ts: the built
 *   browser client in jsdom), 3 trials each.
 * Every loop is bounded in count and time; every child (servers, redis-server, the burner) is stopped.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import http from 'node:http';
import { createServer } from 'node:net';
import path from 'node:path';
import { createClient } from 'redis';
import type { ServerMessage } from '../lib/contract/protocol';
import { envelope } from '../lib/testing/messages';
import { request } from '../lib/testing/page';
import { openSseStream } from '../lib/testing/sse';
import { WebSocketChannel, webSocketUrl } from '../lib/testing/websocket';
import { flood, pageToken, type FloodResult } from './soak-clients';
import { startNeighbour, type NeighbourWindow } from './soak-probes';
import { restartTrials } from './soak-restart';
import { ServerProcess, type StartOptions } from './spawn';

type Goal = (name: string, figure: string, pass: boolean) => void;

export interface SecSpec {
  durationMs: number;
  quietMs: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const ms = (n: number): string => `${n.toFixed(1)} ms`;

function startServer(name: string, options: Record<string, unknown>, env: Record<string, string> = {}): Promise<ServerProcess> {
  const ts = __filename.endsWith('.ts');
  const start: StartOptions = {
    nodeFlags: ts ? ['-r', 'ts-node/register/transpile-only'] : [],
    env: { SOAK_OPTIONS: JSON.stringify({ maxConnectionsPerClient: 100_000, ...options }), TS_NODE_PROJECT: path.join(__dirname, '..', 'tsconfig.json'), ...env },
    startTimeoutMs: 60_000,
  };
  return ServerProcess.start(name, path.join(__dirname, ts ? 'soak-server.ts' : 'soak-server.js'), start);
}

async function stats(server: ServerProcess): Promise<Record<string, unknown> | null> {
  const res = await request(`${server.base}/soak/stats`, { agent: false, timeoutMs: 10_000 }).catch(() => null);
  return res?.status === 200 ? (JSON.parse(res.body) as Record<string, unknown>) : null;
}

/** The server's CPU over a window, % of one core. */
async function cpuOf(server: ServerProcess, run: () => Promise<void>): Promise<number> {
  const at = performance.now();
  const before = (await server.cpu()).micros;
  await run();
  return Math.round((((await server.cpu()).micros - before) / ((performance.now() - at) * 1000)) * 100);
}

export interface Row {
  name: string;
  neighbour: NeighbourWindow;
  quiet: NeighbourWindow;
  serverCpu: number;
  detail: string;
}

/** Typed-params flood: three flooders beside the neighbour, each inside the byte budget. */
async function typedParams(spec: SecSpec): Promise<Row> {
  const server = await startServer('soak sec typed', {});
  const neighbour = await startNeighbour(server.base);
  try {
    await neighbour.measure(300);
    const quiet = await neighbour.measure(spec.quietMs);
    const frame = JSON.stringify({ type: 'event', ref: null, event: 'pick', params: { ids: Array.from({ length: 10_000 }, () => '1') } });
    const token = await pageToken(server.base, '/typed');
    let results: FloodResult[] = [];
    let window!: NeighbourWindow;
    const serverCpu = await cpuOf(server, async () => {
      const running = Promise.all([0, 1, 2].map(() => flood({ base: server.base, token, url: '/typed', frame: () => frame, ratePerSec: 18, durationMs: spec.durationMs + 200, maxFrames: 1e5, maxReconnects: 100 })));
      await sleep(200);
      window = await neighbour.measure(spec.durationMs);
      results = await running;
    });
    const errors: Record<string, number> = {};
    for (const r of results) for (const [code, n] of Object.entries(r.errors)) errors[code] = (errors[code] ?? 0) + n;
    return { name: 'typed params: 3 connections × 18 frames/s of 10,000 ids (40 KB)', neighbour: window, quiet, serverCpu, detail: `${results.reduce((n, r) => n + r.frames, 0)} frames, answers ${JSON.stringify(errors)}` };
  } finally {
    await neighbour.stop();
    await server.stop();
  }
}

/** Token refresh by navigation: is a token handed out by live navigation still good after tokenTtlMs from the first render? */
async function tokenRefresh(): Promise<{ refused: boolean; detail: string }> {
  const ttl = 3000;
  const server = await startServer('soak sec token refresh', { tokenTtlMs: ttl });
  try {
    const first = await pageToken(server.base, '/nav/a');
    let latest = first;
    let navigations = 0;
    const channel = new WebSocketChannel(webSocketUrl(server.base), {
      message: (m: ServerMessage) => {
        if (m.type === 'navigate' && typeof (m as { token?: unknown }).token === 'string') {
          latest = (m as { token: string }).token;
          navigations += 1;
        }
      },
    }, { timeoutMs: 5000 });
    await channel.opened;
    channel.send(envelope.mount(first, '/nav/a'));
    const started = performance.now();
    for (let ref = 1; performance.now() - started < ttl + 1500 && ref < 100; ref += 1) {
      await sleep(400);
      channel.send({ type: 'params', ref, url: ref % 2 ? '/nav/b' : '/nav/a', pop: false });
    }
    await channel.close(1000, 'done');
    const answers: ServerMessage[] = [];
    const fresh = new WebSocketChannel(webSocketUrl(server.base), { message: (m: ServerMessage) => void answers.push(m) }, { timeoutMs: 5000 });
    await fresh.opened;
    fresh.send(envelope.mount(latest, '/nav/a'));
    for (let i = 0; i < 100 && answers.length === 0; i += 1) await sleep(20);
    await fresh.close(1000, 'done');
    const answer = answers[0];
    const refused = answer?.type === 'error' && (answer.code === 'token_expired' || answer.code === 'bad_token');
    return { refused, detail: `${navigations} navigations in ${((ttl + 1500) / 1000).toFixed(1)} s; mounting the newest token ${ttl + 1500} ms after the render: ${answer?.type === 'error' ? answer.code : (answer?.type ?? 'no answer')}` };
  } finally {
    await server.stop();
  }
}

/** A port free on 127.0.0.1 right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

async function startRedis(): Promise<{ url: string; child: ChildProcess }> {
  const binary = process.env.REDIS_SERVER ?? '/usr/bin/redis-server';
  if (!existsSync(binary)) throw new Error(`${binary} not found: the Redis scenarios need it (apt-get install -y redis-server, or set REDIS_SERVER).`);
  const port = await freePort();
  const child = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const url = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i += 1) {
    const probe = createClient({ url });
    probe.on('error', () => undefined);
    const ok = await probe.connect().then(() => true, () => false);
    if (ok) {
      await probe.close();
      return { url, child };
    }
    await sleep(25);
  }
  child.kill('SIGKILL');
  throw new Error(`redis-server did not listen on ${url}`);
}

/** Forwarded junk and Redis junk: two processes on one redis-server; the neighbour on A. */
async function redisScenarios(spec: SecSpec): Promise<{ forwarded: Row; junk: Row; connected: boolean; ignored: number; slowBodyMs: number }> {
  const redis = await startRedis();
  const a = await startServer('soak sec A', {}, { SOAK_REDIS_URL: redis.url });
  const b = await startServer('soak sec B', {}, { SOAK_REDIS_URL: redis.url });
  const neighbour = await startNeighbour(a.base);
  const publisher = createClient({ url: redis.url });
  try {
    await publisher.connect();
    await sleep(500); // both adapters connected
    await neighbour.measure(300);
    // A stream held by A, and a forged token for it (its body signed, its MAC not).
    const token = await pageToken(a.base, '/echo?c=held');
    const id = `soak-held-${process.pid}`;
    const held = openSseStream(`${a.base}/djust/sse/${id}?token=${encodeURIComponent(token)}&url=${encodeURIComponent('/echo?c=held')}`, { record: () => undefined });
    await held.response;
    const forged = `${token.slice(0, token.indexOf('.'))}.${'A'.repeat(43)}`;
    const body = JSON.stringify({ type: 'event', ref: 1, event: 'ok', params: { pad: 'x'.repeat(64 * 1024 - 80) } });
    const statuses: Record<string, number> = {};
    const quiet = await neighbour.measure(spec.quietMs);
    let forwardedWindow!: NeighbourWindow;
    const forwardedCpu = await cpuOf(a, async () => {
      let stop = false;
      // The attack's rate: 277 POSTs/s over 8 clients (issue 23, row 7).
      const started = performance.now();
      let sent = 0;
      const worker = async () => {
        for (let i = 0; !stop && i < 1e6; i += 1) {
          const due = ((performance.now() - started) * 277) / 1000 - sent;
          if (due < 1) {
            await sleep(2);
            continue;
          }
          sent += 1;
          const res = await request(`${b.base}/djust/sse/${id}/message`, { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-djust-token': forged }, agent: false, timeoutMs: 10_000 }).catch(() => null);
          const key = String(res?.status ?? 'failed');
          statuses[key] = (statuses[key] ?? 0) + 1;
        }
      };
      const workers = Array.from({ length: 8 }, worker);
      forwardedWindow = await neighbour.measure(spec.durationMs);
      stop = true;
      await Promise.all(workers);
    });
    // A slow body for a stream nobody holds, through B: answered before the body arrives?
    const slowStarted = performance.now();
    const slowBodyMs = await new Promise<number>((resolve) => {
      const req = http.request(`${b.base}/djust/sse/soak-nobody-${process.pid}/message`, {
        method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'content-length': '1000', 'x-djust-token': token },
      }, (res) => {
        res.resume();
        resolve(performance.now() - slowStarted);
        req.destroy();
      });
      req.on('error', () => resolve(Number.NaN));
      req.write('{"type":');
      setTimeout(() => (req.destroy(), resolve(Number.POSITIVE_INFINITY)), 12_000);
    });
    const channel = String((await stats(a))?.channel ?? '');
    const quietBeforeJunk = await neighbour.measure(spec.quietMs);
    let junkWindow!: NeighbourWindow;
    let published = 0;
    const junkCpu = await cpuOf(a, async () => {
      let stop = false;
      const junk = ['null', '[]', '42', 'not json', '{"k":"ack"}', '{"k":"fwd","r":1}', '{}'];
      const pump = async () => {
        for (let i = 0; !stop && i < 1e7; i += 1) {
          await Promise.all(Array.from({ length: 50 }, (_, j) => publisher.publish(channel, junk[(i + j) % junk.length] as string)));
          published += 50;
          await sleep(10); // about 5,000 texts/s
        }
      };
      const pumping = pump();
      junkWindow = await neighbour.measure(spec.durationMs);
      stop = true;
      await pumping;
    });
    await sleep(200);
    const after = (await stats(a)) as { redis?: { connected: boolean; ignored: number } } | null;
    held.req.destroy();
    return {
      forwarded: { name: 'forwarded junk: 277 × 64 KB POSTs/s with a forged token to B, stream on A', neighbour: forwardedWindow, quiet, serverCpu: forwardedCpu, detail: `answers ${JSON.stringify(statuses)}` },
      junk: { name: `Redis junk: ${published} texts PUBLISHed to A's channel`, neighbour: junkWindow, quiet: quietBeforeJunk, serverCpu: junkCpu, detail: `A: connected ${after?.redis?.connected}, ignored ${after?.redis?.ignored}` },
      connected: after?.redis?.connected === true,
      ignored: after?.redis?.ignored ?? 0,
      slowBodyMs,
    };
  } finally {
    await publisher.close().catch(() => undefined);
    await neighbour.stop();
    await a.stop();
    await b.stop();
    redis.child.kill('SIGKILL');
  }
}

/** A second process burning one core for at most `maxMs`; `stop()` ends it. */
function burner(maxMs: number): { stop: () => void } {
  const child = spawn(process.execPath, ['-e', `const end = Date.now() + ${Math.round(maxMs)}; while (Date.now() < end) {}`], { stdio: 'ignore' });
  const timer = setTimeout(() => child.kill('SIGKILL'), maxMs + 1000);
  return { stop: () => (clearTimeout(timer), child.kill('SIGKILL')) };
}

/** Runs every scenario once on a quiet machine and once beside a core-burning process; reports both side by side. */
export async function runSec(spec: SecSpec, goal: Goal): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const load of ['quiet machine', 'a second process burning one core'] as const) {
    const burn = load === 'quiet machine' ? null : burner(10 * 60_000);
    try {
      const typed = await typedParams(spec);
      const refresh = await tokenRefresh();
      const redis = await redisScenarios(spec);
      const restart = await restartTrials(3);
      out[load] = { typed, refresh, redis, restart };
      console.log(`\nissue 23 scenarios, ${load}:`);
      console.log('| scenario | neighbour quiet p99 | under it p99 | ratio | server CPU | detail |');
      console.log('|---|---|---|---|---|---|');
      for (const row of [typed, redis.forwarded, redis.junk]) {
        const ratio = row.neighbour.p99 / row.quiet.p99;
        console.log(`| ${row.name} | ${ms(row.quiet.p99)} | ${ms(row.neighbour.p99)} | ${ratio.toFixed(2)}× | ${row.serverCpu} % | ${row.detail} |`);
        goal(`${load}: ${row.name}: neighbour p99 ≤ 2× quiet`, `${ms(row.neighbour.p99)} vs ${ms(row.quiet.p99)} (${ratio.toFixed(2)}×)`, ratio <= 2 && row.neighbour.errors === 0 && !row.neighbour.closed);
      }
      console.log(`token refresh by navigation: ${refresh.detail}`);
      goal(`${load}: a token from live navigation older than tokenTtlMs is refused`, refresh.detail, refresh.refused);
      goal(`${load}: Redis junk: no outage reported, junk counted`, `connected ${redis.connected}, ignored ${redis.ignored}`, redis.connected && redis.ignored > 0);
      goal(`${load}: slow POST body for a stream nobody holds answered before it arrives`, ms(redis.slowBodyMs), redis.slowBodyMs < 1000);
      for (const transport of ['sse', 'websocket'] as const) {
        const r = restart[transport];
        console.log(`server restart with a queued submit, ${transport}: ${r.delivered}/${r.trials} applied after the re-mount (${r.ms.join(', ')} ms after the submit)${r.notes.length ? `; lost: ${r.notes.join('; ')}` : ''}`);
        goal(`${load}: server restart with a queued submit (${transport}): 0 lost`, `${r.delivered}/${r.trials} applied`, r.delivered === r.trials);
      }
    } finally {
      burn?.stop();
    }
  }
  return out;
}
