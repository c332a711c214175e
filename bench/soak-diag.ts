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
  /** With SOAK_STALLS=1 in the server: its loop's stalls taken apart (`StallMeter`). */
  stalls?: Stalls;
}

/** One stretch between two ticks of a 2 ms timer, ms: how long past its due time, and what the main thread did meanwhile. */
export interface Stall {
  /** Past the tick's due time. */
  lateMs: number;
  /** On a CPU (our code, GC on the main thread). */
  runMs: number;
  /** Runnable, waiting for a CPU another process had. */
  waitMs: number;
  /** GC pauses overlapping it (they count in `runMs`, or in neither when the main thread waited on GC helper threads). */
  gcMs: number;
}

/** The longest stall and the sum over all stalls over STALL_MS. */
export interface Stalls {
  longest: Stall | null;
  over: Stall & { count: number };
}

/** A stall worth taking apart: the timer this late, ms. */
export const STALL_MS = 5;

/**
 * Ticks every 2 ms and reads the main thread's /proc/thread-self/schedstat at each tick, so a
 * late tick (the loop was held) splits into time on a CPU and time waiting for one; GC pauses
 * that overlap it are added from the GC observer. About 500 file reads a second (~1 % of a
 * core): opt-in (SOAK_STALLS=1), a diagnosis, not the soak's figures.
 */
class StallMeter {
  readonly #intervalMs = 2;
  #at = performance.now();
  #sched = threadSchedstat();
  /** Since the last reset (bounded): stalls over STALL_MS and GC pauses, performance.now() timebase. */
  #stalls: (Stall & { from: number; to: number })[] = [];
  #gcs: { from: number; to: number }[] = [];

  constructor() {
    setInterval(() => this.#tick(), this.#intervalMs).unref();
  }

  #tick(): void {
    const now = performance.now();
    const sched = threadSchedstat();
    const late = now - this.#at - this.#intervalMs;
    if (late > STALL_MS && sched && this.#sched && this.#stalls.length < 10_000) {
      this.#stalls.push({ from: this.#at, to: now, lateMs: late, runMs: (sched.runNs - this.#sched.runNs) / 1e6, waitMs: (sched.waitNs - this.#sched.waitNs) / 1e6, gcMs: 0 });
    }
    this.#at = now;
    this.#sched = sched;
  }

  /** A GC pause (performance.now() timebase; the observer reports it after the fact). */
  gc(start: number, duration: number): void {
    if (this.#gcs.length < 10_000) this.#gcs.push({ from: start, to: start + duration });
  }

  read(reset: boolean): Stalls {
    const over = { count: 0, lateMs: 0, runMs: 0, waitMs: 0, gcMs: 0 };
    let longest: Stall | null = null;
    for (const s of this.#stalls) {
      let gcMs = 0;
      for (const g of this.#gcs) gcMs += Math.max(0, Math.min(s.to, g.to) - Math.max(s.from, g.from));
      const stall = { lateMs: s.lateMs, runMs: s.runMs, waitMs: s.waitMs, gcMs };
      over.count += 1;
      over.lateMs += stall.lateMs;
      over.runMs += stall.runMs;
      over.waitMs += stall.waitMs;
      over.gcMs += stall.gcMs;
      if (!longest || stall.lateMs > longest.lateMs) longest = stall;
    }
    if (reset) {
      this.#stalls = [];
      this.#gcs = [];
    }
    return { longest, over };
  }
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
  readonly #stalls = process.env.SOAK_STALLS === '1' ? new StallMeter() : null;

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
        this.#stalls?.gc(entry.startTime, entry.duration);
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
      ...(this.#stalls && { stalls: this.#stalls.read(reset) }),
    };
    if (reset) {
      this.#delay.reset();
      this.#gc = { count: 0, totalMs: 0, maxMs: 0, minor: 0 };
      this.#sched = sched;
    }
    return d;
  }
}
