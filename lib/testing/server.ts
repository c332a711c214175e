import * as http from 'node:http';
import type { RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { invalidArgument, misuse } from '../core/errors';

/** What `liveTest` accepts: an Express app (any request listener) or an `http.Server`. */
export type AppLike = RequestListener | http.Server;

/** A running server to talk to, and how to let go of it. */
export interface Lease {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  /** Stops the server if this lease started it and it is the last one. */
  release(): Promise<void>;
}

interface Started {
  server: http.Server;
  origin: Promise<string>;
  refs: number;
}

/** Servers liveTest started, per app: views of one app share one server (and its pub/sub). */
const started = new WeakMap<object, Started>();

function originOf(server: http.Server): string {
  const address = server.address() as AddressInfo | string | null;
  if (address === null || typeof address === 'string') {
    throw misuse('liveTest(app): the server listens on a pipe; pass an app or a server listening on TCP.');
  }
  const host = address.address === '::' || address.address === '0.0.0.0' ? '127.0.0.1'
    : address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

function listen(server: http.Server): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve(originOf(server));
    });
  });
}

/**
 * Finds or starts a server for `app`: a listening `http.Server` is used as it is (and never
 * closed here); an app, or a server that does not listen yet, is started on 127.0.0.1 port 0
 * and closed when its last lease is released.
 */
export async function acquire(app: AppLike): Promise<Lease> {
  if (app instanceof http.Server && app.listening) {
    return { origin: originOf(app), release: async () => {} };
  }
  if (!(app instanceof http.Server) && typeof app !== 'function') {
    throw invalidArgument('liveTest(app, path)', 'app', 'an Express app (a request listener) or an http.Server', app);
  }
  let entry = started.get(app);
  if (!entry) {
    const server = app instanceof http.Server ? app : http.createServer(app);
    entry = { server, origin: listen(server), refs: 0 };
    started.set(app, entry);
  }
  entry.refs += 1;
  const own = entry;
  let released = false;
  return {
    origin: await own.origin,
    release: async () => {
      if (released) return;
      released = true;
      own.refs -= 1;
      if (own.refs > 0) return;
      started.delete(app);
      await new Promise<void>((resolve) => {
        own.server.close(() => resolve());
        own.server.closeAllConnections();
      });
    },
  };
}
