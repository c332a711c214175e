/**
 * The child side of a benchmark server process: tells the parent its port over IPC, answers
 * memory, CPU and heap-snapshot questions (memory after a forced GC when started with --expose-gc), and exits
 * cleanly when asked (so --cpu-prof writes its profile) or when the parent goes away.
 */

import type { Server } from 'node:http';
import { getHeapSpaceStatistics, writeHeapSnapshot } from 'node:v8';

/** Parent → child. */
export type ParentMessage = { type: 'mem'; id: number; fill?: boolean } | { type: 'cpu'; id: number } | { type: 'heap'; id: number; file: string } | { type: 'exit' };

/** Child → parent. */
export type ChildMessage =
  | { type: 'ready'; port: number }
  | { type: 'mem'; id: number; rss: number; heapUsed: number; heapTotal: number; external: number; arrayBuffers: number; gc: boolean; spaces?: Record<string, number>; spacesUsed?: Record<string, number>; spacesPhysical?: Record<string, number> }
  | { type: 'cpu'; id: number; user: number; system: number }
  | { type: 'heap'; id: number; file: string };

const gc = (globalThis as { gc?: () => void }).gc;

function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Grows the young generation to its largest size with every page resident. Done before each
 * memory reading in every bench server: V8 sizes the young generation by how the process
 * allocated lately (1 to ~32 MB), not by what it holds, so without this a server whose young
 * generation grew between the baseline and a step (djust-lite's did while 3,000 connections
 * mounted; LiveViewJS's had already grown at start-up) counts up to 32 MB more "per connection".
 */
export function fillYoungGeneration(): number {
  // A ring of 20k objects kept alive a little while: scavenges see survivors and grow the young
  // generation to its limit, and few objects live long enough to be promoted (~0.4 s).
  const ring = new Array(20_000);
  for (let i = 0; i < 1_500_000; i += 1) ring[i % 20_000] = { a: i, b: [i] };
  return ring.length;
}

/**
 * Young generation filled (unless `fill` is false: a plain full GC, as bench/indep.ts also
 * reads it), then full GC twice with a turn of the event loop between (finalizers, weak refs),
 * when exposed.
 */
async function collect(fill = true): Promise<boolean> {
  if (!gc) return false;
  if (fill) fillYoungGeneration();
  gc();
  await tick();
  gc();
  // V8 gives freed pages back on a helper thread after the GC: read memory once that is done.
  await new Promise((resolve) => setTimeout(resolve, 300));
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
        void collect(message.fill !== false).then((didGc) => {
          const m = process.memoryUsage();
          const stats = getHeapSpaceStatistics();
          const spaces = Object.fromEntries(stats.map((x) => [x.space_name, x.space_size]));
          const spacesUsed = Object.fromEntries(stats.map((x) => [x.space_name, x.space_used_size]));
          const spacesPhysical = Object.fromEntries(stats.map((x) => [x.space_name, x.physical_space_size]));
          send({ type: 'mem', id: message.id, rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers, gc: didGc, spaces, spacesUsed, spacesPhysical });
        });
        return;
      case 'heap':
        // After a full GC, so the snapshot holds what is live (bench/heap.ts groups it by kind).
        void collect().then(() => send({ type: 'heap', id: message.id, file: writeHeapSnapshot(message.file) }));
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
  // SOAK_PORT: the port of a server restarted in place (bench/soak-restart.ts); else any free port.
  const server = app.listen(Number(process.env.SOAK_PORT ?? 0), '127.0.0.1', () => {
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
