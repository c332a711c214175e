import type { AddressInfo, Socket } from 'node:net';
import type { Server } from 'node:http';
import { createDemoApp } from '../../../demo/app';
import type { Express } from 'express';
import type { DjustLite, DjustLiteOptions, Logger } from '../../../lib';

/** What the demo's djust-lite logged: errors fail the test, warnings are kept for the report. */
export interface ServerLog {
  errors: string[];
  warnings: string[];
}

/** The demo app listening on 127.0.0.1, started the way `demo/server.ts` starts it. */
export interface DemoServer {
  readonly port: number;
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  readonly log: ServerLog;
  /** Closes the live connections, the listener and every socket (keep-alive, SSE, WebSocket). */
  stop(): Promise<void>;
}

function collectingLogger(log: ServerLog): Logger {
  return {
    warn: (message) => void log.warnings.push(message),
    error: (message, error) => void log.errors.push(error instanceof Error ? `${message}: ${error.stack ?? error.message}` : message),
  };
}

/** Builds the app under test: `createDemoApp`, or another app of the same shape. */
export type AppFactory = (options: DjustLiteOptions) => { app: Express; live: DjustLite };

/**
 * Starts `create(options)` (default `createDemoApp`) on `port` (0: any free port) with
 * `live.attach(server)`. Uses the demo's fixed secret (unless DJUST_SECRET is set), so a page
 * rendered by one server can reconnect to the next one started on the same port.
 */
export async function startDemo(options: DjustLiteOptions = {}, port = 0, log: ServerLog = { errors: [], warnings: [] }, create: AppFactory = createDemoApp): Promise<DemoServer> {
  const { app, live } = create({ ...options, logger: collectingLogger(log) });
  const sockets = new Set<Socket>();
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(port, '127.0.0.1');
    s.once('listening', () => resolve(s));
    s.once('error', reject);
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  live.attach(server);
  const actual = (server.address() as AddressInfo).port;
  let stopped: Promise<void> | null = null;
  return {
    port: actual,
    origin: `http://127.0.0.1:${actual}`,
    log,
    stop() {
      stopped ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        await live.close();
        server.closeAllConnections();
        // Upgraded (WebSocket) sockets are no longer tracked by the HTTP server.
        for (const socket of sockets) socket.destroy();
        await closed;
      })();
      return stopped;
    },
  };
}
