import { clearTimeout, setTimeout } from 'node:timers';

/**
 * Where a view's `sendAfter` timers run (option `clock` of `djustLite()`): Node's own timers by
 * default; a test passes `testClock()` from `djust-lite/testing` and moves time itself.
 *
 * @example
 * const clock: Clock = { setTimeout: (fire, ms) => setTimeout(fire, ms), clearTimeout: (timer) => clearTimeout(timer as NodeJS.Timeout) };
 */
export interface Clock {
  /** Calls `fire` once after `ms`; returns what `clearTimeout` takes to cancel it. */
  setTimeout(fire: () => void, ms: number): unknown;
  /** Cancels a timer `setTimeout` returned (one already fired or cancelled: nothing happens). */
  clearTimeout(timer: unknown): void;
}

/** Node's timers (the default `clock`). */
export const nodeClock: Clock = {
  setTimeout: (fire, ms) => setTimeout(fire, ms),
  clearTimeout: (timer) => clearTimeout(timer as NodeJS.Timeout),
};

/** A `Clock`: an object with `setTimeout` and `clearTimeout` methods. */
export function isClock(value: unknown): value is Clock {
  return typeof value === 'object' && value !== null
    && typeof (value as Clock).setTimeout === 'function' && typeof (value as Clock).clearTimeout === 'function';
}
