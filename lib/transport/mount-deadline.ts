import { setTimeout } from 'node:timers';
import type { Connection, Sink } from '../dispatcher';
import { errorMessage } from '../protocol';

/** WebSocket close code for a broken rule (RFC 6455 "policy violation"). */
const POLICY = 1008;

/**
 * Starts the mount deadline of a new live connection (option `mountTimeoutMs`): unless its view
 * has mounted by then, the connection gets one `error` with code `mount_timeout`, its sink
 * closes (WebSocket 1008 `mount_timeout`; on SSE the stream and session end) and the line goes
 * to `log`. So a socket that never mounts cannot hold a slot of `maxConnections` or
 * `maxConnectionsPerClient`. The caller clears the returned timer when the connection ends.
 *
 * @example
 * const deadline = startMountDeadline(connection, sink, options.mountTimeoutMs, 'WebSocket from 10.0.0.7', logger.debug);
 * ws.once('close', () => clearTimeout(deadline));
 */
export function startMountDeadline(connection: Connection, sink: Sink, ms: number, what: string, log: (line: string) => void): NodeJS.Timeout {
  const timer = setTimeout(() => {
    if (connection.mounted || connection.closed) return;
    log(`djust-lite: ${what} closed: no view mounted within ${ms} ms (option mountTimeoutMs).`);
    sink.send([errorMessage('mount_timeout', `No view mounted within ${ms} ms of connecting (option mountTimeoutMs); send {"type":"mount","token":…} as the first message.`)]);
    sink.close(POLICY, 'mount_timeout');
    void connection.close();
  }, ms);
  timer.unref();
  return timer;
}
