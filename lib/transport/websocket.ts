import { clearInterval, setInterval } from 'node:timers';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { Connection, type DispatcherContext, type Sink } from '../dispatcher';
import { originAllowed } from '../origin';
import { encode, type ServerMessage } from '../protocol';
import { backlogOf, corkUntilTurnEnds, type Corkable } from './write-batch';

/** ws keeps its socket here; we cork it so the messages of a turn's jobs leave in one write. */
type WithSocket = { _socket?: Corkable & { once(event: 'drain', listener: () => void): unknown } };

/**
 * A Sink over one WebSocket: each message its own text frame; all written in one turn leave in
 * one TCP write. Backpressure: once more than `pauseBytes` wait to go out, the socket stops
 * reading the peer's frames (which would make more answers) until what waits has drained.
 */
class WebSocketSink implements Sink {
  readonly #ws: WebSocket;
  readonly #pauseBytes: number;
  #paused = false;

  constructor(ws: WebSocket, pauseBytes: number) {
    this.#ws = ws;
    this.#pauseBytes = pauseBytes;
  }

  send(messages: readonly ServerMessage[]): void {
    const ws = this.#ws;
    if (ws.readyState !== ws.OPEN) return;
    const socket = (ws as unknown as WithSocket)._socket;
    if (socket) corkUntilTurnEnds(socket);
    for (const message of messages) ws.send(encode(message));
    if (socket && !this.#paused && socket.writableLength > this.#pauseBytes) this.#pause(socket);
  }

  #pause(socket: Corkable & { once(event: 'drain', listener: () => void): unknown }): void {
    this.#paused = true;
    this.#ws.pause();
    socket.once('drain', () => {
      this.#paused = false;
      if (this.#ws.readyState === this.#ws.OPEN) this.#ws.resume();
    });
  }

  close(code: number, reason: string): void {
    const ws = this.#ws;
    if (ws.readyState !== ws.OPEN && ws.readyState !== ws.CONNECTING) return;
    if (this.#paused) ws.resume(); // the closing handshake needs the peer's close frame read
    ws.close(code, reason.slice(0, 120));
  }

  bufferedBytes(): number {
    const socket = (this.#ws as unknown as WithSocket)._socket;
    return socket ? backlogOf(socket) : this.#ws.bufferedAmount;
  }
}

function refuse(socket: Duplex, status: number, reason: string): void {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(reason)}\r\n\r\n${reason}`);
}

/**
 * The WebSocket transport at `${prefix}/ws`: Origin check on upgrade, `maxPayload`
 * (close 1009), ping/pong heartbeat that drops dead peers, and a Connection per socket.
 */
export class WebSocketTransport {
  readonly #ctx: DispatcherContext;
  readonly #path: string;
  readonly #wss: WebSocketServer;
  readonly #connections: () => number;
  readonly #track: (delta: 1 | -1) => void;
  readonly #heartbeat: NodeJS.Timeout;
  readonly #alive = new WeakSet<WebSocket>();
  readonly #connectionOf = new WeakMap<WebSocket, Connection>();
  /** One listener for every socket (ws calls it with `this` = the socket): no closure per connection. */
  readonly #onPong: (this: WebSocket) => void;

  constructor(ctx: DispatcherContext, counter: { count: () => number; track: (delta: 1 | -1) => void }) {
    this.#ctx = ctx;
    this.#path = `${ctx.options.prefix}/ws`;
    this.#connections = counter.count;
    this.#track = counter.track;
    this.#wss = new WebSocketServer({ noServer: true, maxPayload: ctx.options.maxMessageBytes, perMessageDeflate: false });
    const alive = this.#alive;
    this.#onPong = function onPong(this: WebSocket) {
      alive.add(this);
    };
    this.#heartbeat = setInterval(() => this.#sweep(), ctx.options.heartbeatMs);
    this.#heartbeat.unref();
  }

  /** The `upgrade` listener: takes requests for `${prefix}/ws`, leaves all others alone. Returns whether it took it. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const path = (req.url ?? '').split('?', 1)[0];
    if (path !== this.#path) return false;
    socket.on('error', () => socket.destroy());
    if (!originAllowed(req, this.#ctx.options.allowedOrigins)) {
      refuse(socket, 403, 'Forbidden: Origin not allowed (option allowedOrigins)');
      return true;
    }
    if (this.#connections() >= this.#ctx.options.maxConnections) {
      refuse(socket, 429, 'Too Many Requests: too many live connections (option maxConnections)');
      return true;
    }
    this.#wss.handleUpgrade(req, socket, head, (ws) => this.#accept(ws));
    return true;
  }

  #accept(ws: WebSocket): void {
    const connection = new Connection(this.#ctx, new WebSocketSink(ws, Math.max(64 * 1024, this.#ctx.options.maxBufferedBytes / 4)));
    this.#connectionOf.set(ws, connection);
    this.#track(1);
    this.#alive.add(ws);
    ws.on('pong', this.#onPong);
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (isBinary) {
        connection.reject('bad_message', 'Binary frames are not accepted; send JSON text frames.');
        return;
      }
      connection.receive(rawToString(data));
    });
    ws.on('error', () => {
      // ws closes the socket itself (e.g. 1009 for maxPayload); 'close' follows.
    });
    ws.once('close', () => {
      this.#track(-1);
      void connection.close();
    });
  }

  #sweep(): void {
    for (const ws of this.#wss.clients) {
      if (!this.#alive.has(ws)) {
        ws.terminate();
        continue;
      }
      this.#alive.delete(ws);
      ws.ping();
      this.#connectionOf.get(ws)?.sweep();
    }
  }

  /** Closes every socket (1001) and stops the heartbeat. */
  close(): void {
    clearInterval(this.#heartbeat);
    for (const ws of this.#wss.clients) ws.close(1001, 'server shutting down');
    this.#wss.close();
  }
}

function rawToString(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

