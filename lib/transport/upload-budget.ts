import type { TurnCounter } from './read-budget';

/**
 * Upload bytes (binary frames) all WebSocket connections of one transport may have handled in
 * one turn of the event loop. Past it, a socket's upload frames wait for a later turn of the
 * scheduler with its reading paused (TCP backpressure holds the peer), so ten uploads read in
 * one poll do not make a neighbour's click wait behind megabytes of chunks: 512 KiB is two
 * default chunks (256,000 bytes) a turn, ~0.2 ms of handling here.
 */
export const UPLOAD_BYTES_PER_TURN = 512 * 1024;

/**
 * The per-turn byte budget of upload frames, shared by the sockets of one transport. The first
 * frame of a turn always passes (a chunk may be as large as `maxUploadChunkBytes`, over the
 * budget): the budget only bounds how many more follow it in the same turn.
 *
 * @example
 * const budget = new UploadBudget(turns);
 * if (!budget.take(frame.length)) deferToALaterTurn(frame);
 */
export class UploadBudget {
  readonly #turns: TurnCounter;
  readonly #bytesPerTurn: number;
  #turn = -1;
  #used = 0;

  constructor(turns: TurnCounter, bytesPerTurn: number = UPLOAD_BYTES_PER_TURN) {
    this.#turns = turns;
    this.#bytesPerTurn = bytesPerTurn;
  }

  /** Charges `bytes` to this turn; false (nothing charged) when the turn's budget is spent. */
  take(bytes: number): boolean {
    const turn = this.#turns.current();
    if (turn !== this.#turn) {
      this.#turn = turn;
      this.#used = 0;
    }
    if (this.#used > 0 && this.#used + bytes > this.#bytesPerTurn) return false;
    this.#used += bytes;
    return true;
  }
}
