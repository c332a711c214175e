import { clearTimeout, setTimeout } from 'node:timers';
import type { Connection } from '../connection/connection';
import { Fifo } from '../core/fifo';

/** One connection waiting for its view to mount. */
interface Pending {
  readonly connection: Connection;
  /** What `describe` names it by (a client address, an SSE stream). */
  readonly who: string;
  /** When its deadline passes (`now()` units: ms). */
  readonly at: number;
}

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
 * connection lives (~250 bytes of every idle connection). A connection that mounted or closed
 * is dropped from the queue when its deadline comes.
 *
 * @example
 * const deadlines = new MountDeadlines(options.mountTimeoutMs, (who) => `WebSocket from ${who}`, logger.debug);
 * deadlines.start(connection, clientAddress);
 */
export class MountDeadlines {
  readonly #ms: number;
  readonly #describe: (who: string) => string;
  readonly #log: (line: string) => void;
  readonly #now: () => number;
  readonly #queue = new Fifo<Pending>();
  /** The oldest pending deadline, taken off the queue to look at its time. */
  #head: Pending | undefined = undefined;
  #timer: NodeJS.Timeout | null = null;

  constructor(ms: number, describe: (who: string) => string, log: (line: string) => void, now: () => number = () => performance.now()) {
    this.#ms = ms;
    this.#describe = describe;
    this.#log = log;
    this.#now = now;
  }

  /** Starts the deadline of a new connection. */
  start(connection: Connection, who: string): void {
    this.#queue.push({ connection, who, at: this.#now() + this.#ms });
    if (this.#timer === null) this.#arm(this.#ms);
  }

  /** Stops the timer and forgets every pending deadline (the transport is closing). */
  stop(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#head = undefined;
    this.#queue.clear();
  }

  #arm(delay: number): void {
    this.#timer = setTimeout(() => this.#expire(), Math.max(1, Math.ceil(delay)));
    this.#timer.unref();
  }

  #expire(): void {
    this.#timer = null;
    const now = this.#now();
    let next = this.#head ?? this.#queue.shift();
    while (next !== undefined && next.at <= now) {
      this.#timeOut(next);
      next = this.#queue.shift();
    }
    this.#head = next;
    if (next !== undefined) this.#arm(next.at - now);
  }

  #timeOut({ connection, who }: Pending): void {
    if (connection.mounted || connection.closed) return;
    const ms = this.#ms;
    this.#log(`djust-lite: ${this.#describe(who)} closed: no view mounted within ${ms} ms (option mountTimeoutMs).`);
    connection.fail('mount_timeout', `No view mounted within ${ms} ms of connecting (option mountTimeoutMs); send {"type":"mount","token":…} as the first message.`);
  }
}
