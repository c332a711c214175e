import { clearTimeout, setTimeout } from 'node:timers';
import type { Connection, Sink } from '../connection/connection';
import { Fifo } from '../core/fifo';
import { errorMessage } from '../contract/protocol';

/** WebSocket close code for a broken rule (RFC 6455 "policy violation"). */
const POLICY = 1008;

/** One connection waiting for its view to mount. */
interface Pending {
  readonly connection: Connection;
  readonly sink: Sink;
  /** What `describe` names it by (a client address, an SSE stream). */
  readonly who: string;
  /** When its deadline passes (`now()` units: ms). */
  readonly at: number;
}

/**
 * The mount deadlines of one transport (option `mountTimeoutMs`): unless its view has mounted
 * by then, a connection gets one `error` with code `mount_timeout`, its sink closes (WebSocket
 * 1008 `mount_timeout`; on SSE the stream ends) and the line goes to `log`. So a
 * socket that never mounts cannot hold a slot of `maxConnections` or `maxConnectionsPerClient`.
 *
 * Every deadline is the same length, so they pass in the order they started: one queue and one
 * timer for all, instead of a timer and its closure per connection kept as long as the
 * connection lives (~250 bytes of every idle connection). A connection that mounted or closed
 * is dropped from the queue when its deadline comes.
 *
 * @example
 * const deadlines = new MountDeadlines(options.mountTimeoutMs, (who) => `WebSocket from ${who}`, logger.debug);
 * deadlines.start(connection, sink, clientAddress);
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
  start(connection: Connection, sink: Sink, who: string): void {
    this.#queue.push({ connection, sink, who, at: this.#now() + this.#ms });
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

  #timeOut({ connection, sink, who }: Pending): void {
    if (connection.mounted || connection.closed) return;
    const ms = this.#ms;
    this.#log(`djust-lite: ${this.#describe(who)} closed: no view mounted within ${ms} ms (option mountTimeoutMs).`);
    sink.send([errorMessage('mount_timeout', `No view mounted within ${ms} ms of connecting (option mountTimeoutMs); send {"type":"mount","token":…} as the first message.`)]);
    sink.close(POLICY, 'mount_timeout');
    void connection.close();
  }
}
