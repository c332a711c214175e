import { clearTimeout, setTimeout } from 'node:timers';
import type { Connection } from '../connection/connection';

/**
 * The mount deadlines of one transport (option `mountTimeoutMs`): unless its view has mounted
 * by then, a connection fails through its one fatal-close path (`Connection.fail`): one `error`
 * with code `mount_timeout`, then its sink closes (WebSocket 1008 `mount_timeout`, and a peer
 * that does not answer the close is terminated after a short grace; on SSE the stream
 * ends) and the line goes to `log`. So a socket that never mounts cannot hold a slot of
 * `maxConnections` or `maxConnectionsPerClient`.
 *
 * Every deadline is the same length, so they pass in the order they started: one queue and one
 * timer for all, instead of a timer and its closure per connection kept as long as the
 * connection lives (~250 bytes of every idle connection). A connection that mounted is
 * dropped from the queue when its deadline comes; one that closed is let go at once
 * (`release`), so a client that opens and closes sockets quickly leaves nothing behind for
 * `mountTimeoutMs` (its entry keeps only its time). The queue is three parallel arrays
 * (connection, its name, its deadline), not an object per connection: a deadline outlives most
 * mounts by seconds, so each entry is still there when idle memory is read, and an entry object
 * with a boxed time cost every new connection 64 bytes more than its three array slots.
 *
 * @example
 * const deadlines = new MountDeadlines(options.mountTimeoutMs, (who) => `WebSocket from ${who}`, logger.debug);
 * deadlines.start(connection, clientAddress);
 * deadlines.release(connection); // it closed
 */
export class MountDeadlines {
  readonly #ms: number;
  readonly #describe: (who: string) => string;
  readonly #log: (line: string) => void;
  readonly #now: () => number;
  /** Pending deadlines in start order from `#head` on: the connection, what `describe` names it by (a client address, an SSE stream), when it passes (`now()` units, ms). */
  #connections: (Connection | null)[] = [];
  #whos: string[] = [];
  #ats: number[] = [];
  #head = 0;
  /** The sequence number of index 0 (each start takes the next; `Connection.mountDeadline` holds it). */
  #base = 0;
  #timer: NodeJS.Timeout | null = null;

  constructor(ms: number, describe: (who: string) => string, log: (line: string) => void, now: () => number = () => performance.now()) {
    this.#ms = ms;
    this.#describe = describe;
    this.#log = log;
    this.#now = now;
  }

  /** Deadlines started and not passed yet (mounted or closed connections included until theirs passes). */
  get pending(): number {
    return this.#ats.length - this.#head;
  }

  /** Starts the deadline of a new connection. */
  start(connection: Connection, who: string): void {
    connection.mountDeadline = this.#base + this.#ats.length;
    this.#connections.push(connection);
    this.#whos.push(who);
    this.#ats.push(this.#now() + this.#ms);
    if (this.#timer === null) this.#arm(this.#ms);
  }

  /**
   * Lets go of a connection that closed: its entry keeps its place and time until its deadline
   * passes (the queue stays in order) but no longer holds the connection, nor through it the
   * sink, the socket and their buffers.
   */
  release(connection: Connection): void {
    const i = connection.mountDeadline - this.#base;
    connection.mountDeadline = -1;
    if (i < this.#head || i >= this.#ats.length || this.#connections[i] !== connection) return;
    this.#connections[i] = null;
    this.#whos[i] = '';
  }

  /** Stops the timer and forgets every pending deadline (the transport is closing). */
  stop(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#drop(this.#ats.length);
  }

  #arm(delay: number): void {
    this.#timer = setTimeout(() => this.#expire(), Math.max(1, Math.ceil(delay)));
    this.#timer.unref();
  }

  #expire(): void {
    this.#timer = null;
    const now = this.#now();
    // A deadline's `fail` may close its socket, whose listeners may start no deadline but could: read the lengths afresh.
    while (this.#head < this.#ats.length && (this.#ats[this.#head] as number) <= now) {
      const i = this.#head;
      const connection = this.#connections[i] as Connection | null;
      const who = this.#whos[i] as string;
      this.#drop(i + 1);
      if (connection !== null) this.#timeOut(connection, who);
    }
    if (this.#head < this.#ats.length) this.#arm((this.#ats[this.#head] as number) - now);
  }

  /** Forgets the deadlines before index `end`; compacts the arrays once the forgotten part is the larger half. */
  #drop(end: number): void {
    for (let i = this.#head; i < end; i += 1) {
      this.#connections[i] = null;
      this.#whos[i] = '';
    }
    this.#head = end;
    const length = this.#ats.length;
    if (end === length) {
      this.#base += length;
      this.#connections.length = 0;
      this.#whos.length = 0;
      this.#ats.length = 0;
      this.#head = 0;
    } else if (end >= 1024 && end * 2 >= length) {
      this.#base += end;
      this.#connections = this.#connections.slice(end);
      this.#whos = this.#whos.slice(end);
      this.#ats = this.#ats.slice(end);
      this.#head = 0;
    }
  }

  #timeOut(connection: Connection, who: string): void {
    connection.mountDeadline = -1;
    if (connection.mounted || connection.closed) return;
    const ms = this.#ms;
    this.#log(`djust-lite: ${this.#describe(who)} closed: no view mounted within ${ms} ms (option mountTimeoutMs).`);
    connection.fail('mount_timeout', `No view mounted within ${ms} ms of connecting (option mountTimeoutMs); send {"type":"mount","token":…} as the first message.`);
  }
}
