/**
 * The list page (issue 24), side by side: a table of 500 or 5,000 rows where each click (`inc`)
 * bumps one row's count and sets the title, on djust-lite (WebSocket) and LiveViewJS, at 50
 * connections, in interleaved rounds (for each size: djust-lite, LiveViewJS, djust-lite, …;
 * the median window by events/s is kept). Reports server CPU per event, events/s and bytes
 * per event. Run by `npm run bench` after the counter (skip with BENCH_LIST=0), alone with
 * `npm run bench -- --list`.
 *
 * Env: BENCH_LIST_ROWS ("500,5000"), BENCH_LIST_CONNS (50); loops, rounds and the bytes count
 * as the counter's (run.ts).
 *
 * Extension point: a variant of the page (the same table built with a stream, or with a
 * component per row) is one more entry in LIST_VARIANTS — its route prefix in both servers
 * (`/list<rows>` today) — and runs in the same rounds with the same clients.
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { SystemClient } from './client';
import { djustPage, djustWs } from './client-djust';
import { liveviewjs, lvjsPage } from './client-lvjs';
import type { BytesResult, LoopOptions, LoopResult } from './scenarios';
import { closedLoop, openClients, wireBytes } from './scenarios';
import { ServerProcess } from './spawn';

/** A way of building the list page; both servers serve it at `${prefix}${rows}`. */
export interface ListVariant {
  key: string;
  label: string;
  prefix: string;
}

/** The variants measured. Streams and components add theirs here (and their routes in both servers). */
export const LIST_VARIANTS: readonly ListVariant[] = [{ key: 'plain', label: 'plain {% for %}', prefix: '/list' }];

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

type ListSystem = 'djust-ws' | 'liveviewjs';

interface ListCell {
  system: ListSystem;
  variant: string;
  rows: number;
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
  return system === 'djust-ws'
    ? { page: (base) => djustPage(base, route), connect: djustWs.connect, probe: async () => null }
    : { page: (base) => lvjsPage(base, route), connect: liveviewjs.connect, probe: async () => null };
}

const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err)).split('\n').slice(0, 4).join(' | ');

/** Page loads and mounts at a time: a 5,000-row page costs each system tens of ms to render. */
const OPEN_CONCURRENCY = 10;

async function loopOnce(server: ServerProcess, client: SystemClient, connections: number, loop: LoopOptions): Promise<LoopResult> {
  const clients = await openClients(client, server.base, connections, undefined, OPEN_CONCURRENCY);
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

const LABELS: Record<ListSystem, string> = { 'djust-ws': 'djust-lite ws', liveviewjs: 'LiveViewJS 0.8' };

/** Runs the list page for every variant and size; prints its table and writes bench/results/list-latest.json. */
export async function runList(options: ListOptions): Promise<string> {
  const { log } = options;
  const sizes = envList('BENCH_LIST_ROWS', [500, 5000]);
  const connections = envList('BENCH_LIST_CONNS', [50])[0] as number;
  const load = os.loadavg().map((n) => n.toFixed(2)).join(' ');
  const systems: ListSystem[] = ['djust-ws', 'liveviewjs'];
  const servers = new Map<ListSystem, ServerProcess>();
  const cells: ListCell[] = [];
  try {
    for (const system of systems) {
      log(`list: ${LABELS[system]}: starting server`);
      servers.set(system, await ServerProcess.start(LABELS[system], system === 'djust-ws' ? options.djustScript : options.lvjsScript, { env: options.env }));
    }
    for (const variant of LIST_VARIANTS) {
      for (const rows of sizes) {
        const route = `${variant.prefix}${rows}`;
        const row = systems.map((system): ListCell => ({ system, variant: variant.key, rows, loop: null, bytes: null, errors: [] }));
        for (const cell of row) {
          const server = servers.get(cell.system) as ServerProcess;
          try {
            cell.bytes = (await wireBytes(listClient(cell.system, route), server.base, ['inc'], options.bytesEvents)).inc ?? null;
          } catch (err) {
            cell.errors.push(`bytes: ${errorText(err)}`);
          }
        }
        const windows: LoopResult[][] = row.map(() => []);
        for (let round = 0; round < options.rounds; round += 1) {
          for (const [i, cell] of row.entries()) {
            log(`list ${variant.key} ${rows} rows: ${LABELS[cell.system]}, ${connections} connections, round ${round + 1}/${options.rounds}`);
            try {
              windows[i]?.push(await loopOnce(servers.get(cell.system) as ServerProcess, listClient(cell.system, route), connections, loopFor(rows, options.loop)));
            } catch (err) {
              cell.errors.push(`round ${round + 1}: ${errorText(err)}`);
            }
          }
        }
        for (const [i, cell] of row.entries()) {
          const sorted = [...(windows[i] ?? [])].sort((a, b) => a.eventsPerSec - b.eventsPerSec);
          const kept = sorted[Math.floor((sorted.length - 1) / 2)];
          cell.loop = kept ? { ...kept, rounds: (windows[i] ?? []).map((w) => Math.round(w.eventsPerSec)) } : null;
        }
        cells.push(...row);
      }
    }
  } finally {
    for (const server of servers.values()) await server.stop();
  }
  const text = listTable(cells, connections, load);
  writeFileSync(path.join(options.results, 'list-latest.json'), JSON.stringify({ date: new Date().toISOString(), loadAverage: { before: load, after: os.loadavg() }, connections, rounds: options.rounds, loop: options.loop, cells }, null, 2));
  log('wrote bench/results/list-latest.json');
  return text;
}

const fmt = (n: number | undefined, digits = 0): string => (n === undefined || !Number.isFinite(n) ? '–' : n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }));

/** One line per variant and size: each system's figures, then djust-lite / LiveViewJS. */
function listTable(cells: readonly ListCell[], connections: number, load: string): string {
  const lines = [
    `list page — ${connections} connections, \`inc\` (one row's count + the title), median of interleaved rounds; load average before ${load}, after ${os.loadavg().map((n) => n.toFixed(2)).join(' ')}`,
    'variant, rows          │ system          │ server µs/event │ events/s │ server CPU % │ other CPU % │ bytes/event down (JSON) │ rounds (events/s)',
  ];
  const keys = [...new Set(cells.map((c) => `${c.variant} ${c.rows}`))];
  for (const key of keys) {
    const group = cells.filter((c) => `${c.variant} ${c.rows}` === key);
    for (const c of group) {
      const l = c.loop;
      lines.push(
        `${key.padEnd(22)} │ ${LABELS[c.system].padEnd(15)} │ ${fmt(l?.serverMicrosPerEvent).padStart(15)} │ ${fmt(l?.eventsPerSec).padStart(8)} │ ${fmt(l?.serverCpuPct).padStart(12)} │ ${fmt(l?.otherCpuPct).padStart(11)} │ ${`${fmt(c.bytes?.down)} (${fmt(c.bytes?.messages)})`.padStart(23)} │ ${(l?.rounds ?? []).join(', ')}${c.errors.length ? `  errors: ${c.errors.join('; ')}` : ''}`,
      );
    }
    const [d, v] = [group.find((c) => c.system === 'djust-ws'), group.find((c) => c.system === 'liveviewjs')];
    if (d?.loop && v?.loop) {
      const cpu = d.loop.serverMicrosPerEvent / v.loop.serverMicrosPerEvent;
      const eps = d.loop.eventsPerSec / v.loop.eventsPerSec;
      const target = key.startsWith('plain 500 ') || key === 'plain 500' ? ` (target ≤ 0.20×: ${cpu <= 0.2 ? 'PASS' : 'FAIL'}; events/s target ≥ 3×: ${eps >= 3 ? 'PASS' : 'FAIL'})` : '';
      const bytes = d.bytes ? `; djust-lite bytes/event ${fmt(d.bytes.down)} (target ≤ 130: ${d.bytes.down <= 130 ? 'PASS' : 'FAIL'})` : '';
      lines.push(`${key.padEnd(22)} │ djust / LVJS    │ CPU ${cpu.toFixed(2)}×, events/s ${eps.toFixed(2)}×${target}${bytes}`);
    }
  }
  return lines.join('\n');
}
