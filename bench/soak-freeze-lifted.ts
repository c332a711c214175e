/**
 * Issue 23, row 2, "lifted-limit freeze": junk frames beside a pending handler with
 * `maxEventsPerSecond` raised out of the way (as the bench does), so only the job caps and the
 * transport's one-frame-per-turn reading stand between the flood and everyone else. Printed
 * beside a quiet baseline (the prober alone) from the same run, with no load and with a core
 * burner beside it (bench/soak-load.ts). Goal: longest HTTP silence ≤ 100 ms in every freeze.
 */
import { freeze, serverStats, startSoakServer, type FreezeResult, type FreezeSpec } from './soak-scenarios';
import { startProber, type ProbeResult } from './soak-probes';
import { loadText, withLoad, type LoadNote } from './soak-load';

type Goal = (name: string, figure: string, pass: boolean) => void;

export interface LiftedFreezeRow {
  quiet: ProbeResult;
  freeze: FreezeResult;
  load: LoadNote;
}

const ms = (n: number): string => `${n.toFixed(1)} ms`;

/** The prober alone for `windowMs`: the longest HTTP silence of an idle server on this machine now. */
async function quietBaseline(base: string, windowMs: number): Promise<ProbeResult> {
  const prober = startProber(base, 5, windowMs + 30_000);
  await new Promise((resolve) => setTimeout(resolve, windowMs));
  return prober.stop();
}

/** Runs the quiet baseline and the freeze, without and with a core burner; prints both and records the goals. */
export async function liftedFreeze(spec: FreezeSpec, defaults: Record<string, unknown>, goal: Goal): Promise<LiftedFreezeRow[]> {
  const rows: LiftedFreezeRow[] = [];
  for (const burn of [false, true]) {
    const server = await startSoakServer(`soak lifted-limit freeze${burn ? ', under load' : ''}`, { ...defaults, maxEventsPerSecond: 1_000_000 });
    try {
      const { result, load } = await withLoad(burn, spec.timeoutMs + spec.holdMs * 3 + 60_000, async () => {
        const quiet = await quietBaseline(server.base, spec.holdMs);
        await serverStats(server, true);
        return { quiet, freeze: await freeze(server, spec) };
      });
      rows.push({ ...result, load });
    } finally {
      await server.stop();
    }
  }
  console.log('\nlifted-limit freeze (maxEventsPerSecond 1e6; junk frames beside a pending handler)');
  console.log('| load | quiet: longest HTTP silence | freeze: longest HTTP silence | freeze: HTTP p99 | frames sent | server loop delay max | server GC longest / run-queue wait | CPU server / harness / other |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    const f = r.freeze;
    console.log(`| ${loadText(r.load)} | ${ms(r.quiet.maxGapMs)} | ${ms(f.probe.maxGapMs)} | ${ms(f.probe.p99LatencyMs)} | ${f.flood.frames} | ${ms(f.serverLoopDelayMaxMs)} | ${f.diag ? `${ms(f.diag.gcMaxMs)} / ${ms(f.diag.runQueueWaitMs)}` : 'n/a'} | ${f.cpu.server} / ${f.cpu.harness} / ${f.cpu.other} % |`);
    const st = f.diag?.stalls;
    if (st?.longest) {
      const l = st.longest;
      console.log(`|   ↳ server's longest stall (SOAK_STALLS=1): late ${ms(l.lateMs)} = ran ${ms(l.runMs)} + waited for a CPU ${ms(l.waitMs)} (+ other); GC in it ${ms(l.gcMs)}; ${st.over.count} stalls over 5 ms: ran ${ms(st.over.runMs)}, waited ${ms(st.over.waitMs)}, GC ${ms(st.over.gcMs)} of ${ms(st.over.lateMs)} |||||||`);
    }
    goal(`lifted-limit freeze (${r.load.burner ? 'under load' : 'no load'}): longest HTTP silence ≤ 100 ms`, `${ms(f.probe.maxGapMs)} (quiet ${ms(r.quiet.maxGapMs)})`,
      f.probe.maxGapMs <= 100 && f.probe.failures === 0 && f.answersAfter);
  }
  return rows;
}
