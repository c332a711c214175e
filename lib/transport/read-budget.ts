import { setImmediate } from 'node:timers';

/**
 * Frames of one socket handled in the turn that read them; the rest of a read burst waits for
 * later turns (FRAMES_PER_TURN each), with reading paused meanwhile. `ws` emits every frame of
 * one read in one turn (its default `allowSynchronousEvents`, kept: deferring every frame costs
 * an event-loop turn per event, a third of the counter's events/s at one connection); this is
 * our own budget on top of it, so a burst of thousands of tiny frames is charged, parsed and
 * answered a slice at a time, with HTTP and other sockets served in between.
 */
export const FRAMES_PER_TURN = 16;

/**
 * Counts the turns of the event loop in which frames arrived (one per transport): a socket
 * compares the turn of its last frame with `current()` to know whether its per-turn count
 * starts again. Arms one setImmediate per turn that saw a frame.
 *
 * @example
 * const turns = new TurnCounter();
 * if (sink.lastTurn !== turns.current()) sink.framesThisTurn = 0;
 */
export class TurnCounter {
  #turn = 0;
  #armed = false;
  readonly #next = (): void => {
    this.#turn += 1;
    this.#armed = false;
  };

  /** The number of the current turn (it changes once the turn's check phase has run). */
  current(): number {
    if (!this.#armed) {
      this.#armed = true;
      setImmediate(this.#next);
    }
    return this.#turn;
  }
}
