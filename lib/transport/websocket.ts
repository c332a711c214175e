import { clearInterval, setInterval, setTimeout } from 'node:timers';
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { ClientAddresses } from './client-address';
import { Connection, type Sink } from '../connection/connection';
import type { LiveContext } from '../connection/context';
import { originAllowed } from './origin';
import { encode, type ServerMessage } from '../contract/protocol';
import type { ConnectionLimits } from './connection-limits';
import { MountDeadlines } from './mount-deadline';
import { backlogOf, corkUntilTurnEnds, type Corkable } from './write-batch';

/** ws keeps its socket here; we cork it so the messages of a turn's jobs leave in one write. */
type WithSocket = { _socket?: Corkable & { once(event: 'drain', listener: () => void): unknown } };

/**
 * A Sink over one WebSocket: a job's messages in one text frame (one envelope alone, several as
 * a JSON array in their order: docs/protocol.md, WebSocket, "Frames"); all frames written in one
 * turn leave in one TCP write. The socket stops reading the peer's frames while more than `pauseBytes` wait
 * to go out (until they drain: backpressure), and for a while when the peer is over its rate
 * budget (`hold`).
 */
class WebSocketSink implements Sink {
  readonly #ws: WebSocket;
  readonly #pauseBytes: number;
  /** The client address (for the connection limits when the socket closes). */
  readonly client: string;
  /** Its Connection (set right after both exist). */
  connection: Connection | null = null;
  /** Answered the last heartbeat ping. */
  alive = true;
  /** Waiting for our writes to drain. */
  #paused = false;
  /** Held by `hold` until its timer ends. */
  #held = false;

  constructor(ws: WebSocket, pauseBytes: number, client: string) {
    this.#ws = ws;
    this.#pauseBytes = pauseBytes;
    this.client = client;
  }

  send(messages: readonly ServerMessage[]): void {
    const ws = this.#ws;
    if (ws.readyState !== ws.OPEN) return;
    const socket = (ws as unknown as WithSocket)._socket;
    if (socket) corkUntilTurnEnds(socket);
    ws.send(frameOf(messages));
    if (socket && !this.#paused && socket.writableLength > this.#pauseBytes) this.#pause(socket);
  }

  #pause(socket: Corkable & { once(event: 'drain', listener: () => void): unknown }): void {
    this.#paused = true;
    this.#ws.pause();
    socket.once('drain', () => {
      this.#paused = false;
      this.#resume();
    });
  }

  hold(ms: number): void {
    if (this.#held || this.#ws.readyState !== this.#ws.OPEN) return;
    this.#held = true;
    this.#ws.pause();
    setTimeout(() => {
      this.#held = false;
      this.#resume();
    }, Math.max(ms, 1)).unref();
  }

  #resume(): void {
    if (!this.#paused && !this.#held && this.#ws.readyState === this.#ws.OPEN) this.#ws.resume();
  }

  close(code: number, reason: string): void {
    const ws = this.#ws;
    if (ws.readyState !== ws.OPEN && ws.readyState !== ws.CONNECTING) return;
    if (this.#paused || this.#held) ws.resume(); // the closing handshake needs the peer's close frame read
    ws.close(code, reason.slice(0, 120));
  }

  bufferedBytes(): number {
    const socket = (this.#ws as unknown as WithSocket)._socket;
    return socket ? backlogOf(socket) : this.#ws.bufferedAmount;
  }
}

/**
 * The WebSocket transport at `${prefix}/ws`: Origin check and connection limits on upgrade,
 * `maxPayload` (close 1009), a mount deadline (`mount_timeout`, close 1008), ping/pong
 * heartbeat that drops dead peers, and a Connection per socket.
 */
export class WebSocketTransport {
  readonly #ctx: LiveContext;
  readonly #path: string;
  readonly #wss: WebSocketServer;
  readonly #limits: ConnectionLimits;
  readonly #addresses: ClientAddresses;
  readonly #heartbeat: NodeJS.Timeout;
  readonly #deadlines: MountDeadlines;
  /** Each socket's sink, which holds what the socket's listeners need. */
  readonly #sinkOf = new WeakMap<WebSocket, WebSocketSink>();
  /**
   * The socket listeners, one function each for every socket (ws and net call them with `this` =
   * the socket): an idle connection holds no closure, context or `once` wrapper of its own.
   */
  readonly #on: {
    message: (this: WebSocket, data: RawData, isBinary: boolean) => void;
    pong: (this: WebSocket) => void;
    close: (this: WebSocket) => void;
    error: (this: WebSocket, err: Error & { code?: string }) => void;
    /** A raw socket that closes during the handshake: its place in the limits is given back. */
    handshakeClose: (this: Duplex) => void;
  };
  /** Client address of a raw socket still in its handshake. */
  readonly #handshaking = new WeakMap<Duplex, string>();

  constructor(ctx: LiveContext, limits: ConnectionLimits, addresses: ClientAddresses) {
    this.#ctx = ctx;
    this.#path = `${ctx.options.prefix}/ws`;
    this.#limits = limits;
    this.#addresses = addresses;
    this.#wss = new WebSocketServer({
      noServer: true,
      maxPayload: ctx.options.maxMessageBytes,
      perMessageDeflate: false,
    });
    const sinkOf = this.#sinkOf;
    const handshaking = this.#handshaking;
    this.#on = {
      message(data, isBinary) {
        const connection = sinkOf.get(this)?.connection;
        if (!connection) return;
        // Binary frames are upload chunks (docs/uploads.md): charged by the upload channel.
        if (isBinary) return connection.upload(rawToBuffer(data));
        // Charged by its size before it is decoded.
        if (!connection.admit(byteLengthOf(data))) return connection.refuse(headOf(data));
        connection.handle(rawToString(data));
      },
      error(err) {
        // Said at debug, naming the option: a frame over maxMessageBytes otherwise looks like a plain disconnect.
        const why = err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH'
          ? `a frame was over ${ctx.options.maxMessageBytes} bytes (option maxMessageBytes); closed 1009`
          : `${err.code ?? 'error'}: ${err.message}`;
        ctx.options.logger.debug(`djust-lite: WebSocket from ${sinkOf.get(this)?.client || 'an unknown address'}: ${why}.`);
      },
      pong() {
        const sink = sinkOf.get(this);
        if (sink) sink.alive = true;
      },
      close() {
        const sink = sinkOf.get(this);
        if (!sink) return;
        limits.closed(sink.client);
        void sink.connection?.close();
      },
      handshakeClose() {
        const client = handshaking.get(this);
        if (client === undefined) return;
        handshaking.delete(this);
        limits.closed(client);
      },
    };
    this.#deadlines = new MountDeadlines(ctx.options.mountTimeoutMs, (who) => `WebSocket from ${who || 'an unknown address'}`, ctx.options.logger.debug);
    this.#heartbeat = setInterval(() => this.#sweep(), ctx.options.heartbeatMs);
    this.#heartbeat.unref();
  }

  /**
   * The `upgrade` listener: takes requests for `${prefix}/ws`, leaves all others alone. Returns
   * whether it took it. A taken socket counts against the connection limits from here until it
   * closes, handshake included.
   */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const path = (req.url ?? '').split('?', 1)[0];
    if (path !== this.#path) return false;
    socket.on('error', destroySocket);
    const client = this.#addresses.of(req);
    if (!originAllowed(req, this.#ctx.options.allowedOrigins, this.#addresses)) {
      this.#refuse(socket, client, 403, 'Origin not allowed (option allowedOrigins)');
      return true;
    }
    const full = this.#limits.refusal(client);
    if (full !== null) {
      this.#refuse(socket, client, 429, full);
      return true;
    }
    if (socket.destroyed) return true;
    // Counted until the socket closes: by the raw socket's 'close' while the handshake runs, by
    // the WebSocket's 'close' once it is accepted (then the raw listener goes).
    this.#limits.opened(client);
    this.#handshaking.set(socket, client);
    socket.on('close', this.#on.handshakeClose);
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      if (!this.#handshaking.delete(socket)) return ws.terminate(); // closed meanwhile: already given back
      // From here ws watches the raw socket itself (its own 'error' listener destroys it).
      socket.removeListener('close', this.#on.handshakeClose);
      socket.removeListener('error', destroySocket);
      this.#accept(ws, client);
    });
    return true;
  }

  /**
   * The one way an upgrade is refused: a plain HTTP answer with `status` and `reason` (one
   * line, readable in curl), then the socket is destroyed; logged at debug with the reason.
   */
  #refuse(socket: Duplex, client: string, status: 403 | 429, reason: string): void {
    this.#ctx.options.logger.debug(`djust-lite: WebSocket upgrade from ${client || 'an unknown address'} refused with ${status}: ${reason}.`);
    const text = STATUS_CODES[status] ?? '';
    const body = `${text}: ${reason}.\n`;
    socket.once('finish', () => socket.destroy());
    socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n` +
      `Cache-Control: no-store\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  }

  #accept(ws: WebSocket, client: string): void {
    const sink = new WebSocketSink(ws, Math.max(64 * 1024, this.#ctx.options.maxBufferedBytes / 4), client);
    const connection = new Connection(this.#ctx, sink);
    sink.connection = connection;
    this.#sinkOf.set(ws, sink);
    this.#deadlines.start(connection, sink, client);
    ws.on('pong', this.#on.pong);
    ws.on('message', this.#on.message);
    ws.on('error', this.#on.error); // ws closes the socket itself (e.g. 1009 for maxPayload); 'close' follows
    ws.on('close', this.#on.close);
  }

  #sweep(): void {
    for (const ws of this.#wss.clients) {
      const sink = this.#sinkOf.get(ws);
      if (!sink?.alive) {
        ws.terminate();
        continue;
      }
      sink.alive = false;
      ws.ping();
      sink.connection?.sweep();
    }
  }

  /** Closes every socket (1001) and stops the heartbeat. */
  close(): void {
    clearInterval(this.#heartbeat);
    this.#deadlines.stop();
    for (const ws of this.#wss.clients) ws.close(1001, 'server shutting down');
    this.#wss.close();
  }
}

function destroySocket(this: Duplex): void {
  this.destroy();
}


/**
 * One frame for a job's messages: the envelope itself when alone, else a JSON array of them in
 * order. A click's `patch` and `page_metadata` then cost the browser one message event and one
 * `JSON.parse`, and the server one ws frame, instead of two of each.
 */
export function frameOf(messages: readonly ServerMessage[]): string {
  if (messages.length === 1) return encode(messages[0] as ServerMessage);
  let text = '[';
  for (let i = 0; i < messages.length; i += 1) text += (i === 0 ? '' : ',') + encode(messages[i] as ServerMessage);
  return `${text}]`;
}

function byteLengthOf(data: RawData): number {
  return Array.isArray(data) ? data.reduce((n, chunk) => n + chunk.length, 0) : data.byteLength;
}

/** The first bytes of a frame as text (for a refusal's ref). */
function headOf(data: RawData): string {
  const first = Array.isArray(data) ? data[0] : data;
  if (!first) return '';
  return Buffer.isBuffer(first) ? first.toString('utf8', 0, 256) : Buffer.from(first).toString('utf8', 0, 256);
}

function rawToBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

function rawToString(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

