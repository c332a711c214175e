/**
 * BENCH_TURN_LOG=<file> in a bench server: how long the server's event-loop turns take, appended
 * to that file (the servers' stderr is piped away) once a second while any turn took over 1 ms (count, p50, p99, max and the time spent
 * in turns over 2 ms, and the CPU of the main thread and of the others: libuv's pool, GC). A neighbour's frame read in one turn is answered at the earliest in it,
 * so a long turn is a wait of the neighbour's. Measured with a chain of setImmediate (one per
 * turn): it keeps the loop from sleeping in its poll phase, so use it to diagnose, not for the
 * numbers the bench reports.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { constants, createHistogram, type PerformanceEntry, PerformanceObserver } from 'node:perf_hooks';

/** CPU ms (user + system) of this process's main thread, from /proc (10 ms ticks). */
function mainThreadCpuMs(): number {
  const fields = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

export function logTurns(label: string): void {
  const file = process.env.BENCH_TURN_LOG;
  if (!file) return;
  let histogram = createHistogram();
  let longNs = 0;
  let last = process.hrtime.bigint();
  let cpu = process.cpuUsage();
  /** GC pauses on the main thread this second: [count, ms] by kind. */
  let gcs = new Map<string, [number, number]>();
  const kinds: Record<number, string> = { [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor', [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major', [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental', [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb' };
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = kinds[(entry as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind ?? -1] ?? 'other';
      const [n, ms] = gcs.get(kind) ?? [0, 0];
      gcs.set(kind, [n + 1, ms + entry.duration]);
    }
  }).observe({ entryTypes: ['gc'] });
  let mainCpu = mainThreadCpuMs();
  const turn = (): void => {
    const now = process.hrtime.bigint();
    const ns = Number(now - last);
    last = now;
    histogram.record(Math.max(1, ns));
    if (ns > 2_000_000) longNs += ns;
    setImmediate(turn);
  };
  setImmediate(turn);
  setInterval(() => {
    const used = process.cpuUsage(cpu);
    const main = mainThreadCpuMs();
    if (histogram.max > 1_000_000) {
      const ms = (ns: number): string => (ns / 1e6).toFixed(2);
      const cpuMs = (used.user + used.system) / 1000;
      appendFileSync(file, `[turns ${label}] ${histogram.count} turns: p50 ${ms(histogram.percentile(50))} ms, p99 ${ms(histogram.percentile(99))} ms, max ${ms(histogram.max)} ms; ${ms(longNs)} ms in turns over 2 ms; CPU ${cpuMs.toFixed(0)} ms (main thread ${main - mainCpu} ms, other threads ${(cpuMs - (main - mainCpu)).toFixed(0)} ms); GC ${[...gcs].map(([k, [n, t]]) => `${k} ${n}× ${t.toFixed(1)} ms`).join(', ')}\n`);
    }
    cpu = process.cpuUsage();
    gcs = new Map();
    mainCpu = main;
    histogram = createHistogram();
    longNs = 0;
  }, 1000).unref();
}
