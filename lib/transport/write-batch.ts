import { setImmediate } from 'node:timers';

/** A socket or response that can hold its writes back (net.Socket, http.ServerResponse). */
export interface Corkable {
  cork(): void;
  uncork(): void;
  readonly writableLength: number;
}

/**
 * The write batch of one `djustLite()` instance (lib/http/djust-lite.ts makes one and hands it to
 * both transports): `cork(stream)` holds `stream`'s writes until the end of this turn of the
 * event loop (the check phase, after every socket that was readable in this turn has been
 * handled), then flushes every stream held so in a row: one write syscall per stream per turn,
 * whatever number of jobs wrote to it. Two instances in one process never share a batch.
 *
 * Why: a write to a loopback or LAN peer that is asleep wakes it, which costs the writer
 * several µs in the kernel (a cross-CPU wake-up, dearer in a VM). Writes issued back to back
 * find the peer awake after the first. Under load this raised the counter benchmark from ~27k
 * to ~39k events/s at 50 connections (bench/README.md); an idle server pays one
 * `setImmediate` hop (~1 µs) per turn.
 *
 * @example
 * const writes = new WriteBatch();
 * writes.cork(socket);
 * socket.write(frame); // leaves with the turn's other writes to `socket`
 */
export class WriteBatch {
  /** Streams held until the end of this turn → bytes they had queued before it (their backlog). */
  readonly #corked = new Map<Corkable, number>();
  #flushScheduled = false;
  readonly #flush = (): void => {
    this.#flushScheduled = false;
    this.flush();
  };

  /** Holds `stream`'s writes until the end of this turn (once per stream per turn). */
  cork(stream: Corkable): void {
    if (this.#corked.has(stream)) return;
    this.#corked.set(stream, stream.writableLength);
    stream.cork();
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(this.#flush);
    }
  }

  /**
   * Bytes `stream` still has queued from earlier turns: what a slow-reader check should look
   * at, since this turn's own writes are held on purpose until it ends.
   */
  backlogOf(stream: Corkable): number {
    return this.#corked.get(stream) ?? stream.writableLength;
  }

  /**
   * Lets every held stream's writes go now instead of at the end of the turn. The scheduler
   * calls it around each of its slices (lib/http/djust-lite.ts): what a client's own frame wrote
   * in the poll phase leaves before a slice of pushes runs, and the slice's writes leave at its
   * end, not behind the next turn's I/O.
   */
  flush(): void {
    if (this.#corked.size === 0) return;
    for (const stream of this.#corked.keys()) stream.uncork();
    this.#corked.clear();
  }

  /** Streams held now (for tests and the bench). */
  get held(): number {
    return this.#corked.size;
  }
}
