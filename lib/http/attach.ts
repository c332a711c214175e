import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import type { MountPaths } from './mount-paths';
import type { SseTransport } from '../transport/sse';
import type { WebSocketTransport } from '../transport/websocket';

type RequestListener = (this: HttpServer | HttpsServer, req: IncomingMessage, res: ServerResponse) => void;

/**
 * Puts `take` in front of the server's request listeners (the Express app): SSE requests
 * under the prefix are answered there, before any middleware, as WebSocket upgrades are;
 * every other request goes on to the listeners as before. Express costs ~70 µs per request
 * here and keeps each held-open stream's routing state alive (~5 KB RSS per idle SSE
 * connection). A server with no request listener yet is left alone (the middleware then
 * serves SSE). Returns the function that puts the listeners back.
 */
function takeSseRequests(server: HttpServer | HttpsServer, take: (req: IncomingMessage, res: ServerResponse) => boolean): () => void {
  const listeners = server.listeners('request') as RequestListener[];
  if (listeners.length === 0) return () => {};
  const front: RequestListener = function djustLiteSse(req, res) {
    if (take(req, res)) return;
    for (const listener of listeners) listener.call(this, req, res);
  };
  server.removeAllListeners('request');
  server.on('request', front);
  return () => {
    if (!server.listeners('request').includes(front)) return;
    server.off('request', front);
    for (const listener of listeners) server.on('request', listener);
  };
}

/**
 * The servers live traffic arrives on (`live.attach(server)`): WebSocket upgrades go to the
 * WebSocket transport, SSE requests to the SSE transport ahead of the app; both are undone
 * when the server closes. Both arrive with the whole path: under a mount path the middleware
 * learned (`app.use('/app', live)`), the transports see the URL from the mount path on. An
 * SSE request under a mount path not learned yet goes on to the app, where Express routes it
 * to the middleware (which learns it).
 */
export class ServerAttachments {
  readonly #attached = new WeakSet<HttpServer | HttpsServer>();
  readonly #onUpgrade: (this: HttpServer | HttpsServer, req: IncomingMessage, socket: Duplex, head: Buffer) => void;
  readonly #mounts: MountPaths;
  readonly #handleSse: (req: IncomingMessage, res: ServerResponse) => boolean;

  constructor(websocket: WebSocketTransport, sse: SseTransport, mounts: MountPaths) {
    this.#handleSse = (req, res) => sse.handle(req, res);
    this.#mounts = mounts;
    this.#onUpgrade = function onUpgrade(req, socket, head) {
      // Alone on the server, any path ending in `${prefix}/ws` is ours (else it gets a 404).
      const guess = this.listenerCount('upgrade') === 1 ? '/ws' : undefined;
      if (mounts.enter(req, (r, upgrade) => websocket.handleUpgrade(r, upgrade.socket, upgrade.head), { socket, head }, guess)) return;
      // Not ours; if nobody else listens for upgrades, answer instead of leaving it hanging.
      if (this.listenerCount('upgrade') === 1) socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
    };
  }

  /** Attaches once per server; later calls for the same server do nothing. */
  attach(server: HttpServer | HttpsServer): void {
    if (this.#attached.has(server)) return;
    this.#attached.add(server);
    const onUpgrade = this.#onUpgrade;
    server.on('upgrade', onUpgrade);
    const mounts = this.#mounts;
    const handle = this.#handleSse;
    const restore = takeSseRequests(server, (req, res) => mounts.enter(req, handle, res));
    server.once('close', () => {
      server.off('upgrade', onUpgrade);
      restore();
    });
  }
}
