import { setImmediate } from 'node:timers';
import { Fifo } from '../core/fifo';

/** Something the scheduler resumes on a later turn (a Connection whose queue has work). */
export interface Resumable {
  resume(): void;
}

/** How long one turn may spend resuming connections before it lets I/O (other clients' frames) in, by default. */
export const READY_BUDGET_NS = 2_000_000n;

/**
 * The turns of one `djustLite()` instance: connections whose queue resumes on a later turn
 * (their own drain was cut short, or a push arrived) wait here in order. One turn resumes them
 * for up to `budgetNs`; the rest wait for the next turn, after the event loop has polled for
 * I/O. A broadcast to many subscribers thus renders in slices, with other clients' frames
 * answered first in between. Each instance has its own (lib/http/djust-lite.ts), so two instances in
 * one process never share a queue.
 *
 * @example
 * const scheduler = new Scheduler();
 * scheduler.schedule(connection); // connection.resume() runs on a later turn
 */
export class Scheduler {
  readonly #ready = new Fifo<Resumable>();
  readonly #budgetNs: bigint;
  #scheduled = false;
  /** Bound once: the callbacks of every setImmediate this scheduler arms. */
  readonly #run = (): void => this.#runReady();
  /** After a slice that ran out of budget: one more turn's wait, so frames read meanwhile go first (see `#runReady`). */
  readonly #yield = (): void => void setImmediate(this.#run);

  constructor(budgetNs: bigint = READY_BUDGET_NS) {
    this.#budgetNs = budgetNs;
  }

  /** Resumables waiting for a turn. */
  get waiting(): number {
    return this.#ready.length;
  }

  /** Resumes `target` on a later turn (the caller makes sure it is not waiting already). */
  schedule(target: Resumable): void {
    this.#ready.push(target);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.#run);
    }
  }

  #runReady(): void {
    this.#scheduled = false;
    const ready = this.#ready;
    const start = process.hrtime.bigint();
    for (let target = ready.shift(); target !== undefined; target = ready.shift()) {
      target.resume();
      if (ready.length > 0 && process.hrtime.bigint() - start > this.#budgetNs) {
        // The rest wait two turns, not one: the frames the next poll reads (ws emits each on
        // its own setImmediate, queued after ours) are then handled before the next slice, so a
        // client's own event never waits behind a backlog of pushes to others.
        this.#scheduled = true;
        setImmediate(this.#yield);
        return;
      }
    }
  }
}
