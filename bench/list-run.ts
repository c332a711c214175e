/**
 * The list page (issue 24), side by side: a table of 500 or 5,000 rows where each click (`inc`)
 * bumps one row's count and sets the title, at 50 connections, in interleaved rounds. For each
 * size, every entry of LIST_VARIANTS on every system that serves it takes its turn in each
 * round: the plain `{% for %}` table on djust-lite (WebSocket) and LiveViewJS, the same table
 * built with a stream and with a LiveComponent per row (djust-lite), and the bench counter
 * (djust-lite), whose CPU per event the stream and component rows are held to; the median
 * window by events/s is kept. Reports server CPU per event, events/s and bytes per event, and
 * the targets of issue 24. Run by `npm run bench` after the counter (skip with BENCH_LIST=0),
 * alone with `npm run bench -- --list`.
 *
 * Env: BENCH_LIST_ROWS ("500,5000"), BENCH_LIST_CONNS (50), BENCH_LIST_BASE (a compiled
 * bench/server-djust.js of another tree, measured in the same rounds as "djust-lite base");
 * loops, rounds and the bytes count as the counter's (run.ts). Every step has a deadline (its
 * loop + 120 s): past it the step is reported as failed and its connections closed; the
 * servers are stopped whatever happens (spawn.ts kills them on exit and on a signal too).
 */
import { existsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LiveClient, SystemClient } from './client';
import { djustPage, djustWs } from './client-djust';
import { liveviewjs, lvjsPage } from './client-lvjs';
import { componentRowsClient } from './list-clients';
import type { BytesResult, LoopOptions, LoopResult } from './scenarios';
import { closedLoop, openClients, wireBytes } from './scenarios';
import { ServerProcess } from './spawn';

type ListSystem = 'djust-ws' | 'djust-base' | 'liveviewjs';

/**
 * A way of building the list page (or the counter beside it): its route at a size, the
 * systems that serve it, and the client that clicks it.
 */
export interface ListVariant {
  key: string;
  label: string;
  /** The page at `rows` rows (the counter: the same page at every size). */
  route(rows: number): string;
  systems: readonly ListSystem[];
  /** The client of `system` on `route`; default: the counter's client on that page. */
  client?: (system: ListSystem, route: string, rows: number) => SystemClient;
  /** The counter: the counter's loop, not one lengthened for the rows. */
  counter?: boolean;
}

const DJUST: readonly ListSystem[] = ['djust-ws', 'djust-base'];

/**
 * The variants measured, in this order in each round: the plain `{% for %}` table (both
 * systems), the same table built with a stream and with a LiveComponent per row
 * (bench/list-variants.ts; djust-lite only: LiveViewJS 0.8 has no streams), and the bench
 * counter (`/counter`), whose CPU per event the stream and component rows are held to.
 */
export const LIST_VARIANTS: readonly ListVariant[] = [
  { key: 'plain', label: 'plain {% for %}', route: (rows) => `/list${rows}`, systems: ['djust-ws', 'djust-base', 'liveviewjs'] },
  { key: 'stream', label: 'stream rows', route: (rows) => `/list-stream${rows}`, systems: DJUST },
  { key: 'components', label: 'component rows', route: (rows) => `/list-components${rows}`, systems: DJUST, client: (_system, route, rows) => componentRowsClient(route, rows) },
  { key: 'counter', label: 'counter', route: () => '/counter', systems: DJUST, counter: true },
];

export interface ListOptions {
  root: string;
  results: string;
  loop: LoopOptions;
  rounds: number;
  bytesEvents: number;
  /** Server scripts and their environment, as run.ts starts them. */
  djustScript: string;
  lvjsScript: string;
  env: Record<string, string>;
  log: (message: string) => void;
}

interface ListCell {
  system: ListSystem;
  variant: string;
  rows: number;
  route: string;
  loop: LoopResult | null;
  bytes: BytesResult | null;
  errors: string[];
}

function envList(name: string, fallback: number[]): number[] {
  const raw = process.env[name];
  if (!raw) return fallback;
  const out = raw.split(',').map(Number);
  if (out.some((n) => !Number.isInteger(n) || n <= 0)) throw new TypeError(`${name} must be positive integers separated by commas, got ${JSON.stringify(raw)}`);
  return out;
}

/** The list page's client of a system: the counter's client, on the page `route`. */
export function listClient(system: ListSystem, route: string): SystemClient {
  return system === 'liveviewjs'
    ? { page: (base) => lvjsPage(base, route), connect: liveviewjs.connect, probe: async () => null }
    : { page: (base) => djustPage(base, route), connect: djustWs.connect, probe: async () => null };
}

const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err)).split('\n').slice(0, 4).join(' | ');

/** Page loads and mounts at a time: a 5,000-row page costs each system tens of ms to render. */
const OPEN_CONCURRENCY = 10;

/** Time a step may take beyond its own loop (opening 50 connections on a 5,000-row page, closing them). */
const STEP_SLACK_MS = 120_000;

/**
 * Runs `step` with a deadline: past `ms` it rejects (naming `what`) and every client the step
 * opened — now or later — is closed, so a stalled step ends the bench's wait, not the bench.
 */
async function withDeadline<T>(what: string, ms: number, step: (opened: (clients: readonly LiveClient[]) => void) => Promise<T>): Promise<T> {
  const held = new Set<LiveClient>();
  let expired = false;
  const opened = (clients: readonly LiveClient[]): void => {
    for (const c of clients) {
      if (expired) c.close();
      else held.add(c);
    }
  };
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      expired = true;
      for (const c of held) c.close();
      reject(new Error(`${what}: no result within ${Math.round(ms / 1000)} s (deadline); its connections were closed`));
    }, ms);
  });
  try {
    return await Promise.race([step(opened), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

async function loopOnce(server: ServerProcess, client: SystemClient, connections: number, loop: LoopOptions, opened: (clients: readonly LiveClient[]) => void): Promise<LoopResult> {
  const clients = await openClients(client, server.base, connections, undefined, OPEN_CONCURRENCY);
  opened(clients);
  try {
    // every connection's first event first (djust-lite parses the region then; it keeps the tree)
    await Promise.all(clients.map((c) => c.send('inc')));
    return await closedLoop(clients, 'inc', server, loop);
  } finally {
    for (const c of clients) c.close();
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

/**
 * The counter's loop, lengthened for big pages: a window must hold several round trips of
 * every connection (at 5,000 rows and 50 connections one round of clicks takes seconds on a
 * loaded 2-core machine; a 2-s window then counted none). At least 2 ms per row.
 */
function loopFor(rows: number, loop: LoopOptions): LoopOptions {
  return { ...loop, warmupMs: Math.max(loop.warmupMs, rows / 2), durationMs: Math.max(loop.durationMs, rows * 2) };
}

const LABELS: Record<ListSystem, string> = { 'djust-ws': 'djust-lite ws', 'djust-base': 'djust-lite base', liveviewjs: 'LiveViewJS 0.8' };

/**
 * The systems of this run: djust-lite and LiveViewJS, and `BENCH_LIST_BASE` (a compiled
 * bench/server-djust.js of another tree, say the commit before a change) as "djust-lite base",
 * measured in the same rounds for a before/after.
 */
function listSystems(options: ListOptions): Map<ListSystem, string> {
  const out = new Map<ListSystem, string>([['djust-ws', options.djustScript], ['liveviewjs', options.lvjsScript]]);
  const base = process.env.BENCH_LIST_BASE;
  if (base) {
    if (!existsSync(base)) throw new TypeError(`BENCH_LIST_BASE must name a compiled bench/server-djust.js, got ${JSON.stringify(base)} (no such file)`);
    out.set('djust-base', path.resolve(base));
  }
  return out;
}

/** Runs the list page for every variant and size; prints its table and writes bench/results/list-latest.json. */
export async function runList(options: ListOptions): Promise<string> {
  const { log } = options;
  const sizes = envList('BENCH_LIST_ROWS', [500, 5000]);
  const connections = envList('BENCH_LIST_CONNS', [50])[0] as number;
  const load = os.loadavg().map((n) => n.toFixed(2)).join(' ');
  const scripts = listSystems(options);
  const servers = new Map<ListSystem, ServerProcess>();
  const cells: ListCell[] = [];
  try {
    for (const [system, script] of scripts) {
      log(`list: ${LABELS[system]}: starting server`);
      servers.set(system, await ServerProcess.start(LABELS[system], script, { env: options.env }));
    }
    for (const rows of sizes) {
      // one group per size: every variant × system, taking turns within each round
      const group: { cell: ListCell; client: SystemClient; loop: LoopOptions; windows: LoopResult[] }[] = [];
      for (const variant of LIST_VARIANTS) {
        for (const system of variant.systems) {
          if (!servers.has(system)) continue;
          const route = variant.route(rows);
          group.push({
            cell: { system, variant: variant.key, rows, route, loop: null, bytes: null, errors: [] },
            client: variant.client?.(system, route, rows) ?? listClient(system, route),
            loop: variant.counter ? options.loop : loopFor(rows, options.loop),
            windows: [],
          });
        }
      }
      for (const { cell, client } of group) {
        const server = servers.get(cell.system) as ServerProcess;
        try {
          cell.bytes = (await withDeadline(`bytes ${cell.variant} ${rows} ${cell.system}`, STEP_SLACK_MS, () => wireBytes(client, server.base, ['inc'], options.bytesEvents))).inc ?? null;
        } catch (err) {
          cell.errors.push(`bytes: ${errorText(err)}`);
        }
      }
      for (let round = 0; round < options.rounds; round += 1) {
        for (const entry of group) {
          const { cell } = entry;
          const what = `list ${cell.variant} ${rows} rows: ${LABELS[cell.system]}, ${connections} connections, round ${round + 1}/${options.rounds}`;
          log(what);
          try {
            const ms = entry.loop.warmupMs + entry.loop.durationMs + STEP_SLACK_MS;
            entry.windows.push(await withDeadline(what, ms, (opened) => loopOnce(servers.get(cell.system) as ServerProcess, entry.client, connections, entry.loop, opened)));
          } catch (err) {
            cell.errors.push(`round ${round + 1}: ${errorText(err)}`);
          }
        }
      }
      for (const { cell, windows } of group) {
        const sorted = [...windows].sort((a, b) => a.eventsPerSec - b.eventsPerSec);
        const kept = sorted[Math.floor((sorted.length - 1) / 2)];
        cell.loop = kept ? { ...kept, rounds: windows.map((w) => Math.round(w.eventsPerSec)) } : null;
        cells.push(cell);
      }
    }
  } finally {
    for (const server of servers.values()) await server.stop();
  }
  const text = listTable(cells, connections, load);
  const json = JSON.stringify({ date: new Date().toISOString(), loadAverage: { before: load, after: os.loadavg() }, connections, rounds: options.rounds, loop: options.loop, base: process.env.BENCH_LIST_BASE ?? null, cells, checks: listChecks(cells) }, null, 2);
  writeFileSync(path.join(options.results, 'list-latest.json'), json);
  writeFileSync(path.join(options.results, `list-${new Date().toISOString().replace(/[:.]/g, '-')}.json`), json);
  log('wrote bench/results/list-latest.json');
  return text;
}

const fmt = (n: number | undefined, digits = 0): string => (n === undefined || !Number.isFinite(n) ? '–' : n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }));

/** One target of issue 24: the figure, its goal and whether it is met. */
interface ListCheck {
  what: string;
  value: number;
  goal: string;
  pass: boolean;
}

/**
 * The targets of issue 24, for djust-lite ws: plain table at 500 rows, CPU per event ≤ 0.2×
 * LiveViewJS and events/s ≥ 3×; stream and component rows at 5,000 rows, CPU per event ≤ 3×
 * the counter's (same run, same rounds); bytes per event ≤ 130 on every list page.
 */
function listChecks(cells: readonly ListCell[]): ListCheck[] {
  const find = (variant: string, rows: number, system: ListSystem) => cells.find((c) => c.variant === variant && c.rows === rows && c.system === system);
  const out: ListCheck[] = [];
  const d500 = find('plain', 500, 'djust-ws')?.loop;
  const v500 = find('plain', 500, 'liveviewjs')?.loop;
  if (d500 && v500) {
    out.push({ what: 'plain 500: CPU per event vs LiveViewJS', value: d500.serverMicrosPerEvent / v500.serverMicrosPerEvent, goal: '≤ 0.20×', pass: d500.serverMicrosPerEvent / v500.serverMicrosPerEvent <= 0.2 });
    out.push({ what: 'plain 500: events/s vs LiveViewJS', value: d500.eventsPerSec / v500.eventsPerSec, goal: '≥ 3×', pass: d500.eventsPerSec / v500.eventsPerSec >= 3 });
  }
  for (const variant of ['stream', 'components']) {
    const v = find(variant, 5000, 'djust-ws')?.loop;
    const counter = find('counter', 5000, 'djust-ws')?.loop;
    if (v && counter) out.push({ what: `${variant} 5000: CPU per event vs the counter`, value: v.serverMicrosPerEvent / counter.serverMicrosPerEvent, goal: '≤ 3×', pass: v.serverMicrosPerEvent / counter.serverMicrosPerEvent <= 3 });
  }
  for (const c of cells) {
    if (c.system === 'djust-ws' && c.variant !== 'counter' && c.bytes) out.push({ what: `${c.variant} ${c.rows}: bytes per event down`, value: c.bytes.down, goal: '≤ 130 B', pass: c.bytes.down <= 130 });
  }
  return out;
}

const ratio = (value: number, unit: string): string => (unit === 'B' ? `${fmt(value)} B` : `${value.toFixed(2)}×`);

/** One line per variant, size and system; ratio lines; then the targets of issue 24. */
function listTable(cells: readonly ListCell[], connections: number, load: string): string {
  const lines = [
    `list page — ${connections} connections, \`inc\` (one row's count + the title), median of interleaved rounds (every variant and system of a size in turn); load average before ${load}, after ${os.loadavg().map((n) => n.toFixed(2)).join(' ')}`,
    'variant, rows          │ system          │ server µs/event │ events/s │ server CPU % │ other CPU % │ bytes/event down (JSON) │ rounds (events/s)',
  ];
  for (const rows of [...new Set(cells.map((c) => c.rows))]) {
    const group = cells.filter((c) => c.rows === rows);
    const counter = group.find((c) => c.variant === 'counter' && c.system === 'djust-ws')?.loop;
    for (const c of group) {
      const l = c.loop;
      const key = c.variant === 'counter' ? `counter (beside ${rows})` : `${c.variant} ${rows}`;
      lines.push(
        `${key.padEnd(22)} │ ${LABELS[c.system].padEnd(15)} │ ${fmt(l?.serverMicrosPerEvent).padStart(15)} │ ${fmt(l?.eventsPerSec).padStart(8)} │ ${fmt(l?.serverCpuPct).padStart(12)} │ ${fmt(l?.otherCpuPct).padStart(11)} │ ${`${fmt(c.bytes?.down)} (${fmt(c.bytes?.messages)})`.padStart(23)} │ ${(l?.rounds ?? []).join(', ')}${c.errors.length ? `  errors: ${c.errors.join('; ')}` : ''}`,
      );
    }
    const d = group.find((c) => c.variant === 'plain' && c.system === 'djust-ws')?.loop;
    const v = group.find((c) => c.variant === 'plain' && c.system === 'liveviewjs')?.loop;
    if (d && v) lines.push(`${`plain ${rows}`.padEnd(22)} │ djust / LVJS    │ CPU ${(d.serverMicrosPerEvent / v.serverMicrosPerEvent).toFixed(2)}×, events/s ${(d.eventsPerSec / v.eventsPerSec).toFixed(2)}×`);
    for (const variant of ['plain', 'stream', 'components']) {
      const x = group.find((c) => c.variant === variant && c.system === 'djust-ws')?.loop;
      const b = group.find((c) => c.variant === variant && c.system === 'djust-base')?.loop;
      const parts: string[] = [];
      if (x && counter && variant !== 'plain') parts.push(`CPU ${(x.serverMicrosPerEvent / counter.serverMicrosPerEvent).toFixed(2)}× the counter's`);
      if (x && b) parts.push(`this tree / base: CPU ${(x.serverMicrosPerEvent / b.serverMicrosPerEvent).toFixed(2)}×, events/s ${(x.eventsPerSec / b.eventsPerSec).toFixed(2)}×`);
      if (parts.length) lines.push(`${`${variant} ${rows}`.padEnd(22)} │ djust-lite ws   │ ${parts.join('; ')}`);
    }
  }
  const checks = listChecks(cells);
  if (checks.length) {
    lines.push('', 'targets (issue 24, djust-lite ws):');
    for (const c of checks) lines.push(`  ${c.what.padEnd(44)} ${ratio(c.value, c.goal.endsWith('B') ? 'B' : '×').padStart(8)}  (target ${c.goal}): ${c.pass ? 'PASS' : 'FAIL'}`);
  }
  return lines.join('\n');
}
