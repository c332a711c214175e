/**
 * The printed side of a run: one table with a column per system, then the targets as ratios
 * with PASS/FAIL, then the reasons behind every "n/a".
 */
import type { BundleResult } from './bundle';
import type { EventKind } from './client';
import type { BytesResult, IdleResult, LoopResult } from './scenarios';

export type SystemKey = 'djust-ws' | 'djust-public' | 'djust-sse' | 'wire' | 'floor' | 'liveviewjs';

export interface SystemResult {
  key: SystemKey;
  label: string;
  /** Null when it ran; else why not (e.g. "transport not available"). */
  unavailable: string | null;
  bytes: Partial<Record<EventKind, BytesResult>> | null;
  loops: Record<string, LoopResult>;
  idle: IdleResult | null;
  bundle: BundleResult | null;
  errors: string[];
}

export interface Target {
  system: SystemKey;
  name: string;
  value: number;
  /** Shown as e.g. "≥ 0.80×" or "≤ 15.0 KB"; "info" for a ratio shown without a goal. */
  goal: string;
  /** Null when not measured, and always for "info" rows (never PASS or FAIL). */
  pass: boolean | null;
  note?: string;
}

const KB = 1024;
/** Other processes using more than this (% of one core) during a window make it "noisy". */
export const NOISY_PCT = 25;

const num = (n: number | undefined, digits = 0): string =>
  n === undefined || !Number.isFinite(n) ? '–' : n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const ms = (n: number | undefined): string => (n === undefined || !Number.isFinite(n) ? '–' : n < 10 ? n.toFixed(3) : n.toFixed(1));
const kb = (n: number | undefined): string => (n === undefined || !Number.isFinite(n) ? '–' : (n / KB).toFixed(1));

function pad(cells: string[][]): string {
  const widths: number[] = [];
  for (const row of cells) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, [...cell].length)));
  return cells
    .map((row, r) => {
      const line = row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] as number) : cell.padStart(widths[i] as number))).join(' │ ');
      return r === 0 ? `${line}\n${widths.map((w) => '─'.repeat(w)).join('─┼─')}` : line;
    })
    .join('\n');
}

type Cell = (s: SystemResult) => string;

/** The main table: one row per measurement, one column per system. */
export function resultsTable(systems: readonly SystemResult[], ladder: readonly number[]): string {
  const loop = (c: number, f: (l: LoopResult) => string): Cell => (s) => {
    const l = s.loops[String(c)];
    if (!l) return 'n/a';
    return l.errors > 0 && l.samples === 0 ? `err(${l.errors})` : f(l) + (l.errors > 0 ? ` err${l.errors}` : '');
  };
  const bytes = (kind: EventKind, f: (b: BytesResult) => string): Cell => (s) => {
    const b = s.bytes?.[kind];
    return b ? f(b) : 'n/a';
  };
  const idle = (n: number, f: (step: NonNullable<IdleResult['steps'][number]>) => string): Cell => (s) => {
    const step = s.idle?.steps.find((x) => x.connections === n);
    if (step) return f(step);
    return s.idle?.skipped.some((x) => x.connections === n) ? 'skipped' : 'n/a';
  };
  const bundle = (f: (b: Extract<BundleResult, { ok: true }>['size']) => string): Cell => (s) => (s.bundle?.ok ? f(s.bundle.size) : 'n/a');

  const rows: [string, Cell][] = [
    ['click→title p50, 1 conn (ms)', loop(1, (l) => ms(l.p50Ms))],
    ['click→title p99, 1 conn (ms)', loop(1, (l) => ms(l.p99Ms))],
    ['click→title p50, 50 conns (ms)', loop(50, (l) => ms(l.p50Ms))],
    ['click→title p99, 50 conns (ms)', loop(50, (l) => ms(l.p99Ms))],
    ['click→title p50, 100 conns (ms)', loop(100, (l) => ms(l.p50Ms))],
    ['click→title p99, 100 conns (ms)', loop(100, (l) => ms(l.p99Ms))],
    ['events/s, 1 conn', loop(1, (l) => num(l.eventsPerSec))],
    ['events/s, 50 conns', loop(50, (l) => num(l.eventsPerSec))],
    ['events/s, 100 conns', loop(100, (l) => num(l.eventsPerSec))],
    ['server CPU per event @1/@50/@100 (µs)', (s) => [1, 50, 100].map((c) => { const l = s.loops[String(c)]; return l ? num(l.serverMicrosPerEvent, 1) : '–'; }).join('/')],
    ['client CPU per event @50 (µs)', loop(50, (l) => num(l.clientMicrosPerEvent, 1))],
    ['  CPU server/client/other @50 (% core)', loop(50, (l) => `${num(l.serverCpuPct)}/${num(l.clientCpuPct)}/${num(l.otherCpuPct)}`)],
    ['  CPU server/client/other @100 (% core)', loop(100, (l) => `${num(l.serverCpuPct)}/${num(l.clientCpuPct)}/${num(l.otherCpuPct)}`)],
    ...ladder.map((n): [string, Cell] => [`RSS per idle conn @${n >= 1000 ? `${n / 1000}k` : n} (KB)`, idle(n, (x) => kb(x.rssPerConn))]),
    [`  RSS slope per conn, last two steps (KB)`, (s) => {
      const steps = s.idle?.steps ?? [];
      const [a, b] = steps.slice(-2);
      return a && b ? kb((b.rssBytes - a.rssBytes) / (b.connections - a.connections)) : 'n/a';
    }],
    ...ladder.map((n): [string, Cell] => [`  heap+ext per idle conn @${n >= 1000 ? `${n / 1000}k` : n} (KB)`, idle(n, (x) => kb(x.heapPerConn))]),
    ['bytes down per click (title+count)', bytes('inc', (b) => num(b.down))],
    ['bytes down, title-only update', bytes('retitle', (b) => num(b.down))],
    ['bytes down, one-field content update', bytes('bump', (b) => num(b.down))],
    ['  of which JSON (title-only/one-field)', (s) => (s.bytes?.retitle && s.bytes.bump ? `${num(s.bytes.retitle.messages)}/${num(s.bytes.bump.messages)}` : 'n/a')],
    ['bytes up per event', bytes('inc', (b) => num(b.up))],
    ['client bundle raw (KB)', bundle((b) => kb(b.raw))],
    ['client bundle gzip -9 (KB)', bundle((b) => kb(b.gzip))],
    ['  source modules raw/gzip per file (KB)', bundle((b) => (b.sources ? `${kb(b.sources.raw)}/${kb(b.sources.gzip)}` : 'n/a'))],
  ];
  const header = ['metric', ...systems.map((s) => s.label)];
  const body = rows.map(([name, cell]) => [name, ...systems.map((s) => (s.unavailable ? 'n/a' : cell(s)))]);
  return pad([header, ...body]);
}

/** Ratios against the floor and LiveViewJS, and the absolute budgets, for each djust-lite transport. */
export function computeTargets(systems: readonly SystemResult[]): Target[] {
  const by = (key: SystemKey): SystemResult | undefined => systems.find((s) => s.key === key && !s.unavailable);
  const floor = by('floor');
  const lvjs = by('liveviewjs');
  const targets: Target[] = [];
  const ratio = (a: number | undefined, b: number | undefined): number => (a !== undefined && b !== undefined && b > 0 ? a / b : Number.NaN);
  const check = (value: number, ok: (v: number) => boolean): boolean | null => (Number.isFinite(value) ? ok(value) : null);

  for (const key of ['djust-ws', 'djust-sse'] as const) {
    const all = systems.find((s) => s.key === key);
    const s = by(key);
    const note = s ? undefined : all?.unavailable ? `n/a (${all.unavailable})` : 'n/a (not run)';
    const loop = (c: number): LoopResult | undefined => s?.loops[String(c)];
    for (const c of [50, 100]) {
      const v = ratio(loop(c)?.eventsPerSec, floor?.loops[String(c)]?.eventsPerSec);
      targets.push({ system: key, name: `events/s @${c} vs floor`, value: v, goal: '≥ 0.80×', pass: check(v, (x) => x >= 0.8), note });
    }
    if (key === 'djust-sse') {
      for (const c of [50, 100]) {
        const v = ratio(loop(c)?.eventsPerSec, lvjs?.loops[String(c)]?.eventsPerSec);
        targets.push({ system: key, name: `events/s @${c} vs LiveViewJS`, value: v, goal: '≥ 1.00×', pass: check(v, (x) => x >= 1), note });
      }
    }
    const p50 = ratio(loop(1)?.p50Ms, floor?.loops['1']?.p50Ms);
    targets.push({ system: key, name: 'p50 @1 vs floor', value: p50, goal: '≤ 1.15×', pass: check(p50, (x) => x <= 1.15), note });
    const p99 = ratio(loop(1)?.p99Ms, floor?.loops['1']?.p99Ms);
    targets.push({ system: key, name: 'p99 @1 vs floor', value: p99, goal: '≤ 2.00×', pass: check(p99, (x) => x <= 2), note });
    const p50l = ratio(loop(1)?.p50Ms, lvjs?.loops['1']?.p50Ms);
    targets.push({ system: key, name: 'p50 @1 vs LiveViewJS', value: p50l, goal: '≤ 1.00×', pass: check(p50l, (x) => x <= 1), note });
    const idle = s?.idle?.steps.find((x) => x.connections === 3000)?.rssPerConn ?? Number.NaN;
    targets.push({ system: key, name: 'RSS per idle conn @3k', value: idle, goal: '≤ 15.0 KB', pass: check(idle, (x) => x <= 15 * KB), note });
  }
  // Issue 18: clearly ahead of LiveViewJS on the same counter, over WebSocket — the bench's
  // counter and the same counter written as an application would (plain CommonJS, public API).
  for (const key of ['djust-ws', 'djust-public'] as const) {
    const all = systems.find((s) => s.key === key);
    if (!all) continue;
    const s = by(key);
    const lvjsNote = lvjs ? undefined : 'n/a (LiveViewJS not run)';
    const note = s ? lvjsNote : all.unavailable ? `n/a (${all.unavailable})` : 'n/a (not run)';
    const loop = (c: number): LoopResult | undefined => s?.loops[String(c)];
    for (const [c, goal] of [[1, 1], [50, 1.5], [100, 1.5]] as const) {
      const v = ratio(loop(c)?.eventsPerSec, lvjs?.loops[String(c)]?.eventsPerSec);
      targets.push({ system: key, name: `events/s @${c} vs LiveViewJS`, value: v, goal: `≥ ${goal.toFixed(2)}×`, pass: check(v, (x) => x >= goal), note });
    }
    const cpu = ratio(loop(50)?.serverMicrosPerEvent, lvjs?.loops['50']?.serverMicrosPerEvent);
    targets.push({ system: key, name: 'server CPU per event @50 vs LiveViewJS', value: cpu, goal: '≤ 0.60×', pass: check(cpu, (x) => x <= 0.6), note });
    const rss = (x: SystemResult | undefined, n: number): number | undefined => x?.idle?.steps.find((step) => step.connections === n)?.rssPerConn;
    const mem = ratio(rss(s, 3000), rss(lvjs, 3000));
    targets.push({ system: key, name: 'RSS per idle conn @3k vs LiveViewJS', value: mem, goal: '≤ 0.80×', pass: check(mem, (x) => x <= 0.8), note });
    // Held: the 10k step opened and mounted every connection. A ladder that failed on the way is a FAIL.
    const held = rss(s, 10000) ?? Number.NaN;
    const skipped = s?.idle?.skipped.find((x) => x.connections === 10000);
    const failed = s ? s.errors.some((e) => e.startsWith('idle:')) : false;
    const attempted = Number.isFinite(held) || failed;
    targets.push({
      system: key,
      name: '10k idle mounted conns held (RSS per conn)',
      value: held,
      goal: 'held, KB',
      pass: attempted ? Number.isFinite(held) : null,
      note: skipped ? `n/a (skipped: ${skipped.reason})` : s ? 'n/a (10000 not in BENCH_IDLE)' : note,
    });
  }

  // Informational: djust-lite against the wire floor (a zero-cost server speaking its protocol
  // to the same client), and the wire floor against the echo floor (what the protocol itself
  // leaves). No goal: these say where a shortfall comes from, they are not budgets.
  const wire = by('wire');
  const missing = (key: SystemKey, label: string): string | undefined => {
    if (by(key)) return undefined;
    const all = systems.find((s) => s.key === key);
    return all?.unavailable ? `n/a (${label}: ${all.unavailable})` : `n/a (${label} not run)`;
  };
  {
    const s = by('djust-ws');
    const note = missing('djust-ws', 'djust-lite ws') ?? missing('wire', 'wire floor');
    for (const c of [50, 100]) {
      const v = ratio(s?.loops[String(c)]?.eventsPerSec, wire?.loops[String(c)]?.eventsPerSec);
      targets.push({ system: 'djust-ws', name: `events/s @${c} vs wire floor`, value: v, goal: 'info', pass: null, note });
    }
    const p50w = ratio(s?.loops['1']?.p50Ms, wire?.loops['1']?.p50Ms);
    targets.push({ system: 'djust-ws', name: 'p50 @1 vs wire floor', value: p50w, goal: 'info', pass: null, note });
    const ceiling = ratio(wire?.loops['50']?.eventsPerSec, floor?.loops['50']?.eventsPerSec);
    targets.push({ system: 'wire', name: 'events/s @50 vs floor', value: ceiling, goal: 'info', pass: null, note: missing('wire', 'wire floor') ?? missing('floor', 'floor') });
  }

  const bundle = systems.find((s) => s.key === 'djust-ws')?.bundle;
  const gz = bundle?.ok ? bundle.size.gzip : Number.NaN;
  targets.push({
    system: 'djust-ws',
    name: 'client bundle gzip',
    value: gz,
    // The client's budget (the bundle test holds it too): 8 KB gzip with hooks and loading states.
    goal: '≤ 8.0 KB',
    pass: check(gz, (x) => x <= 8 * KB),
    note: bundle && !bundle.ok ? `n/a (${bundle.reason})` : undefined,
  });
  return targets;
}

export function targetsTable(targets: readonly Target[], labels: Record<SystemKey, string>): string {
  const value = (t: Target): string => {
    if (!Number.isFinite(t.value)) return 'n/a';
    return t.goal.includes('KB') ? `${kb(t.value)} KB` : `${t.value.toFixed(2)}×`;
  };
  const rows = targets.map((t) => [
    `${labels[t.system]}: ${t.name}`,
    value(t),
    t.goal,
    t.goal === 'info' && Number.isFinite(t.value) ? '–' : t.pass === null ? (t.note ?? 'n/a') : t.pass ? 'PASS' : 'FAIL',
  ]);
  return pad([['target', 'measured', 'goal', 'result'], ...rows]);
}

/** Why cells read "n/a", "skipped" or "err". */
export function notes(systems: readonly SystemResult[]): string {
  const lines: string[] = [];
  for (const s of systems) {
    if (s.unavailable) lines.push(`${s.label}: n/a (${s.unavailable})`);
    for (const skip of s.idle?.skipped ?? []) lines.push(`${s.label}: idle @${skip.connections} skipped: ${skip.reason}`);
    for (const [c, l] of Object.entries(s.loops)) {
      if (l.errors > 0) lines.push(`${s.label}: ${l.errors} failed round trips @${c} conns, first: ${l.firstError}`);
      if (l.otherCpuPct > NOISY_PCT) {
        lines.push(`${s.label}: noisy @${c} conns: other processes used ${num(l.otherCpuPct)}% of a core during the quietest of ${l.attempts ?? 1} window(s); rerun on a quiet machine`);
      }
    }
    if (s.bundle && !s.bundle.ok && !s.unavailable) lines.push(`${s.label}: bundle n/a (${s.bundle.reason})`);
    for (const e of s.errors) lines.push(`${s.label}: error: ${e}`);
  }
  return lines.join('\n');
}
