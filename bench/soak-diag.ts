/**
 * Where a neighbour's worst waits come from, measured in the soak server (bench/soak-server.ts
 * serves them in GET /soak/stats as `diag`) and printed beside the fan-out figures
 * (bench/soak-fanout.ts): the server's event-loop delay, its GC pauses, and
 * how long its main thread sat runnable on the kernel's run queue while other processes had the
 * CPUs (/proc/thread-self/schedstat: "time on a CPU, time waiting on a run queue, timeslices").
 * A long wait the server itself did not cause (no long turn, no GC) shows there.
 */
import { readFileSync } from 'node:fs';
import { constants, PerformanceObserver, type IntervalHistogram, type PerformanceEntry } from 'node:perf_hooks';

/** One thread's scheduler counters (Linux), ns; null where /proc/thread-self/schedstat is not readable. */
export interface Schedstat {
  runNs: number;
  waitNs: number;
  slices: number;
}

/** The calling thread's counters from /proc/thread-self/schedstat. */
export function threadSchedstat(): Schedstat | null {
  try {
    const [run, wait, slices] = readFileSync('/proc/thread-self/schedstat', 'utf8').trim().split(' ').map(Number);
    return run === undefined || wait === undefined || slices === undefined ? null : { runNs: run, waitNs: wait, slices };
  } catch {
    return null;
  }
}

/** What the server saw since the last reset. */
export interface ServerDiag {
  /** Event-loop delay (the server's one monitor, 2 ms resolution), ms: p99 and max. */
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  /** GC pauses on the main thread: count, total and longest, ms; minor ones (scavenges) apart. */
  gcCount: number;
  gcTotalMs: number;
  gcMaxMs: number;
  gcMinorCount: number;
  /** Main thread: ms on a CPU and ms runnable but waiting for one (other processes had them). */
  runMs: number;
  runQueueWaitMs: number;
}

/**
 * The server side: installs the GC observer once; `read(reset)` returns the figures since the
 * last reset. It reads the server's own loop-delay monitor rather than starting a second timer
 * (a finer one would wake the loop more often in the very runs it diagnoses).
 */
export class ServerDiagnostics {
  readonly #delay: IntervalHistogram;
  #gc = { count: 0, totalMs: 0, maxMs: 0, minor: 0 };
  #sched = threadSchedstat();

  /** @param delay the server's enabled `monitorEventLoopDelay` histogram; reset by `read(true)`. */
  constructor(delay: IntervalHistogram) {
    this.#delay = delay;
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        const kind = (entry as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind;
        this.#gc.count += 1;
        this.#gc.totalMs += entry.duration;
        this.#gc.maxMs = Math.max(this.#gc.maxMs, entry.duration);
        if (kind === constants.NODE_PERFORMANCE_GC_MINOR) this.#gc.minor += 1;
      }
    }).observe({ entryTypes: ['gc'] });
  }

  read(reset: boolean): ServerDiag {
    const sched = threadSchedstat();
    const before = this.#sched;
    const d: ServerDiag = {
      loopDelayP99Ms: this.#delay.percentile(99) / 1e6,
      loopDelayMaxMs: this.#delay.max / 1e6,
      gcCount: this.#gc.count,
      gcTotalMs: this.#gc.totalMs,
      gcMaxMs: this.#gc.maxMs,
      gcMinorCount: this.#gc.minor,
      runMs: sched && before ? (sched.runNs - before.runNs) / 1e6 : Number.NaN,
      runQueueWaitMs: sched && before ? (sched.waitNs - before.waitNs) / 1e6 : Number.NaN,
    };
    if (reset) {
      this.#delay.reset();
      this.#gc = { count: 0, totalMs: 0, maxMs: 0, minor: 0 };
      this.#sched = sched;
    }
    return d;
  }
}
