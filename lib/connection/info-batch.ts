import { AsyncCompletion } from '../view/async-work';
import type { Step } from '../view/lifecycle';
import type { ServerMessage } from '../contract/protocol';
import type { InfoJob, JobQueue } from './job-queue';
import type { Departure, MountedView } from './mounted-view';

/**
 * `handleInfo` messages one batch runs at most before it renders: as many as the jobs a
 * connection takes in one turn (connection.ts), where each message of a batch counts as one, so
 * one turn of a connection runs at most twice that many messages.
 */
export const INFO_BATCH_MAX = 16;

/**
 * How long a batch keeps taking messages, in ms by the instance's clock (`Date.now`: 1–2 ms of
 * handlers; the batch's one render comes after), about one scheduler slice (scheduler.ts).
 */
export const INFO_BATCH_MS = 2;

/**
 * Runs a `handleInfo` message (pub/sub, timers) — and, when more of them wait right behind it
 * in the connection's queue (a subscriber that fell behind a burst of broadcasts), those too,
 * rendered once: each handler runs in order, then one render → diff → patch → side channel for
 * the batch, instead of one per message. What a subscriber receives is the same final state,
 * with the intermediate renders skipped (as a full queue already drops the oldest infos).
 *
 * Bounded for fairness: at most INFO_BATCH_MAX messages and INFO_BATCH_MS of handlers, and a
 * batch takes only infos that are next in the queue, so an event (a click) or navigation queued
 * behind them runs after the batch's patch, in arrival order, as it would have unbatched. A
 * message that throws is rolled back alone and answered `error`; the batch goes on
 * (ViewLifecycle.changeEach). Async results (assignAsync/startAsync) and messages meant for a view
 * that has left are never batched. One message alone takes the single path (`MountedView.info`).
 *
 * @example
 * // Connection, for an info job whose view is the one mounted:
 * return infoBatch(mounted, job, queue, host, out, ctx.now);
 */
export function infoBatch(mounted: MountedView, first: InfoJob, queue: JobQueue, host: object | null, out: ServerMessage[], now: () => number): Step<Departure | null> {
  if (first.payload instanceof AsyncCompletion || typeof mounted.life.view.handleInfo !== 'function') return mounted.info(first.payload, out);
  if (!queue.hasInfo(host)) return mounted.info(first.payload, out);
  const deadline = now() + INFO_BATCH_MS;
  let taken = 0;
  return mounted.infos(() => {
    taken += 1;
    if (taken === 1) return first;
    if (taken > INFO_BATCH_MAX || now() >= deadline) return undefined;
    return queue.shiftInfo(host);
  }, out);
}
