import { setImmediate } from 'node:timers';
import { Fifo } from '../core/fifo';

/** Something the scheduler resumes on a later turn (a Connection whose queue has work). */
export interface Resumable {
  resume(): void;
}

/** How long one turn may spend resuming connections and flushing their writes before it lets I/O (other clients' frames) in, by default. */
export const READY_BUDGET_NS = 1_000_000n;

/** A monotonic clock in ns (process.hrtime.bigint; tests inject their own). */
export type NsClock = () => bigint;

/**
 * The turns of one `djustLite()` instance: connections whose queue resumes on a later turn
 * (their own drain was cut short, or a push arrived) wait here in order. One turn resumes them
 * and flushes their writes within `budgetNs`; the rest wait for the next turn, after the event
 * loop has polled for I/O; one scheduled again during a turn also waits for the next. A
 * broadcast to many subscribers thus renders in slices, with other clients' frames answered in
 * between. Each instance has its own (lib/http/djust-lite.ts), so two instances in one process
 * never share a queue.
 *
 * The writes of a slice leave together after it (one wake-up of a sleeping peer for all of
 * them), so the slice counts them in advance: it stops resuming once the time spent plus what
 * the flush will take — the last flushes' cost per resume, measured — reaches the budget. A
 * neighbour's frame that arrives during a turn thus waits about one budget, not the budget plus
 * ~16 µs for each socket the slice wrote to (a 1 ms slice of a 100-subscriber broadcast ran
 * ~2.3 ms with its flush).
 *
 * @example
 * const scheduler = new Scheduler();
 * scheduler.schedule(connection); // connection.resume() runs on a later turn
 */
export class Scheduler {
  readonly #ready = new Fifo<Resumable>();
  readonly #budgetNs: bigint;
  readonly #flush: () => void;
  readonly #now: NsClock;
  /** What the flush after a slice cost per resume, ns: the mean of the last flushes (see #learn). */
  #flushNsPerResume = 0n;
  #scheduled = false;
  /** Bound once: the callback of every setImmediate this scheduler arms. */
  readonly #run = (): void => this.#runReady();

  /**
   * @param budgetNs how long one turn may resume connections (READY_BUDGET_NS)
   * @param flush called before and after each turn's slice: lets the writes held for the turn go
   *   (the instance's write batch, lib/transport/write-batch.ts), so answers written in the poll
   *   phase do not wait for the slice, and the slice's pushes do not wait for the next poll
   * @param now the clock the budget is kept by (process.hrtime.bigint)
   */
  constructor(budgetNs: bigint = READY_BUDGET_NS, flush: () => void = () => {}, now: NsClock = process.hrtime.bigint) {
    this.#budgetNs = budgetNs;
    this.#flush = flush;
    this.#now = now;
  }

  /** Resumables waiting for a turn. */
  get waiting(): number {
    return this.#ready.length;
  }

  /** Resumes `target` on a later turn, at most once per turn (the caller makes sure it is not waiting already). */
  schedule(target: Resumable): void {
    this.#ready.push(target);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.#run);
    }
  }

  #runReady(): void {
    const ready = this.#ready;
    const now = this.#now;
    this.#flush();
    const flushCost = this.#flushNsPerResume;
    // Stops once now − start + resumed × flushCost > budget, kept as one moving deadline: each
    // resume takes its flush's share off it, so a resume costs one clock read and one BigInt
    // subtraction (each a heap allocation) instead of five BigInt operations.
    let deadline = now() + this.#budgetNs;
    let resumed = 0;
    // Only those waiting when the turn began: one scheduled again meanwhile (its queue cut short
    // once more, a push from a handler that ran here) waits for the next turn, after I/O.
    for (let left = ready.length; left > 0; left -= 1) {
      (ready.shift() as Resumable).resume();
      resumed += 1;
      deadline -= flushCost;
      if (now() > deadline) break;
    }
    // The slice's writes leave back to back: one wake-up of a sleeping peer for all of them (a
    // flush after each resume took the fan-out soak from 29–31 to 35–44 µs of CPU a message).
    const flushStart = now();
    this.#flush();
    this.#learn(now() - flushStart, BigInt(resumed));
    if (ready.length > 0) setImmediate(this.#run);
    else this.#scheduled = false;
  }

  /** Folds one flush's cost per resume into the estimate (the first as is, then half the old and half the new: a few turns forget a burst). */
  #learn(flushNs: bigint, resumed: bigint): void {
    if (resumed === 0n) return;
    const cost = flushNs / resumed;
    this.#flushNsPerResume = this.#flushNsPerResume === 0n ? cost : (this.#flushNsPerResume + cost) / 2n;
  }
}
