/**
 * The four scenarios of issue 13's figures, each against a bench/soak-server.ts child that the
 * caller started (bench/soak.ts with full sizes, __tests__/soak.test.ts with small ones):
 * freeze, floods next to a neighbour, exactly once in order, fuzz. Each returns plain data;
 * nothing here asserts or judges timing.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { MemSample, ServerProcess, StartOptions } from './spawn';
import { ServerProcess as Spawn, machineBusyMicros } from './spawn';
import { flood, pageToken, subscribe, type FloodResult } from './soak-clients';
import { subscribeInChild } from './soak-subscribers';
import { fuzzFrames, fuzzSse, fuzzWebSocket, type FuzzResult } from './soak-fuzz';
import { exactlyOnce, type OrderResult, type OrderSpec } from './soak-order';
import { startNeighbour, startProber, type NeighbourWindow, type ProbeResult } from './soak-probes';
import { envelope } from '../lib/testing/messages';
import { request } from '../lib/testing/page';
import type { ServerDiag } from './soak-diag';

/** What the child counted (GET /soak/stats). */
export interface ServerStats {
  unhandledRejections: number;
  uncaughtExceptions: number;
  errorsLogged: number;
  warningsLogged: number;
  firstProblems: string[];
  connections: number;
  /** Longest event-loop delay in the server since the last reset, ms. */
  loopDelayMaxMs: number;
  /** GC, run-queue waits and loop delay since the last reset (bench/soak-diag.ts). */
  diag?: ServerDiag;
}

/**
 * Forks bench/soak-server (compiled .js next to this file, or the .ts through ts-node under
 * jest) with djust-lite options `options` (JSON) on top of the shipped defaults.
 */
export function startSoakServer(name: string, options: Record<string, unknown> = {}): Promise<ServerProcess> {
  const ts = __filename.endsWith('.ts');
  const script = path.join(__dirname, ts ? 'soak-server.ts' : 'soak-server.js');
  if (!fs.existsSync(script)) throw new Error(`soak: ${script} is missing (run through bench/soak.sh, which compiles it)`);
  const start: StartOptions = {
    nodeFlags: ts ? ['-r', 'ts-node/register/transpile-only'] : [],
    env: { SOAK_OPTIONS: JSON.stringify(options), TS_NODE_PROJECT: path.join(__dirname, '..', 'tsconfig.json') },
    startTimeoutMs: 60_000,
  };
  return Spawn.start(name, script, start);
}

/** The child's counts; null when it does not answer (crashed or frozen for 10 s). */
export async function serverStats(server: ServerProcess, reset = false): Promise<ServerStats | null> {
  try {
    const res = await request(`${server.base}/soak/stats${reset ? '?reset=1' : ''}`, { agent: false, timeoutMs: 10_000 });
    return res.status === 200 ? (JSON.parse(res.body) as ServerStats) : null;
  } catch {
    return null;
  }
}

/** Resolves once the server reports at most `n` live connections (or after `timeoutMs`). */
export async function settle(server: ServerProcess, n = 0, timeoutMs = 10_000): Promise<number> {
  const end = performance.now() + timeoutMs;
  let seen = -1;
  while (performance.now() < end) {
    seen = (await serverStats(server))?.connections ?? -1;
    if (seen >= 0 && seen <= n) return seen;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return seen;
}

/** CPU over a window, in % of one core: the server, this process (with its workers), and everything else on the machine. */
export interface CpuShare {
  server: number;
  harness: number;
  other: number;
  /** The server's CPU time in the window, µs. */
  serverMicros: number;
}

/** Starts measuring; the returned function ends the window. Other = machine busy − server − harness. */
async function cpuMeter(server: ServerProcess): Promise<() => Promise<CpuShare>> {
  const at = performance.now();
  const s0 = (await server.cpu()).micros;
  const h0 = process.cpuUsage();
  const m0 = machineBusyMicros();
  return async () => {
    const wall = (performance.now() - at) * 1000;
    const s = (await server.cpu()).micros - s0;
    const h1 = process.cpuUsage(h0);
    const h = h1.user + h1.system;
    const m1 = machineBusyMicros();
    const m = m0 !== null && m1 !== null ? m1 - m0 : Number.NaN;
    const pct = (micros: number): number => Math.round((micros / wall) * 100);
    return { server: pct(s), harness: pct(h), other: pct(Math.max(0, m - s - h)), serverMicros: s };
  };
}

export interface FreezeSpec {
  frames: number;
  /** How long the pending handler holds the queue. */
  holdMs: number;
  maxReconnects: number;
  timeoutMs: number;
}

export interface FreezeResult {
  probe: ProbeResult;
  flood: FloodResult;
  /** Did the server still answer /ping after the flood? */
  answersAfter: boolean;
  /** The server's own longest event-loop delay during the flood and the hold, ms. */
  serverLoopDelayMaxMs: number;
  cpu: CpuShare;
  /** The server's GC pauses, run-queue waits and loop delay over the flood and the hold (bench/soak-diag.ts). */
  diag?: ServerDiag | undefined;
}

/**
 * One client mounts, starts `hold {ms}` (a pending async handler), then sends `frames` 7-byte
 * junk frames (`{"x":1}`, a `bad_message` each) as fast as its socket takes them, reconnecting
 * (and holding again) each time the rate limit closes it. Meanwhile the prober GETs /ping every
 * ~5 ms; it runs from before the flood until the hold is over and 300 ms more.
 */
export async function freeze(server: ServerProcess, spec: FreezeSpec): Promise<FreezeResult> {
  const token = await pageToken(server.base, '/echo?c=freeze');
  const prober = startProber(server.base, 5, spec.timeoutMs + spec.holdMs + 30_000);
  await new Promise((resolve) => setTimeout(resolve, 200));
  await serverStats(server, true);
  const meter = await cpuMeter(server);
  const started = performance.now();
  const result = await flood({
    base: server.base, token, url: '/echo?c=freeze', frame: () => '{"x":1}', setup: [envelope.event(1, 'hold', { ms: spec.holdMs })],
    ratePerSec: Infinity, durationMs: spec.timeoutMs, maxFrames: spec.frames, maxReconnects: spec.maxReconnects,
  });
  const rest = spec.holdMs + 300 - (performance.now() - started);
  if (rest > 0) await new Promise((resolve) => setTimeout(resolve, rest));
  const probe = await prober.stop();
  const cpu = await meter();
  const stats = await serverStats(server, true);
  const answersAfter = (await request(`${server.base}/ping`, { agent: false, timeoutMs: 10_000 }).catch(() => null))?.status === 200;
  return { probe, flood: result, answersAfter, serverLoopDelayMaxMs: stats?.loopDelayMaxMs ?? Number.NaN, cpu, diag: stats?.diag };
}

export interface FloodRow {
  name: string;
  neighbour: NeighbourWindow;
  flood: FloodResult;
  /** Chat only: pushes (patches) the subscribers received. */
  fanOutPatches?: number;
  /** Chat only: messages the subscribers' views applied in the window (their titles' counts; one patch may carry several). */
  fanOutApplied?: number;
  /** Chat only, subscribers in a child process (bench/soak-subscribers.ts): that process's CPU over the window, % of a core (counted in `cpu.other`). */
  subscribersCpu?: number;
  /** The server's longest event-loop delay during the window, ms. */
  serverLoopDelayMaxMs: number;
  cpu: CpuShare;
}

/** A window of the neighbour with what the server and the machine did meanwhile. */
export interface Measured {
  neighbour: NeighbourWindow;
  serverLoopDelayMaxMs: number;
  cpu: CpuShare;
  /** The server's GC pauses, run-queue waits and loop delay over the window (bench/soak-diag.ts). */
  diag?: ServerDiag | undefined;
}

export interface FloodsResult {
  quiet: Measured;
  rows: FloodRow[];
  quietAfter: Measured;
}

export interface FloodsSpec {
  durationMs: number;
  quietMs: number;
  subscribers: number;
  maxReconnects: number;
  /** Names of the floods to run (all by default). */
  only?: string[];
  /**
   * Where the chat subscribers' clients run: in this process (`subscribe`, lib/testing's client;
   * the default) or in a child process of their own (`subscribeInChild`), so the harness process
   * holds only the neighbour.
   */
  subscribersIn?: 'harness' | 'child';
}

const BAD_JSON_30K = `{"type":"event",${'x'.repeat(30 * 1024 - 16)}`;
const PARAMS_37K = JSON.stringify(envelope.event(null, 'ok', { pad: 'x'.repeat(37 * 1024) }));

/** Each flood: what the flooder sends and how fast (the rates where it gave them). */
const FLOODS: { name: string; frame: () => string | Buffer; ratePerSec: number }[] = [
  { name: 'bad JSON 30 KB @1.2k/s', frame: () => BAD_JSON_30K, ratePerSec: 1200 },
  { name: 'params 37 KB @300/s', frame: () => PARAMS_37K, ratePerSec: 300 },
  { name: 'pings @10k/s', frame: () => '{"type":"ping"}', ratePerSec: 10_000 },
  { name: 'valid events @5k/s (budget 200/s)', frame: () => '{"type":"event","ref":null,"event":"ok"}', ratePerSec: 5000 },
  { name: 'binary frames @5k/s', frame: () => Buffer.from('{"x":1}'), ratePerSec: 5000 },
];

/**
 * The neighbour (worker thread) runs a quiet window, then one window under each flood, then a
 * quiet window again. A flood starts 200 ms before the window and ends with it.
 */
export async function floods(server: ServerProcess, spec: FloodsSpec): Promise<FloodsResult> {
  const neighbour = await startNeighbour(server.base);
  const selected = (name: string): boolean => !spec.only || spec.only.some((o) => name.startsWith(o));
  const measure = async (ms: number): Promise<Measured> => {
    await serverStats(server, true);
    const meter = await cpuMeter(server);
    const window = await neighbour.measure(ms);
    const cpu = await meter();
    const stats = await serverStats(server, true);
    return { neighbour: window, serverLoopDelayMaxMs: stats?.loopDelayMaxMs ?? Number.NaN, cpu, diag: stats?.diag };
  };
  try {
    await neighbour.measure(300); // warm-up
    const quiet = await measure(spec.quietMs);
    const rows: FloodRow[] = [];
    for (const f of FLOODS.filter((x) => selected(x.name))) {
      const token = await pageToken(server.base, '/echo?c=flooder');
      const running = flood({ base: server.base, token, url: '/echo?c=flooder', frame: f.frame, ratePerSec: f.ratePerSec, durationMs: spec.durationMs + 200, maxFrames: 1e7, maxReconnects: spec.maxReconnects });
      await new Promise((resolve) => setTimeout(resolve, 200));
      const window = await measure(spec.durationMs);
      rows.push({ name: f.name, ...window, flood: await running });
      await settle(server, 1, 5000);
    }
    const chatName = `chat fan-out: ${spec.subscribers} subscribers, 100 msg/s`;
    if (selected(chatName)) {
      const chatToken = await pageToken(server.base, '/chat');
      const inChild = spec.subscribersIn === 'child' ? await subscribeInChild(server.base, chatToken, spec.subscribers) : null;
      const subs = inChild ?? await subscribe(server.base, chatToken, spec.subscribers);
      try {
        const running = flood({ base: server.base, token: chatToken, url: '/chat', frame: () => '{"type":"event","ref":null,"event":"say","params":{"text":"hello"}}', ratePerSec: 100, durationMs: spec.durationMs + 200, maxFrames: 1e6, maxReconnects: spec.maxReconnects });
        await new Promise((resolve) => setTimeout(resolve, 200));
        await inChild?.refresh();
        const applied = subs.applied();
        const cpu0 = inChild?.cpuMicros() ?? 0;
        const started = performance.now();
        const window = await measure(spec.durationMs);
        const wallMicros = (performance.now() - started) * 1000;
        await inChild?.refresh();
        const subscribersCpu = inChild ? Math.round(((inChild.cpuMicros() - cpu0) / wallMicros) * 100) : undefined;
        rows.push({ name: chatName, ...window, flood: await running, fanOutPatches: subs.received(), fanOutApplied: subs.applied() - applied, ...(subscribersCpu !== undefined && { subscribersCpu }) });
      } finally {
        await subs.close();
      }
      await settle(server, 1, 5000);
    }
    const quietAfter = await measure(spec.quietMs);
    return { quiet, rows, quietAfter };
  } finally {
    await neighbour.stop();
  }
}

export function order(server: ServerProcess, spec: Omit<OrderSpec, 'base'>): Promise<OrderResult> {
  return exactlyOnce({ ...spec, base: server.base });
}

export interface FuzzOutcome {
  ws: FuzzResult;
  sse: FuzzResult;
  /** The server answered GET /ping afterwards (0 crashes). */
  alive: boolean;
  stats: ServerStats | null;
  memBefore: MemSample;
  memAfter: MemSample;
  /** heapUsed after − before, bytes (both after a full GC). */
  heapDelta: number;
}

/**
 * Warms up with `warmUp` frames per transport from another seed (code run for the first time
 * leaves its bytecode on the heap: that is not a leak), takes memory after GC, sends `count`
 * frames per transport from `seed`, waits for the connections to end, and takes memory again.
 */
export async function fuzz(server: ServerProcess, seed: number, count: number, timeoutMs = 120_000, warmUp = 1000): Promise<FuzzOutcome> {
  const token = await pageToken(server.base, '/echo?c=fuzz');
  const warm = fuzzFrames(seed ^ 0x5eed, warmUp);
  await fuzzWebSocket(server.base, token, seed ^ 0x5eed, warm);
  await fuzzSse(server.base, token, seed ^ 0x5eed, warm);
  await settle(server, 0);
  const memBefore = await server.mem();
  const frames = fuzzFrames(seed, count);
  const ws = await fuzzWebSocket(server.base, token, seed, frames, 50, timeoutMs);
  const sse = await fuzzSse(server.base, token, seed, frames, timeoutMs);
  await settle(server, 0);
  const memAfter = await server.mem();
  const alive = (await request(`${server.base}/ping`, { agent: false, timeoutMs: 10_000 }).catch(() => null))?.status === 200;
  return { ws, sse, alive, stats: await serverStats(server), memBefore, memAfter, heapDelta: memAfter.heapUsed - memBefore.heapUsed };
}
