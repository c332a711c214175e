import type { Clock } from '../core/clock';
import { invalidArgument, misuse } from '../core/errors';

/** Timers one `advance` may fire before it gives up (a handler that reschedules itself with 0 ms would never end). */
export const MAX_FIRES_PER_ADVANCE = 10_000;

interface Timer {
  readonly id: number;
  readonly due: number;
  readonly fire: () => void;
}

/**
 * A clock a test moves by hand, for `djustLite({ clock })`: views' `sendAfter` timers wait on
 * it instead of on real time. `advance(ms)` fires the timers due by then, in time order (two at
 * the same time in the order they were set). `liveTest(app, path, { clock })` gives the view
 * `view.advance(ms)`, which also waits for what the fired timers made the view send.
 *
 * @example
 * const clock = testClock();
 * const live = djustLite({ views, clock });
 * // … a view calls this.sendAfter('hide-toast', 3000)
 * clock.advance(3000); // its handleInfo('hide-toast') is queued now
 */
export class TestClock implements Clock {
  #now = 0;
  #seq = 0;
  readonly #timers = new Map<number, Timer>();

  /** Milliseconds advanced since the clock was made. */
  get now(): number {
    return this.#now;
  }

  /** Timers set and not fired or cancelled yet. */
  get pending(): number {
    return this.#timers.size;
  }

  /** Clock: calls `fire` once `advance` has moved `ms` past now. */
  setTimeout(fire: () => void, ms: number): number {
    const id = ++this.#seq;
    this.#timers.set(id, { id, due: this.#now + Math.max(0, ms), fire });
    return id;
  }

  /** Clock: cancels a timer (one already fired or cancelled: nothing happens). */
  clearTimeout(timer: unknown): void {
    this.#timers.delete(timer as number);
  }

  /** Moves time on by `ms`, firing every timer due by then (those they set too, if due by then). */
  advance(ms: number): void {
    const until = this.#now + checkMs(ms);
    for (let fired = 0; this.fireNext(until); fired += 1) checkRunaway(fired, this.#now);
    this.#now = until;
  }

  /**
   * Fires the earliest timer due at or before `until` (a time on this clock, `now + ms`) and the
   * others due at that same time, moving `now` to it; false when none is due. `view.advance`
   * steps with it, waiting for the view between steps, so a timer a handler sets while time
   * moves (a ticking clock) fires in the same advance.
   */
  fireNext(until: number): boolean {
    let first: Timer | undefined;
    for (const timer of this.#timers.values()) if (timer.due <= until && (!first || timer.due < first.due)) first = timer;
    if (!first) return false;
    this.#now = Math.max(this.#now, first.due);
    for (const timer of [...this.#timers.values()]) {
      if (timer.due !== first.due || !this.#timers.has(timer.id)) continue; // cancelled by one fired before it
      this.#timers.delete(timer.id);
      timer.fire();
    }
    return true;
  }
}

/** `ms` if it is a finite number ≥ 0; else throws naming `advance(ms)`. */
export function checkMs(ms: number): number {
  if (typeof ms !== 'number' || !(ms >= 0) || !Number.isFinite(ms)) throw invalidArgument('advance(ms)', 'ms', 'a finite number of milliseconds ≥ 0', ms);
  return ms;
}

/** Throws once `fired` timers went off in one advance (a timer that sets itself again with 0 ms never lets time move). */
export function checkRunaway(fired: number, now: number): void {
  if (fired >= MAX_FIRES_PER_ADVANCE) {
    throw misuse(`advance(ms): over ${MAX_FIRES_PER_ADVANCE} timers fired in one advance, stuck at ${now} ms: a timer sets itself again with 0 ms? Advance in smaller steps or stop the loop.`);
  }
}

/**
 * A new `TestClock`, to pass to `djustLite({ clock })` and `liveTest(app, path, { clock })`.
 *
 * @example
 * const clock = testClock();
 * const app = createApp({ clock });            // your app factory hands it to djustLite()
 * const view = await liveTest(app, '/toast', { clock });
 * await view.element('#save').click();
 * await view.advance(3000);
 * expect(view.has('.toast')).toBe(false);
 */
export function testClock(): TestClock {
  return new TestClock();
}
