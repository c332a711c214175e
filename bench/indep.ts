/**
 * An independent measurement of the counter (issue 24, "The counter and idle memory, still"),
 * built the way an outside harness measures and sharing none of run.ts's arithmetic:
 *
 * - CPU per event: every server in its own process, the clients in another (bench/indep-load.ts,
 *   one per system), INDEP_CONNS (50) WebSocket connections clicking closed-loop; the server's
 *   CPU is utime+stime from /proc/PID/stat over a fixed count of INDEP_EVENTS clicks (after a
 *   warm-up), divided by that count. Nothing is subtracted. Systems take turns in each of
 *   INDEP_ROUNDS rounds (the order rotates), medians are shown, and "own work" is the median of
 *   the per-round differences with the bare `ws` echo server measured in the same round.
 * - Idle RSS: a fresh server per system and round, 20 connections opened and closed, then RSS
 *   (smaps_rollup) after a plain full GC and again after the bench's reading (young generation
 *   grown to its largest, then full GC), INDEP_IDLE (10,000) mounted connections opened (each
 *   after its own page load), and the same two readings; per connection = growth / count.
 *
 *   bench/indep.sh                    # builds this tree (and the base, INDEP_BASE_SRC=<a checkout of another commit>) and runs
 * Systems (INDEP_SYSTEMS): djust (this tree), djust-base (INDEP_BASE_BUILD, the base's compiled
 * lib/ under this tree's bench servers), liveviewjs, wire (bench/server-wire.ts: a bare `ws` server
 * answering djust-lite's protocol for the counter, driven by the same client), floor, and floor-spin (the echo server busy-waiting
 * INDEP_SPIN_US, 6 µs, per message: what the same pace costs the socket path). Writes bench/results/indep-latest.json.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { LoadCommand, LoadReply, LoadSystem } from './indep-load';
import { machineBusyMicros, openFileLimit, ServerProcess, type MemSample } from './spawn';

type SystemKey = 'djust' | 'djust-base' | 'liveviewjs' | 'wire' | 'floor' | 'floor-spin';

const ROOT = process.env.BENCH_ROOT ?? path.join(__dirname, '..', '..', '..', '..');
const RESULTS = path.join(ROOT, 'bench', 'results');
const BASE_BUILD = process.env.INDEP_BASE_BUILD ?? '';

function envNumber(name: string, fallback: number): number {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? Math.min(v, 1e7) : fallback;
}

const CONNS = envNumber('INDEP_CONNS', 50);
const EVENTS = envNumber('INDEP_EVENTS', 30000);
const WARMUP = envNumber('INDEP_WARMUP', 5000);
const ROUNDS = envNumber('INDEP_ROUNDS', 5);
const IDLE = envNumber('INDEP_IDLE', 10000);
const MEM_ROUNDS = envNumber('INDEP_MEM_ROUNDS', 2);
/** How long the server sits idle after the connections opened before the readings (V8's memory reducer acts after a few seconds of low allocation). */
const SETTLE_MS = envNumber('INDEP_SETTLE_MS', 500);
const PHASES = (process.env.INDEP_PHASES ?? 'cpu,mem').split(',');
/**
 * INDEP_CONCURRENT=1: in each round every system clicks at the same time (each server with its
 * own load generator, started together; each server's CPU read over its own clicks), instead of
 * taking turns. On a machine others load unevenly, two trees then see the same moment of it:
 * per-round differences between djust and djust-base shrink to what their code changes. A
 * system that finishes first leaves the others the machine for the rest of the round, so use it
 * for systems of about the same speed (djust, djust-base); "own work" needs the turns.
 */
const CONCURRENT = process.env.INDEP_CONCURRENT === '1';
const STEP_TIMEOUT_MS = 180000;

const requested = (process.env.INDEP_SYSTEMS ?? 'djust,djust-base,liveviewjs,floor').split(',') as SystemKey[];
const SYSTEMS = requested.filter((k) => k !== 'djust-base' || (BASE_BUILD !== '' && existsSync(path.join(BASE_BUILD, 'bench', 'server-djust.js'))));

const load: Record<SystemKey, LoadSystem> = { djust: 'djust', 'djust-base': 'djust', liveviewjs: 'liveviewjs', wire: 'djust', floor: 'floor', 'floor-spin': 'floor' };
const SPIN_US = envNumber('INDEP_SPIN_US', 6);

function script(key: SystemKey): string {
  switch (key) {
    case 'djust':
      return path.join(__dirname, 'server-djust.js');
    case 'djust-base':
      return path.join(BASE_BUILD, 'bench', 'server-djust.js');
    case 'liveviewjs':
      return path.join(ROOT, 'bench', 'liveviewjs', 'server.js');
    case 'wire':
      return path.join(__dirname, 'server-wire.js');
    case 'floor':
    case 'floor-spin':
      return path.join(__dirname, 'server-floor.js');
  }
}

/** The server's environment: BENCH_ROOT, and INDEP_ENV_<KEY> (`A=1 B=2`, key upper-cased, `-` as `_`) for experiments. */
function serverEnv(key: SystemKey): Record<string, string> {
  const extra = process.env[`INDEP_ENV_${key.toUpperCase().replace(/-/g, '_')}`] ?? '';
  const env: Record<string, string> = { BENCH_ROOT: ROOT };
  if (key === 'floor-spin') env.FLOOR_SPIN_US = String(SPIN_US);
  for (const pair of extra.split(/\s+/).filter(Boolean)) {
    const eq = pair.indexOf('=');
    if (eq > 0) env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return env;
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? (s[(s.length - 1) / 2] as number) : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};
const range = (xs: readonly number[], digits = 1): string => `${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)}`;
const loadAverage = (): string => execFileSync('uptime', { encoding: 'utf8' }).trim().replace(/^.*load average: /, '');
const log = (m: string): void => void process.stderr.write(`[indep] ${m}\n`);

/** One load-generator process for one system. */
class Load {
  readonly #child: ChildProcess;
  readonly #replies: LoadReply[] = [];
  #wake: (() => void) | null = null;

  constructor(readonly key: SystemKey) {
    this.#child = fork(path.join(__dirname, 'indep-load.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.#child.on('message', (m) => {
      this.#replies.push(m as LoadReply);
      this.#wake?.();
    });
    this.#child.on('exit', () => this.#wake?.());
  }

  send(command: LoadCommand): void {
    this.#child.send(command);
  }

  /** The next reply of type `type`; throws on `failed`, on exit, or after STEP_TIMEOUT_MS. */
  async next<T extends LoadReply['type']>(type: T): Promise<Extract<LoadReply, { type: T }>> {
    const deadline = Date.now() + STEP_TIMEOUT_MS;
    for (;;) {
      const reply = this.#replies.shift();
      if (reply?.type === 'failed') throw new Error(`${this.key} load: ${reply.message}`);
      if (reply?.type === type) return reply as Extract<LoadReply, { type: T }>;
      if (reply) continue;
      if (this.#child.exitCode !== null) throw new Error(`${this.key} load generator exited`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${this.key} load: no "${type}" within ${STEP_TIMEOUT_MS} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 1000));
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = null;
    }
  }

  stop(): void {
    if (this.#child.exitCode === null) this.#child.kill('SIGKILL');
  }
}

const loads: Load[] = [];
process.on('exit', () => {
  for (const l of loads) l.stop();
});

interface CpuRound {
  round: number;
  serverUsPerEvent: number;
  loadUsPerEvent: number;
  otherCpuShare: number;
  eventsPerSecond: number;
}

async function cpuPhase(): Promise<Record<string, CpuRound[]>> {
  const servers = new Map<SystemKey, ServerProcess>();
  const gens = new Map<SystemKey, Load>();
  const out: Record<string, CpuRound[]> = {};
  try {
    for (const key of SYSTEMS) {
      const server = await ServerProcess.start(key, script(key), { env: serverEnv(key) });
      servers.set(key, server);
      const gen = new Load(key);
      loads.push(gen);
      gens.set(key, gen);
      gen.send({ type: 'open', system: load[key], base: server.base, count: CONNS });
      await gen.next('opened');
      out[key] = [];
    }
    for (let round = 0; round < ROUNDS; round += 1) {
      const order = SYSTEMS.map((_, i) => SYSTEMS[(i + round) % SYSTEMS.length] as SystemKey);
      if (CONCURRENT) {
        for (const r of await concurrentRound(order, servers, gens, round)) out[r.key]?.push(r.round);
        continue;
      }
      for (const key of order) {
        const server = servers.get(key) as ServerProcess;
        const gen = gens.get(key) as Load;
        gen.send({ type: 'run', warmup: WARMUP, events: EVENTS });
        await gen.next('warm');
        const c0 = (await server.cpu()).micros;
        const m0 = machineBusyMicros() ?? 0;
        const t0 = performance.now();
        gen.send({ type: 'go' });
        const done = await gen.next('done');
        const c1 = (await server.cpu()).micros;
        const m1 = machineBusyMicros() ?? 0;
        const wallUs = (performance.now() - t0) * 1000;
        const serverUs = c1 - c0;
        const other = Math.max(0, m1 - m0 - serverUs - done.loadCpuMicros);
        const r: CpuRound = {
          round,
          serverUsPerEvent: serverUs / EVENTS,
          loadUsPerEvent: done.loadCpuMicros / EVENTS,
          otherCpuShare: other / wallUs,
          eventsPerSecond: EVENTS / (done.ms / 1000),
        };
        out[key]?.push(r);
        log(`round ${round + 1}/${ROUNDS} ${key}: server ${r.serverUsPerEvent.toFixed(1)} µs/event, load ${r.loadUsPerEvent.toFixed(1)}, ${r.eventsPerSecond.toFixed(0)} ev/s, others ${(r.otherCpuShare * 100).toFixed(0)} % of a core`);
      }
    }
  } finally {
    for (const gen of gens.values()) {
      gen.send({ type: 'close' });
      await gen.next('closed').catch(() => undefined);
      gen.stop();
    }
    for (const s of servers.values()) await s.stop();
  }
  return out;
}

/** One round of INDEP_CONCURRENT: every system warmed up, then all clicking at once. */
async function concurrentRound(order: readonly SystemKey[], servers: Map<SystemKey, ServerProcess>, gens: Map<SystemKey, Load>, round: number): Promise<{ key: SystemKey; round: CpuRound }[]> {
  for (const key of order) gens.get(key)?.send({ type: 'run', warmup: WARMUP, events: EVENTS });
  for (const key of order) await gens.get(key)?.next('warm');
  const start = await Promise.all(order.map(async (key) => ({ key, c0: (await (servers.get(key) as ServerProcess).cpu()).micros, t0: performance.now() })));
  for (const key of order) gens.get(key)?.send({ type: 'go' });
  return Promise.all(start.map(async ({ key, c0, t0 }) => {
    const done = await (gens.get(key) as Load).next('done');
    const c1 = (await (servers.get(key) as ServerProcess).cpu()).micros;
    const wallUs = (performance.now() - t0) * 1000;
    const r: CpuRound = { round, serverUsPerEvent: (c1 - c0) / EVENTS, loadUsPerEvent: done.loadCpuMicros / EVENTS, otherCpuShare: NaN, eventsPerSecond: EVENTS / (done.ms / 1000) };
    log(`round ${round + 1}/${ROUNDS} ${key} (concurrent): server ${r.serverUsPerEvent.toFixed(1)} µs/event, load ${r.loadUsPerEvent.toFixed(1)}, ${r.eventsPerSecond.toFixed(0)} ev/s, ${(wallUs / 1e6).toFixed(1)} s`);
    return { key, round: r };
  }));
}

interface MemRound {
  round: number;
  connections: number;
  /** RSS growth per connection after a plain full GC (bytes). */
  rssPlain: number;
  /** RSS growth per connection after the bench's reading (young generation filled, then full GC). */
  rssFilled: number;
  heapPerConn: number;
  /** Growth per connection of V8's committed heap (heapTotal) and of memory outside it (external: Buffers etc.), plain reading, bytes. */
  heapTotalPerConn: number;
  externalPerConn: number;
  /** V8 new space committed before and after (plain reading), bytes. */
  newSpace: [number, number];
  /**
   * Where the plain reading's growth per connection sits (bytes): the new space's resident pages
   * (V8's physical size: the young generation mounting touched), old space in live objects and
   * committed but free (fragments left by the mounting's promoted garbage), and outside the JS
   * heap (RSS minus every space's resident size: native socket state, malloc).
   */
  split: { newResident: number; oldLive: number; oldFree: number; outside: number };
}

/** MemRound.split from two plain readings (zeros where the server does not report its spaces). */
function splitOf(p0: MemSample, p1: MemSample, count: number): MemRound['split'] {
  const at = (m: MemSample, what: 'spacesPhysical' | 'spacesUsed' | 'spaces', space: string): number => m[what]?.[space] ?? 0;
  const delta = (what: 'spacesPhysical' | 'spacesUsed' | 'spaces', space: string): number => (at(p1, what, space) - at(p0, what, space)) / count;
  const resident = (m: MemSample): number => Object.values(m.spacesPhysical ?? {}).reduce((a, b) => a + b, 0);
  return {
    newResident: delta('spacesPhysical', 'new_space'),
    oldLive: delta('spacesUsed', 'old_space'),
    oldFree: delta('spaces', 'old_space') - delta('spacesUsed', 'old_space'),
    outside: p1.spacesPhysical && p0.spacesPhysical ? (p1.rss - resident(p1) - (p0.rss - resident(p0))) / count : 0,
  };
}

async function memPhase(): Promise<Record<string, MemRound[]>> {
  const out: Record<string, MemRound[]> = {};
  const limit = openFileLimit() ?? 0;
  const count = Math.min(IDLE, Math.max(0, limit - 200));
  if (count < IDLE) log(`open-file limit ${limit}: idle step ${count} instead of ${IDLE}`);
  for (const key of SYSTEMS) out[key] = [];
  for (let round = 0; round < MEM_ROUNDS; round += 1) {
    const order = SYSTEMS.map((_, i) => SYSTEMS[(i + round) % SYSTEMS.length] as SystemKey);
    for (const key of order) {
      const server = await ServerProcess.start(key, script(key), { env: serverEnv(key) });
      const gen = new Load(key);
      loads.push(gen);
      try {
        gen.send({ type: 'open', system: load[key], base: server.base, count: 20 });
        await gen.next('opened');
        gen.send({ type: 'close' });
        await gen.next('closed');
        await new Promise((resolve) => setTimeout(resolve, 300));
        const p0 = await server.mem(false);
        const f0 = await server.mem(true);
        gen.send({ type: 'open', system: load[key], base: server.base, count });
        await gen.next('opened');
        await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
        const p1 = await server.mem(false);
        const f1 = await server.mem(true);
        const r: MemRound = {
          round,
          connections: count,
          rssPlain: (p1.rss - p0.rss) / count,
          rssFilled: (f1.rss - f0.rss) / count,
          heapPerConn: (p1.heapUsed - p0.heapUsed) / count,
          heapTotalPerConn: (p1.heapTotal - p0.heapTotal) / count,
          externalPerConn: (p1.external - p0.external) / count,
          newSpace: [p0.spaces?.new_space ?? 0, p1.spaces?.new_space ?? 0],
          split: splitOf(p0, p1, count),
        };
        out[key]?.push(r);
        log(`idle round ${round + 1}/${MEM_ROUNDS} ${key}: RSS/conn ${(r.rssPlain / 1024).toFixed(2)} KB (plain GC), ${(r.rssFilled / 1024).toFixed(2)} KB (bench reading), heap ${(r.heapPerConn / 1024).toFixed(2)} KB (committed ${(r.heapTotalPerConn / 1024).toFixed(2)}, external ${(r.externalPerConn / 1024).toFixed(2)}), new space ${(r.newSpace[0] / 1048576).toFixed(1)} → ${(r.newSpace[1] / 1048576).toFixed(1)} MB; growth per conn (plain): new-space pages ${(r.split.newResident / 1024).toFixed(2)} KB, old space live ${(r.split.oldLive / 1024).toFixed(2)} + free ${(r.split.oldFree / 1024).toFixed(2)}, outside the heap ${(r.split.outside / 1024).toFixed(2)}`);
      } finally {
        gen.send({ type: 'close' });
        await gen.next('closed').catch(() => undefined);
        gen.stop();
        await server.stop();
      }
    }
  }
  return out;
}

async function main(): Promise<void> {
  const loadStart = loadAverage();
  log(`systems ${SYSTEMS.join(', ')}; load average ${loadStart}`);
  const cpu = PHASES.includes('cpu') ? await cpuPhase() : {};
  const loadMid = loadAverage();
  const mem = PHASES.includes('mem') ? await memPhase() : {};
  const loadEnd = loadAverage();
  const lines: string[] = [`independent harness (bench/indep.ts), node ${process.version}, load average ${loadStart} / ${loadMid} / ${loadEnd}`];
  const floor = cpu.floor;
  const lvjs = cpu.liveviewjs;
  if (Object.keys(cpu).length > 0) {
    lines.push('', `CPU per event, ${CONNS} connections, ${EVENTS} clicks per round, ${ROUNDS} interleaved rounds (median [range])`, '| system | server µs/event | own work (− echo, same round) | vs LiveViewJS | load gen µs/event | events/s |', '|---|---|---|---|---|---|');
    for (const [key, rounds] of Object.entries(cpu)) {
      const us = rounds.map((r) => r.serverUsPerEvent);
      const own = floor && key !== 'floor' ? rounds.map((r, i) => r.serverUsPerEvent - (floor[i]?.serverUsPerEvent ?? NaN)) : [];
      const ratio = lvjs && key !== 'liveviewjs' ? rounds.map((r, i) => r.serverUsPerEvent / (lvjs[i]?.serverUsPerEvent ?? NaN)) : [];
      lines.push(`| ${key} | ${median(us).toFixed(1)} [${range(us)}] | ${own.length ? `${median(own).toFixed(1)} [${range(own)}]` : ''} | ${ratio.length ? `${median(ratio).toFixed(2)}× [${range(ratio, 2)}]` : ''} | ${median(rounds.map((r) => r.loadUsPerEvent)).toFixed(1)} | ${median(rounds.map((r) => r.eventsPerSecond)).toFixed(0)} |`);
    }
  }
  const base = cpu['djust-base'];
  if (cpu.djust && base) {
    const diff = cpu.djust.map((r, i) => r.serverUsPerEvent - (base[i]?.serverUsPerEvent ?? NaN));
    lines.push('', `djust − djust-base, server µs/event in the same round${CONCURRENT ? ' (concurrent)' : ''}: median ${median(diff).toFixed(2)} [${range(diff, 1)}]`);
  }
  const lvjsMem = mem.liveviewjs;
  if (Object.keys(mem).length > 0) {
    lines.push('', `Idle: RSS growth per mounted connection at ${IDLE} (KB; median [range] of ${MEM_ROUNDS} rounds, a fresh server each)`, '| system | plain full GC | vs LiveViewJS | bench reading (young gen filled) | vs LiveViewJS | JS heap | plain: new-space pages / old free / outside heap |', '|---|---|---|---|---|---|---|');
    for (const [key, rounds] of Object.entries(mem)) {
      const plain = rounds.map((r) => r.rssPlain / 1024);
      const filled = rounds.map((r) => r.rssFilled / 1024);
      const lp = lvjsMem ? median(lvjsMem.map((r) => r.rssPlain / 1024)) : NaN;
      const lf = lvjsMem ? median(lvjsMem.map((r) => r.rssFilled / 1024)) : NaN;
      lines.push(`| ${key} | ${median(plain).toFixed(2)} [${range(plain, 2)}] | ${key === 'liveviewjs' ? '' : `${(median(plain) / lp).toFixed(2)}×`} | ${median(filled).toFixed(2)} [${range(filled, 2)}] | ${key === 'liveviewjs' ? '' : `${(median(filled) / lf).toFixed(2)}×`} | ${median(rounds.map((r) => r.heapPerConn / 1024)).toFixed(2)} | ${(['newResident', 'oldFree', 'outside'] as const).map((k) => median(rounds.map((r) => r.split[k] / 1024)).toFixed(2)).join(' / ')} |`);
    }
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(path.join(RESULTS, 'indep-latest.json'), JSON.stringify({ date: new Date().toISOString(), load: [loadStart, loadMid, loadEnd], conns: CONNS, events: EVENTS, rounds: ROUNDS, idle: IDLE, settleMs: SETTLE_MS, cpu, mem }, null, 2));
}

main().then(() => process.exit(0), (err: unknown) => {
  console.error(err);
  process.exit(1);
});
