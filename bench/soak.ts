/**
 * `npm run soak [-- freeze floods order fuzz lifted fanout]`: the figures of issue 13 ("No client can hurt
 * another") against djust-lite in a child process on 127.0.0.1, with its shipped limits.
 * Prints a table with each goal as PASS/FAIL and writes bench/results/soak-latest.json.
 * Sizes and knobs: bench/README.md ("Soak"). Every loop is bounded in count and time, and
 * every child is stopped (bench/spawn.ts kills any left on exit).
 */
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { execSync } from 'node:child_process';
import { floods, freeze, fuzz, order, serverStats, startSoakServer, type CpuShare, type FloodsResult, type FreezeResult, type FuzzOutcome, type Measured } from './soak-scenarios';
import type { OrderResult } from './soak-order';
import { liftedFreeze } from './soak-freeze-lifted';
import { fanOutUnderLoad } from './soak-fanout';
import type { ServerProcess } from './spawn';
import { runSec } from './soak-sec';

const env = (name: string, fallback: number): number => (process.env[name] ? Number(process.env[name]) : fallback);
const quick = process.env.SOAK_QUICK === '1';
const SIZES = {
  freezeFrames: env('SOAK_FREEZE_FRAMES', quick ? 50_000 : 200_000),
  holdMs: env('SOAK_HOLD_MS', 4000),
  floodMs: env('SOAK_FLOOD_MS', quick ? 2000 : 5000),
  quietMs: env('SOAK_QUIET_MS', quick ? 2000 : 5000),
  subscribers: env('SOAK_SUBSCRIBERS', 100),
  fanOutBlocks: env('SOAK_FANOUT_BLOCKS', quick ? 2 : 5),
  fanOutBlockMs: env('SOAK_FANOUT_BLOCK_MS', 1000),
  orderWs: env('SOAK_ORDER_WS', quick ? 160 : 800),
  orderSse: env('SOAK_ORDER_SSE', quick ? 40 : 200),
  orderEvents: env('SOAK_ORDER_EVENTS', 100),
  orderWindow: env('SOAK_ORDER_WINDOW', 10),
  fuzzFrames: env('SOAK_FUZZ_FRAMES', quick ? 2000 : 10_000),
  fuzzSeed: env('SOAK_SEED', Date.now() % 2 ** 31),
  heapToleranceBytes: env('SOAK_HEAP_TOLERANCE', 1024 * 1024),
};
const args = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const wanted = (name: string): boolean => args.length === 0 || args.includes(name);

interface Goal {
  name: string;
  figure: string;
  pass: boolean;
}
const goals: Goal[] = [];
const goal = (name: string, figure: string, pass: boolean): void => void goals.push({ name, figure, pass });
const ms = (n: number): string => `${n.toFixed(1)} ms`;

/** The 1-minute load average and the commit, so a noisy run is visible in its JSON. */
function context(): Record<string, unknown> {
  let commit = 'unknown';
  try {
    commit = execSync('git rev-parse --short HEAD', { cwd: process.env.BENCH_ROOT ?? process.cwd(), encoding: 'utf8' }).trim();
  } catch {
    // not a git checkout
  }
  return { date: new Date().toISOString(), commit, node: process.version, cpus: os.cpus().length, loadavg: os.loadavg(), sizes: SIZES };
}

async function withServer<T>(name: string, options: Record<string, unknown>, run: (server: ServerProcess) => Promise<T>): Promise<T> {
  const server = await startSoakServer(name, options);
  try {
    return await run(server);
  } finally {
    await server.stop();
  }
}

/** The shipped defaults, except the per-address caps: every client of the soak is 127.0.0.1. */
const DEFAULTS = { maxConnectionsPerClient: 100_000 };

function reportFreeze(label: string, r: FreezeResult): void {
  console.log(`freeze (${label}): ${r.flood.frames} frames over ${r.flood.connections} connection(s), cut off ${r.flood.cutOff}× in ${ms(r.flood.elapsedMs)}; ` +
    `GET /ping: ${r.probe.requests} answered, ${r.probe.failures} failed, longest without an answer ${ms(r.probe.maxGapMs)} (p99 latency ${ms(r.probe.p99LatencyMs)}); ` +
    `server's longest event-loop delay ${ms(r.serverLoopDelayMaxMs)}; CPU server / harness / other ${cpuText(r.cpu)}`);
  goal(`freeze, ${label}: longest time without an HTTP answer ≤ 100 ms`, ms(r.probe.maxGapMs), r.probe.maxGapMs <= 100 && r.probe.failures === 0 && r.answersAfter);
}

const cpuText = (c: CpuShare): string => `${c.server} / ${c.harness} / ${c.other} %`;

function reportFloods(r: FloodsResult): void {
  const quiet = r.quiet.neighbour;
  const q = quiet.p99;
  console.log(`neighbour quiet: p50 ${ms(quiet.p50)} p99 ${ms(q)} max ${ms(quiet.max)} (${quiet.count} round trips); after the floods p99 ${ms(r.quietAfter.neighbour.p99)}`);
  console.log('| window | neighbour p50 | p99 | max | p99 / quiet | round trips | server loop delay max | CPU server / harness / other | flood frames | cut off |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  const line = (name: string, m: Measured, extra: string): void => {
    const n = m.neighbour;
    console.log(`| ${name} | ${ms(n.p50)} | ${ms(n.p99)} | ${ms(n.max)} | ${(n.p99 / q).toFixed(2)}× | ${n.count} | ${ms(m.serverLoopDelayMaxMs)} | ${cpuText(m.cpu)} | ${extra} |`);
  };
  line('quiet', r.quiet, '– | –');
  for (const row of r.rows) {
    const n = row.neighbour;
    const ratio = n.p99 / q;
    line(row.name, row, `${row.flood.frames}${row.fanOutPatches !== undefined ? ` (${row.fanOutPatches} pushes received)` : ''} | ${row.flood.cutOff}`);
    goal(`flood ${row.name}: neighbour p99 ≤ 2× quiet`, `${ms(n.p99)} vs ${ms(q)} (${ratio.toFixed(2)}×)`, ratio <= 2 && n.errors === 0 && !n.closed);
  }
  line('quiet again', r.quietAfter, '– | –');
}

function reportOrder(r: OrderResult): void {
  console.log(`exactly once: ${r.ws} WS + ${r.sse} SSE connections × ${r.eventsSent / Math.max(1, r.connections)} events (window ${SIZES.orderWindow}); ` +
    `${r.responsesOk} responses and ${r.titlesOk} titles in order, ${r.violations} violations, ${r.incomplete} incomplete; opened in ${ms(r.openMs)}, ran in ${ms(r.runMs)}`);
  for (const s of r.samples) console.log(`  violation: ${s}`);
  const expected = r.connections * SIZES.orderEvents;
  goal(`exactly once, in order: ${r.connections} connections × ${SIZES.orderEvents} events`, `${r.responsesOk}/${expected} responses, ${r.titlesOk}/${expected} titles, ${r.violations} violations`,
    r.violations === 0 && r.incomplete === 0 && r.responsesOk === expected && r.titlesOk === expected);
}

function reportFuzz(r: FuzzOutcome): void {
  for (const t of [r.ws, r.sse]) {
    console.log(`fuzz ${t.transport}: ${t.frames} frames (seed ${t.seed}) in ${ms(t.elapsedMs)}, ${t.connections} connection(s); errors ${JSON.stringify(t.errors)}; ${JSON.stringify(t.statuses)}`);
  }
  const s = r.stats;
  console.log(`fuzz: server alive ${r.alive}; unhandled rejections ${s?.unhandledRejections ?? '?'}, uncaught ${s?.uncaughtExceptions ?? '?'}, errors logged ${s?.errorsLogged ?? '?'}; ` +
    `heap after GC ${(r.memBefore.heapUsed / 1048576).toFixed(2)} → ${(r.memAfter.heapUsed / 1048576).toFixed(2)} MiB (Δ ${(r.heapDelta / 1024).toFixed(0)} KiB), RSS ${(r.memBefore.rss / 1048576).toFixed(1)} → ${(r.memAfter.rss / 1048576).toFixed(1)} MiB`);
  for (const p of s?.firstProblems ?? []) console.log(`  server: ${p}`);
  if (!r.alive || (s?.unhandledRejections ?? 1) > 0 || (s?.uncaughtExceptions ?? 1) > 0) console.log(`  replay with SOAK_SEED=${r.ws.seed}`);
  goal(`fuzz ${r.ws.frames} + ${r.sse.frames} frames (seed ${r.ws.seed}): 0 crashes, 0 unhandled rejections`, `alive ${r.alive}, ${s?.unhandledRejections ?? '?'} unhandled, ${s?.uncaughtExceptions ?? '?'} uncaught`,
    r.alive && s !== null && s.unhandledRejections === 0 && s.uncaughtExceptions === 0);
  goal(`fuzz: heap after GC back to baseline (± ${SIZES.heapToleranceBytes / 1024} KiB)`, `Δ ${(r.heapDelta / 1024).toFixed(0)} KiB`, Math.abs(r.heapDelta) <= SIZES.heapToleranceBytes);
}

async function main(): Promise<void> {
  const results: Record<string, unknown> = { context: context() };
  const freezeSpec = { frames: SIZES.freezeFrames, holdMs: SIZES.holdMs, maxReconnects: 5000, timeoutMs: 60_000 };
  if (wanted('freeze')) {
    results.freezeDefaults = await withServer('soak freeze', DEFAULTS, async (server) => {
      const r = await freeze(server, freezeSpec);
      reportFreeze(`defaults, maxEventsPerSecond 200`, r);
      return { ...r, stats: await serverStats(server) };
    });
    results.freezeNoRateLimit = await withServer('soak freeze, no rate limit', { ...DEFAULTS, maxEventsPerSecond: 1_000_000 }, async (server) => {
      const r = await freeze(server, freezeSpec);
      reportFreeze('rate limit out of the way (1e6/s): only the job caps', r);
      return { ...r, stats: await serverStats(server) };
    });
  }
  if (wanted('floods')) {
    results.floods = await withServer('soak floods', DEFAULTS, async (server) => {
      const only = process.env.SOAK_FLOODS?.split(',').map((name) => name.trim()).filter(Boolean);
      const r = await floods(server, { durationMs: SIZES.floodMs, quietMs: SIZES.quietMs, subscribers: SIZES.subscribers, maxReconnects: 5000, only });
      reportFloods(r);
      return r;
    });
  }
  if (wanted('order')) {
    results.order = await withServer('soak order', DEFAULTS, async (server) => {
      const r = await order(server, { ws: SIZES.orderWs, sse: SIZES.orderSse, events: SIZES.orderEvents, window: SIZES.orderWindow, parallel: 50, timeoutMs: 300_000 });
      reportOrder(r);
      return r;
    });
  }
  if (wanted('lifted')) results.liftedFreeze = await liftedFreeze(freezeSpec, DEFAULTS, goal);
  if (wanted('fanout')) {
    const subscribersIn = process.env.SOAK_FANOUT_SUBSCRIBERS === 'harness' ? 'harness' : 'child';
    results.fanOut = await fanOutUnderLoad({ durationMs: SIZES.floodMs, quietMs: SIZES.quietMs, subscribers: SIZES.subscribers, subscribersIn, blocks: SIZES.fanOutBlocks, blockMs: SIZES.fanOutBlockMs }, DEFAULTS, goal);
  }
  if (wanted('fuzz')) {
    results.fuzz = await withServer('soak fuzz', DEFAULTS, async (server) => {
      const r = await fuzz(server, SIZES.fuzzSeed, SIZES.fuzzFrames, 300_000);
      reportFuzz(r);
      return r;
    });
  }
  if (wanted('sec')) results.sec = await runSec({ durationMs: SIZES.floodMs, quietMs: SIZES.quietMs }, goal);
  console.log('\n| goal | figure | |\n|---|---|---|');
  for (const g of goals) console.log(`| ${g.name} | ${g.figure} | ${g.pass ? 'PASS' : 'FAIL'} |`);
  results.goals = goals;
  const dir = path.join(process.env.BENCH_ROOT ?? path.join(__dirname, '..'), 'bench', 'results');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'soak-latest.json'), `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\nwrote ${path.relative(process.cwd(), path.join(dir, 'soak-latest.json'))}`);
}

main().then(() => process.exit(0), (err: unknown) => {
  console.error(err);
  process.exit(1);
});
