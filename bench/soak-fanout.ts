/**
 * Issue 23, row 3, "fan-out under load": a broadcast to 100 subscribers at 100 messages/s
 * (ChatView's `say`) while the neighbour clicks; its p99 beside a quiet window of the same run,
 * with no load and with a core burner beside it (bench/soak-load.ts). Goal: neighbour p99 ≤ 2×
 * quiet.
 */
import { floods, startSoakServer, type FloodsResult } from './soak-scenarios';
import { loadText, withLoad, type LoadNote } from './soak-load';
import type { Measured } from './soak-scenarios';
import { STALL_MS } from './soak-diag';
import { fanOutBlocks, type BlocksResult } from './soak-fanout-blocks';

type Goal = (name: string, figure: string, pass: boolean) => void;

export interface FanOutSpec {
  durationMs: number;
  quietMs: number;
  subscribers: number;
  /** Where the subscribers' clients run (FloodsSpec.subscribersIn): a child process by default, so the harness holds only the neighbour. */
  subscribersIn: 'harness' | 'child';
  /** Then quiet and fan-out blocks in turn (bench/soak-fanout-blocks.ts): how many pairs (0: none) and how long each block is. */
  blocks: number;
  blockMs: number;
}

export interface FanOutRow {
  floods: FloodsResult;
  blocks: BlocksResult | null;
  load: LoadNote;
}

const ms = (n: number): string => `${n.toFixed(1)} ms`;

/** The server's CPU in the window over the messages its subscribers applied in it (the neighbour's and broadcaster's events included). */
const perMessage = (row: FloodsResult['rows'][number]): string =>
  row.fanOutApplied ? `${(row.cpu.serverMicros / row.fanOutApplied).toFixed(1)} µs` : 'n/a';

/** Quiet window, fan-out window, quiet again — without and with a core burner; prints both and records the goals. */
export async function fanOutUnderLoad(spec: FanOutSpec, defaults: Record<string, unknown>, goal: Goal): Promise<FanOutRow[]> {
  const rows: FanOutRow[] = [];
  for (const burn of [false, true]) {
    const server = await startSoakServer(`soak fan-out${burn ? ', under load' : ''}`, defaults);
    try {
      const { result, load } = await withLoad(burn, spec.quietMs * 2 + spec.durationMs + spec.blocks * (spec.blockMs + 100) * 2 + 180_000, async () => ({
        floods: await floods(server, { durationMs: spec.durationMs, quietMs: spec.quietMs, subscribers: spec.subscribers, maxReconnects: 5000, only: ['chat'], subscribersIn: spec.subscribersIn }),
        blocks: spec.blocks > 0 ? await fanOutBlocks(server, { blocks: spec.blocks, blockMs: spec.blockMs, subscribers: spec.subscribers, subscribersIn: spec.subscribersIn }) : null,
      }));
      rows.push({ ...result, load });
    } finally {
      await server.stop();
    }
  }
  console.log(`\nfan-out: ${rows[0]?.floods.rows[0]?.name ?? 'chat'}, subscribers' clients in ${spec.subscribersIn === 'child' ? 'a child process (bench/soak-subscribers.ts)' : 'the harness process'}`);
  console.log('| load | quiet p50 / p99 | fan-out p50 / p99 | p99 / quiet | quiet again p99 | patches received / messages applied | server CPU per message | server loop delay max | CPU server / harness / subscribers / other |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    const q = r.floods.quiet.neighbour;
    const row = r.floods.rows[0];
    if (!row) continue;
    const n = row.neighbour;
    const ratio = n.p99 / q.p99;
    console.log(`| ${loadText(r.load)} | ${ms(q.p50)} / ${ms(q.p99)} | ${ms(n.p50)} / ${ms(n.p99)} | ${ratio.toFixed(2)}× | ${ms(r.floods.quietAfter.neighbour.p99)} | ${row.fanOutPatches ?? 0} / ${row.fanOutApplied ?? 0} | ${perMessage(row)} | ${ms(row.serverLoopDelayMaxMs)} | ${row.cpu.server} / ${row.cpu.harness} / ${row.subscribersCpu ?? 'in harness'} / ${row.cpu.other - (row.subscribersCpu ?? 0)} % |`);
    goal(`fan-out (${r.load.burner ? 'under load' : 'no load'}): neighbour p99 ≤ 2× quiet`, `${ms(n.p99)} vs ${ms(q.p99)} (${ratio.toFixed(2)}×)`, ratio <= 2 && n.errors === 0 && !n.closed);
  }
  if (rows.some((r) => r.blocks)) {
    console.log(`\nthe same in alternating blocks (bench/soak-fanout-blocks.ts): ${spec.blocks} quiet and ${spec.blocks} fan-out blocks of ${spec.blockMs} ms in turn, the subscribers mounted throughout; round trips pooled per kind`);
    console.log('| load | quiet blocks p50 / p99 (n) | fan-out blocks p50 / p99 (n) | p99 / quiet | broadcasts |');
    console.log('|---|---|---|---|---|');
    for (const r of rows) {
      const b = r.blocks;
      if (!b) continue;
      const ratio = b.fanOut.p99 / b.quiet.p99;
      console.log(`| ${loadText(r.load)} | ${ms(b.quiet.p50)} / ${ms(b.quiet.p99)} (${b.quiet.count}) | ${ms(b.fanOut.p50)} / ${ms(b.fanOut.p99)} (${b.fanOut.count}) | ${ratio.toFixed(2)}× | ${b.broadcasts} |`);
      goal(`fan-out in alternating blocks (${r.load.burner ? 'under load' : 'no load'}): neighbour p99 ≤ 2× quiet`, `${ms(b.fanOut.p99)} vs ${ms(b.quiet.p99)} (${ratio.toFixed(2)}×)`, ratio <= 2 && b.errors === 0);
    }
  }
  console.log('\nwhere the waits come from (bench/soak-diag.ts): the server\'s loop delay, GC pauses, and ms its main thread and the neighbour\'s thread sat runnable waiting for a CPU');
  console.log('| load | window | neighbour p99 / max | server loop delay p99 / max | GC pauses: n (minor) / total / longest | server run-queue wait | neighbour run-queue wait | CPU server / harness / subscribers / other |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    const windows: [string, Measured | undefined][] = [['quiet', r.floods.quiet], ['fan-out', r.floods.rows[0]], ['quiet again', r.floods.quietAfter]];
    for (const [name, m] of windows) {
      if (!m) continue;
      const d = m.diag;
      const diag = d ? `${ms(d.loopDelayP99Ms)} / ${ms(d.loopDelayMaxMs)} | ${d.gcCount} (${d.gcMinorCount}) / ${ms(d.gcTotalMs)} / ${ms(d.gcMaxMs)} | ${ms(d.runQueueWaitMs)}` : 'n/a | n/a | n/a';
      const subs = name === 'fan-out' ? r.floods.rows[0]?.subscribersCpu : 0;
      console.log(`| ${r.load.burner ? 'burner' : 'none'} | ${name} | ${ms(m.neighbour.p99)} / ${ms(m.neighbour.max)} | ${diag} | ${ms(m.neighbour.runQueueWaitMs ?? Number.NaN)} | ${m.cpu.server} / ${m.cpu.harness} / ${subs ?? 'in harness'} / ${m.cpu.other - (subs ?? 0)} % |`);
    }
  }
  if (rows.some((r) => r.floods.quiet.diag?.stalls)) {
    console.log(`\nthe server's stalls taken apart (SOAK_STALLS=1, bench/soak-diag.ts): a 2 ms timer late by over ${STALL_MS} ms, split by /proc/thread-self/schedstat into time the main thread ran and time it waited for a CPU; GC pauses overlapping it`);
    console.log('| load | window | longest stall: late / ran / waited for a CPU / GC in it | all stalls: n, late / ran / waited / GC |');
    console.log('|---|---|---|---|');
    for (const r of rows) {
      const windows: [string, Measured | undefined][] = [['quiet', r.floods.quiet], ['fan-out', r.floods.rows[0]], ['quiet again', r.floods.quietAfter]];
      for (const [name, m] of windows) {
        const st = m?.diag?.stalls;
        if (!st) continue;
        const l = st.longest;
        const o = st.over;
        console.log(`| ${r.load.burner ? 'burner' : 'none'} | ${name} | ${l ? `${ms(l.lateMs)} / ${ms(l.runMs)} / ${ms(l.waitMs)} / ${ms(l.gcMs)}` : 'none'} | ${o.count}, ${ms(o.lateMs)} / ${ms(o.runMs)} / ${ms(o.waitMs)} / ${ms(o.gcMs)} |`);
      }
    }
  }
  return rows;
}
