/**
 * The child side of a benchmark server process: tells the parent its port over IPC, answers
 * memory and CPU questions (memory after a forced GC when started with --expose-gc), and exits
 * cleanly when asked (so --cpu-prof writes its profile) or when the parent goes away.
 */

import type { Server } from 'node:http';

/** Parent → child. */
export type ParentMessage = { type: 'mem'; id: number } | { type: 'cpu'; id: number } | { type: 'exit' };

/** Child → parent. */
export type ChildMessage =
  | { type: 'ready'; port: number }
  | { type: 'mem'; id: number; rss: number; heapUsed: number; heapTotal: number; external: number; arrayBuffers: number; gc: boolean }
  | { type: 'cpu'; id: number; user: number; system: number };

const gc = (globalThis as { gc?: () => void }).gc;

function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Full GC twice with a turn of the event loop between (finalizers, weak refs), when exposed. */
async function collect(): Promise<boolean> {
  if (!gc) return false;
  gc();
  await tick();
  gc();
  return true;
}

function send(message: ChildMessage): void {
  process.send?.(message);
}

/**
 * Wires the IPC channel. Call once the server listens; `close` should end every connection.
 *
 * @example
 * server.listen(0, '127.0.0.1', () => serveParent(port, () => closeAll()));
 */
export function serveParent(port: number, close: () => Promise<void> | void): void {
  if (!process.send) throw new Error('bench server: start me with child_process.fork (IPC channel needed).');
  let exiting = false;
  const exit = async (): Promise<void> => {
    if (exiting) return;
    exiting = true;
    const force = setTimeout(() => process.exit(0), 3000);
    force.unref();
    try {
      await close();
    } finally {
      process.exit(0);
    }
  };
  process.on('message', (raw: unknown) => {
    const message = raw as ParentMessage;
    switch (message.type) {
      case 'mem':
        void collect().then((didGc) => {
          const m = process.memoryUsage();
          send({ type: 'mem', id: message.id, rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers, gc: didGc });
        });
        return;
      case 'cpu': {
        const c = process.cpuUsage();
        send({ type: 'cpu', id: message.id, user: c.user, system: c.system });
        return;
      }
      case 'exit':
        void exit();
        return;
    }
  });
  process.on('disconnect', () => void exit());
  process.on('SIGTERM', () => void exit());
  send({ type: 'ready', port });
}

/** A `ws` server on a node:http server: terminates every socket and closes both. */
interface WsServer {
  clients: Set<{ terminate(): void }>;
  close(): void;
}

/** Listens on 127.0.0.1:0, then serves the parent; on exit closes `wss` and `server`. */
export function listenAndServeParent(server: Server, wss: WsServer): void {
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    serveParent(port, () => {
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      server.closeAllConnections();
      server.close();
    });
  });
}

/**
 * Starts an Express `app` with djust-lite (`live`) on 127.0.0.1, a free port, attaches `live`
 * to it and serves the parent harness (see serveParent); shutting down closes both.
 */
export function listenForParent(app: { listen(port: number, host: string, ready: () => void): import('node:http').Server }, live: { attach(server: import('node:http').Server): unknown; close(): Promise<void> }): void {
  const server = app.listen(0, '127.0.0.1', () => {
    live.attach(server);
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    serveParent(port, async () => {
      await live.close();
      server.closeAllConnections();
      server.close();
    });
  });
}
