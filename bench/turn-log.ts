/**
 * BENCH_TURN_LOG=<file> in a bench server: how long the server's event-loop turns take, appended
 * to that file (the servers' stderr is piped away) once a second while any turn took over 1 ms (count, p50, p99, max and the time spent
 * in turns over 2 ms). A neighbour's frame read in one turn is answered at the earliest in it,
 * so a long turn is a wait of the neighbour's. Measured with a chain of setImmediate (one per
 * turn): it keeps the loop from sleeping in its poll phase, so use it to diagnose, not for the
 * numbers the bench reports.
 */
import { appendFileSync } from 'node:fs';
import { createHistogram } from 'node:perf_hooks';

export function logTurns(label: string): void {
  const file = process.env.BENCH_TURN_LOG;
  if (!file) return;
  let histogram = createHistogram();
  let longNs = 0;
  let last = process.hrtime.bigint();
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
    if (histogram.max > 1_000_000) {
      const ms = (ns: number): string => (ns / 1e6).toFixed(2);
      appendFileSync(file, `[turns ${label}] ${histogram.count} turns: p50 ${ms(histogram.percentile(50))} ms, p99 ${ms(histogram.percentile(99))} ms, max ${ms(histogram.max)} ms; ${ms(longNs)} ms in turns over 2 ms\n`);
    }
    histogram = createHistogram();
    longNs = 0;
  }, 1000).unref();
}
