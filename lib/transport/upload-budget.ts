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
 * Neighbour first: while another connection is being used (an event from a socket that is not
 * uploading, within NEIGHBOUR_MS, while uploads run), the upload chunks of all sockets together
 * are handled at most `sharedUploadBytesPerSecond` (an option, 8 MiB by default); the rest
 * wait, their sockets unread. The server then idles between slices of upload work instead of
 * running flat out — its CPU, the garbage its chunks leave and the uploaders' own CPU on the
 * same machine are what made a neighbour's click wait (docs/uploads.md, "A neighbour during
 * uploads") — so the neighbour's frames are read and answered at once. Alone, uploads run at
 * full speed. NEIGHBOUR_MS is how long one such event keeps the uploads at the shared rate:
 * a user's next click usually follows within it.
 */
export const NEIGHBOUR_MS = 500;

/** Options of an UploadBudget (defaults: the constants above, `performance.now`). */
export interface UploadBudgetOptions {
  /** Option sharedUploadBytesPerSecond. */
  sharedBytesPerSecond: number;
  bytesPerTurn?: number;
  neighbourMs?: number;
  /** A monotonic clock in ms (tests inject their own). */
  now?: () => number;
  /** Told when the uploads start yielding to a neighbour (the logger's debug). */
  debug?: (message: string) => void;
}

/**
 * The byte budget of upload frames, shared by the sockets of one transport: per turn of the
 * event loop (UPLOAD_BYTES_PER_TURN), and per second while a neighbour is active
 * (option `sharedUploadBytesPerSecond`). The first frame of a turn always passes the turn's budget
 * (a chunk may be as large as `maxUploadChunkBytes`, over it): the budget only bounds how many
 * more follow it in the same turn. Likewise the rate lets a frame through whenever it has
 * anything left, and the frame's bytes are then owed before the next (`waitMs`).
 *
 * @example
 * const budget = new UploadBudget(turns, { sharedBytesPerSecond: 8 * 1024 * 1024 });
 * if (!budget.take(frame.length)) deferFor(budget.waitMs()); // 0: the next turn
 */
export class UploadBudget {
  readonly #turns: TurnCounter;
  readonly #bytesPerTurn: number;
  readonly #bytesPerMs: number;
  readonly #neighbourMs: number;
  readonly #now: () => number;
  readonly #debug: (message: string) => void;
  #turn = -1;
  #used = 0;
  /** Until when (clock ms) the shared rate applies. */
  #sharedUntil = -Infinity;
  /** When (clock ms) an upload frame was last taken. */
  #uploadAt = -Infinity;
  /** Bytes the shared rate has left (negative: owed), as of `#creditAt`. */
  #credit = 0;
  #creditAt = 0;

  constructor(turns: TurnCounter, options: UploadBudgetOptions) {
    this.#turns = turns;
    this.#bytesPerTurn = options.bytesPerTurn ?? UPLOAD_BYTES_PER_TURN;
    this.#bytesPerMs = options.sharedBytesPerSecond / 1000;
    this.#neighbourMs = options.neighbourMs ?? NEIGHBOUR_MS;
    this.#now = options.now ?? (() => performance.now());
    this.#debug = options.debug ?? (() => {});
  }

  /**
   * An event from a socket that has not uploaded for NEIGHBOUR_MS: while uploads run (one was
   * taken within NEIGHBOUR_MS), they are held to the shared rate for the next NEIGHBOUR_MS.
   */
  neighbour(): void {
    const now = this.#now();
    if (now - this.#uploadAt > this.#neighbourMs) return;
    if (now >= this.#sharedUntil) {
      this.#credit = 0;
      this.#creditAt = now;
      this.#debug(`djust-lite: WebSocket uploads yield to another connection's events: ${Math.round(this.#bytesPerMs * 1000)} bytes/s together for ${this.#neighbourMs} ms after its last one (option sharedUploadBytesPerSecond).`);
    }
    this.#sharedUntil = now + this.#neighbourMs;
  }

  /** Whether a neighbour holds the uploads to the shared rate now. */
  get shared(): boolean {
    return this.#now() < this.#sharedUntil;
  }

  /** Charges `bytes` to this turn (and to the shared rate); false (nothing charged) when either is spent. */
  take(bytes: number): boolean {
    const turn = this.#turns.current();
    if (turn !== this.#turn) {
      this.#turn = turn;
      this.#used = 0;
    }
    if (this.#used > 0 && this.#used + bytes > this.#bytesPerTurn) return false;
    const now = this.#now();
    if (now < this.#sharedUntil) {
      if (this.#refill(now) <= 0) return false;
      this.#credit -= bytes;
    }
    this.#used += bytes;
    this.#uploadAt = now;
    return true;
  }

  /** After a refused `take`: how long until the shared rate has room again, ms (0: the next turn will do). */
  waitMs(): number {
    const now = this.#now();
    if (now >= this.#sharedUntil) return 0;
    const credit = this.#refill(now);
    return credit > 0 ? 0 : Math.min(Math.ceil(-credit / this.#bytesPerMs) + 1, Math.ceil(this.#sharedUntil - now));
  }

  /** The shared rate's credit now: what time has paid back, at most one turn's budget in hand. */
  #refill(now: number): number {
    this.#credit = Math.min(this.#credit + (now - this.#creditAt) * this.#bytesPerMs, this.#bytesPerTurn);
    this.#creditAt = now;
    return this.#credit;
  }
}
