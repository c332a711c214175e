/**
 * `npm run bench`: djust-lite (WebSocket and SSE) side by side with the raw-ws floor and
 * LiveViewJS, same machine, same run. Each server runs in its own child process; this process
 * only generates load. Prints a table and the targets, writes bench/results/*.json.
 * `npm run bench -- --profile [ws|sse|wire|floor|liveviewjs]` instead profiles one server (default
 * djust-lite over WebSocket) under 50 connections (BENCH_PROFILE_CONNS).
 *
 * Env: BENCH_QUICK=1 (~1 min), BENCH_WARMUP_MS, BENCH_DURATION_MS, BENCH_IDLE (ladder, e.g.
 * "1000,3000,5000,10000"), BENCH_SYSTEMS (subset of djust-ws,djust-sse,wire,floor,liveviewjs),
 * BENCH_ROUNDS (turns at each connection count, median kept; 3, 1 when quick), BENCH_IDLE_PAGES (own | shared), BENCH_BYTES_EVENTS, BENCH_MAX_EVENTS (per connection per loop), BENCH_RETRIES (reruns of a
 * noisy loop window, default 1; 0 with BENCH_QUICK).
 * The list page (bench/list-run.ts) runs after the counter (BENCH_LIST=0 skips it);
 * `npm run bench -- --list` runs it alone.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { djustBundle, lvjsBundle } from './bundle';
import { EVENT_KINDS, type SystemClient } from './client';
import { djustWs } from './client-djust';
import { DEFAULT_FLOOR_BYTES, floorClient } from './client-floor';
import { liveviewjs } from './client-lvjs';
import { djustSse } from './client-sse';
import { runHeap } from './heap';
import { listClient, runList } from './list-run';
import { runProfile } from './profile';
import { runUploads } from './upload';
import { NOISY_PCT, computeTargets, notes, resultsTable, targetsTable, type SystemKey, type SystemResult } from './report';
import { closedLoop, idleLadder, openClients, wireBytes, type LoopOptions, type LoopResult } from './scenarios';
import { ServerProcess, openFileLimit } from './spawn';

const ROOT = process.env.BENCH_ROOT ?? path.resolve(__dirname, '..', '..', '..', '..');
const RESULTS = path.join(ROOT, 'bench', 'results');
const quick = process.env.BENCH_QUICK === '1';

function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new TypeError(`${name} must be a number ≥ 0, got ${JSON.stringify(raw)}`);
  return n;
}

export interface BenchConfig {
  quick: boolean;
  loop: LoopOptions;
  connections: number[];
  idleLadder: number[];
  /** Idle connections each load their own page (`own`, as browser tabs do) or share one (`shared`). */
  idlePages: 'own' | 'shared';
  bytesEvents: number;
  /** Reruns of a loop whose window was noisy (other processes busy); the quietest is kept. */
  retries: number;
  /** Rounds of turns at each connection count; each system's median window (by events/s) is kept. */
  rounds: number;
  systems: SystemKey[];
}

const ALL: SystemKey[] = ['djust-ws', 'djust-public', 'djust-sse', 'wire', 'floor', 'liveviewjs'];

export const config: BenchConfig = {
  quick,
  loop: {
    warmupMs: envNumber('BENCH_WARMUP_MS', quick ? 500 : 1500),
    durationMs: envNumber('BENCH_DURATION_MS', quick ? 2000 : 3000),
    maxEventsPerConnection: envNumber('BENCH_MAX_EVENTS', 1_000_000),
  },
  connections: [1, 50, 100],
  idleLadder: (process.env.BENCH_IDLE ?? (quick ? '1000,3000' : '1000,3000,5000,10000')).split(',').map(Number).filter((n) => n > 0),
  idlePages: process.env.BENCH_IDLE_PAGES === 'shared' ? 'shared' : 'own',
  bytesEvents: envNumber('BENCH_BYTES_EVENTS', quick ? 10 : 30),
  retries: envNumber('BENCH_RETRIES', quick ? 0 : 1),
  rounds: Math.max(1, envNumber('BENCH_ROUNDS', quick ? 1 : 3)),
  systems: (process.env.BENCH_SYSTEMS ? process.env.BENCH_SYSTEMS.split(',') : ALL).filter((k): k is SystemKey => (ALL as string[]).includes(k)),
};

const LABELS: Record<SystemKey, string> = {
  'djust-ws': 'djust-lite ws',
  'djust-public': 'djust-lite ws public-API',
  'djust-sse': 'djust-lite sse',
  wire: 'djust wire floor',
  floor: 'raw ws floor',
  liveviewjs: 'LiveViewJS 0.8',
};

/** Size of djust-lite's answer to a click (JSON bytes), once measured: the floor echoes that much. */
let floorBytes = DEFAULT_FLOOR_BYTES;

interface SystemDef {
  script: string;
  client: SystemClient;
}

function definition(key: SystemKey): SystemDef {
  const server = (name: string): string => path.join(__dirname, name);
  switch (key) {
    case 'djust-ws':
      return { script: server('server-djust.js'), client: djustWs };
    case 'djust-public':
      // The same counter as an application writes it (plain CommonJS, public API only).
      return { script: path.join(ROOT, 'bench', 'server-public.js'), client: djustWs };
    case 'djust-sse':
      return { script: server('server-djust.js'), client: djustSse };
    case 'wire':
      // djust-lite's own client against a server that only speaks the protocol.
      return { script: server('server-wire.js'), client: djustWs };
    case 'floor':
      return { script: server('server-floor.js'), client: floorClient(() => floorBytes) };
    case 'liveviewjs':
      return { script: path.join(ROOT, 'bench', 'liveviewjs', 'server.js'), client: liveviewjs };
  }
}

const log = (message: string): void => void process.stderr.write(`[bench] ${message}\n`);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err)).split('\n').slice(0, 6).join(' | ');

function startServer(key: SystemKey): Promise<ServerProcess> {
  return ServerProcess.start(LABELS[key], definition(key).script, { env: serverEnv() });
}

/** What every server child is told: the bench's views, and (for server-public.js) where the built package and bench are. */
function serverEnv(): Record<string, string> {
  const build = path.resolve(__dirname, '..');
  return { BENCH_VIEWS: path.join(ROOT, 'bench', 'views'), BENCH_BUILD: build, BENCH_DJUST_LITE: path.join(build, 'lib', 'index.js') };
}

/** How many idle connections the open-file limits of both processes allow (with a margin). */
function connectionBudget(server: ServerProcess): { max: number; reason: string } {
  const mine = openFileLimit('self') ?? 1024;
  const theirs = openFileLimit(server.pid) ?? 1024;
  const limit = Math.min(mine, theirs);
  return { max: limit - 256, reason: `open-file limit ${limit} (ulimit -n; bench/run.sh raises it to the hard limit)` };
}

/** A system being measured: its result so far and, during the loops, its running server. */
interface Running {
  key: SystemKey;
  result: SystemResult;
  server: ServerProcess | null;
}

/** Starts a system's server, checks it can run, measures its bytes per update. */
async function prepare(key: SystemKey): Promise<Running> {
  const { client } = definition(key);
  const result: SystemResult = { key, label: LABELS[key], unavailable: null, bytes: null, loops: {}, idle: null, bundle: null, errors: [] };
  result.bundle =
    key === 'liveviewjs'
      ? lvjsBundle(ROOT)
      : key === 'floor' || key === 'wire'
        ? { ok: false, reason: `the ${key === 'wire' ? 'wire floor' : 'floor'} has no client library` }
        : djustBundle(ROOT);

  log(`${LABELS[key]}: starting server`);
  const server = await startServer(key);
  try {
    const page = await client.page(server.base);
    const unavailable = await client.probe(server.base, page);
    if (unavailable) {
      result.unavailable = unavailable;
      log(`${LABELS[key]}: n/a (${unavailable})`);
      await server.stop();
      return { key, result, server: null };
    }
    try {
      result.bytes = await wireBytes(client, server.base, EVENT_KINDS, config.bytesEvents);
      // The wire floor answers the same JSON bytes; it sets the size only when djust-lite is not run.
      const sizer = key === 'djust-ws' || (key === 'wire' && !config.systems.includes('djust-ws'));
      if (sizer && result.bytes.inc) floorBytes = Math.round(result.bytes.inc.messages);
    } catch (err) {
      result.errors.push(`bytes: ${errorText(err)}`);
    }
  } catch (err) {
    result.errors.push(`${errorText(err)}\n${server.output.slice(-1500)}`);
    await server.stop();
    return { key, result, server: null };
  }
  return { key, result, server };
}

/** One closed-loop measurement of a system at `c` connections (run again when noisy); undefined when it failed. */
async function loopAt(run: Running, c: number): Promise<LoopResult | undefined> {
  const { key, result, server } = run;
  if (!server) return undefined;
  const { client } = definition(key);
  try {
    const clients = await openClients(client, server.base, c);
    try {
      // A window where other processes took a good share of the CPU is run again (at most
      // config.retries times); the quietest attempt is kept.
      let kept: LoopResult | undefined;
      let attempts = 0;
      while (attempts <= config.retries) {
        log(`${LABELS[key]}: ${c} connection(s), closed loop ${config.loop.warmupMs}+${config.loop.durationMs} ms${attempts ? ` (again: noisy, attempt ${attempts + 1})` : ''}`);
        const loop = await closedLoop(clients, 'inc', server, config.loop);
        attempts += 1;
        if (!kept || !(kept.otherCpuPct <= loop.otherCpuPct)) kept = loop;
        if (!(loop.otherCpuPct > NOISY_PCT) || loop.errors > 0) break;
      }
      return kept ? { ...kept, attempts } : undefined;
    } finally {
      for (const x of clients) x.close();
      await sleep(300);
    }
  } catch (err) {
    result.errors.push(`${c} conns: ${errorText(err)}`);
    return undefined;
  }
}

/** The median window of a system's rounds (by events/s), with every round's events/s beside it. */
function median(windows: readonly LoopResult[]): LoopResult | undefined {
  if (windows.length === 0) return undefined;
  const sorted = [...windows].sort((a, b) => a.eventsPerSec - b.eventsPerSec);
  const kept = sorted[Math.floor((sorted.length - 1) / 2)] as LoopResult;
  return { ...kept, rounds: windows.map((w) => Math.round(w.eventsPerSec)) };
}

/** The idle ladder of a system, on a fresh server. */
async function idleOf(run: Running): Promise<void> {
  const { key, result } = run;
  if (config.idleLadder.length === 0 || result.unavailable) return;
  const { client } = definition(key);
  log(`${LABELS[key]}: idle connections ${config.idleLadder.join(', ')} on a fresh server`);
  const server = await startServer(key);
  try {
    const budget = connectionBudget(server);
    result.idle = await idleLadder(client, server, config.idleLadder, budget.max, budget.reason, config.idlePages);
  } catch (err) {
    result.errors.push(`idle: ${errorText(err)}\n${server.output.slice(-1500)}`);
  } finally {
    await server.stop();
  }
}

/**
 * Every system, side by side: all servers start (each in its own process), then for each
 * connection count the systems take turns, one closed loop each, `config.rounds` times (the
 * median window is kept), so the windows that are compared are a minute or two apart (on a shared VM the cost of an event moved by up to 70 %
 * from one hour to the next, and not by the same amount for every server); then the idle
 * ladders, each on a fresh server.
 */
async function runSystems(keys: readonly SystemKey[]): Promise<SystemResult[]> {
  const runs: Running[] = [];
  try {
    for (const key of keys) runs.push(await prepare(key));
    for (const c of config.connections) {
      const windows = runs.map((): LoopResult[] => []);
      for (let round = 0; round < config.rounds; round += 1) {
        for (const [i, run] of runs.entries()) {
          const loop = await loopAt(run, c);
          if (loop) windows[i]?.push(loop);
        }
      }
      for (const [i, run] of runs.entries()) {
        const kept = median(windows[i] ?? []);
        if (kept) run.result.loops[String(c)] = kept;
      }
    }
  } finally {
    for (const run of runs) await run.server?.stop();
  }
  for (const run of runs) {
    run.server = null;
    await idleOf(run);
  }
  return runs.map((run) => run.result);
}

function gitCommit(): string | null {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return null;
  }
}

/** The list page's client for `--profile list` (djust-lite or LiveViewJS). */
function listProfile(key: SystemKey): { name: string; client: SystemClient } {
  const rows = Number((process.env.BENCH_LIST_ROWS ?? '500').split(',')[0]);
  if (key !== 'djust-ws' && key !== 'liveviewjs') throw new TypeError(`--profile list runs djust-ws or liveviewjs, got ${key}`);
  return { name: `${key}-list${rows}`, client: listClient(key, `/list${rows}`) };
}

async function main(): Promise<void> {
  mkdirSync(RESULTS, { recursive: true });
  if (process.argv.includes('--profile')) {
    const key = ALL.find((k) => process.argv.includes(k) || process.argv.includes(k.replace('djust-', ''))) ?? 'djust-ws';
    const connections = envNumber('BENCH_PROFILE_CONNS', 50);
    const { script, client } = definition(key);
    // `--profile list [liveviewjs]`: the list page of BENCH_LIST_ROWS' first size (500) instead of the counter
    const list = process.argv.includes('list') ? listProfile(key) : null;
    await runProfile({ root: ROOT, results: RESULTS, serverScript: script, loop: config.loop, log, name: list?.name ?? key, client: list?.client ?? client, connections, env: serverEnv() });
    return;
  }
  if (process.argv.includes('--uploads')) {
    await runUploads({ results: RESULTS, serverScript: path.join(__dirname, 'server-upload.js'), env: serverEnv(), log });
    return;
  }
  if (process.argv.includes('--heap')) {
    const key = ALL.find((k) => process.argv.includes(k) || process.argv.includes(k.replace('djust-', ''))) ?? 'djust-ws';
    const { script, client } = definition(key);
    await runHeap({ root: ROOT, results: RESULTS, name: key, serverScript: script, client, env: serverEnv(), connections: envNumber('BENCH_HEAP_CONNS', 1000), pages: config.idlePages, log, keep: process.env.BENCH_HEAP_KEEP === '1' });
    return;
  }
  const listOptions = {
    root: ROOT,
    results: RESULTS,
    loop: config.loop,
    rounds: config.rounds,
    bytesEvents: config.bytesEvents,
    djustScript: definition('djust-ws').script,
    lvjsScript: definition('liveviewjs').script,
    env: serverEnv(),
    log,
  };
  if (process.argv.includes('--list')) {
    process.stdout.write(`\n${await runList(listOptions)}\n`);
    return;
  }
  const started = Date.now();
  const load = os.loadavg().map((n) => n.toFixed(2)).join(' ');
  log(`load average ${load}${os.loadavg()[0] as number > 0.5 ? ' — other work is running; numbers will be noisier' : ''}`);
  log(`${quick ? 'quick' : 'full'} run: ${config.systems.join(', ')}; ${config.rounds} round(s) of loops ${config.loop.warmupMs}+${config.loop.durationMs} ms at ${config.connections.join('/')} conns; idle ${config.idleLadder.join('/')} (${config.idlePages === 'own' ? 'a page load each' : 'one shared page load'})`);
  const systems = await runSystems(config.systems);
  const targets = computeTargets(systems);
  const seconds = (Date.now() - started) / 1000;

  const out = [
    '',
    `djust-lite benchmark — ${new Date().toISOString()} — node ${process.version}, ${os.cpus().length}× ${os.cpus()[0]?.model ?? 'cpu'}, commit ${gitCommit() ?? '?'}${quick ? ' — QUICK' : ''}`,
    `load average before ${load}, after ${os.loadavg().map((n) => n.toFixed(2)).join(' ')}; closed loop (one event in flight per connection), warm-up ${config.loop.warmupMs} ms + ${config.loop.durationMs} ms, systems in turn, median of ${config.rounds} round(s); servers in child processes; the floor echoes a ${floorBytes}-byte frame`,
    '',
    resultsTable(systems, config.idleLadder),
    '',
    targetsTable(targets, LABELS),
  ];
  const why = notes(systems);
  if (why) out.push('', why);
  if (process.env.BENCH_LIST !== '0') out.push('', await runList(listOptions));
  out.push('', `total ${seconds.toFixed(0)} s`);
  process.stdout.write(`${out.join('\n')}\n`);

  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const json = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().map((c) => c.model),
    commit: gitCommit(),
    loadAverage: { before: load, after: os.loadavg() },
    config,
    floorBytes,
    seconds,
    systems,
    targets,
  };
  const file = path.join(RESULTS, `bench-${stamp}.json`);
  writeFileSync(file, JSON.stringify(json, null, 2));
  writeFileSync(path.join(RESULTS, 'latest.json'), JSON.stringify(json, null, 2));
  log(`wrote ${path.relative(ROOT, file)} (and latest.json)`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
