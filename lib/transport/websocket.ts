import { clearInterval, setInterval } from 'node:timers';
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type ServerOptions, type WebSocket } from 'ws';
import { WebSocketSink, type SinkShared } from './websocket-sink';
import type { ClientAddresses } from './client-address';
import { Connection } from '../connection/connection';
import type { LiveContext } from '../connection/context';
import { originAllowed } from './origin';
import type { ConnectionLimits } from './connection-limits';
import { MountDeadlines } from './mount-deadline';
import { TurnCounter } from './read-budget';
import { UploadBudget } from './upload-budget';
import type { WriteBatch } from './write-batch';
import { CLOSE_CODES } from '../contract/close-codes';

/**
 * How long a socket we close may take to answer our close frame before it is destroyed (ws's
 * `closeTimeout`, 30 s by default): a peer that never answers — a dead or hostile one past its
 * mount deadline — gives its connection slot back this long after the deadline.
 */
export const CLOSE_GRACE_MS = 1000;

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
  readonly #shared: SinkShared;
  readonly #turns = new TurnCounter();
  /**
   * Each open socket's sink, which holds what the socket's listeners need; also the list the
   * heartbeat sweeps (ws's own client tracking is off: it cost every connection a `close`
   * closure, a listener array and a Set entry on top of this).
   */
  readonly #sinkOf = new Map<WebSocket, WebSocketSink>();
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

  constructor(ctx: LiveContext, limits: ConnectionLimits, addresses: ClientAddresses, writes: WriteBatch) {
    this.#ctx = ctx;
    this.#shared = { writes, scheduler: ctx.scheduler, pauseBytes: Math.max(64 * 1024, ctx.options.maxBufferedBytes / 4), uploads: new UploadBudget(this.#turns, { sharedBytesPerSecond: ctx.options.sharedUploadBytesPerSecond, debug: ctx.options.logger.debug }) };
    this.#path = `${ctx.options.prefix}/ws`;
    this.#limits = limits;
    this.#addresses = addresses;
    // closeTimeout: a WebSocketServer option of the ws versions we require (^8.23) that @types/ws does not list yet.
    const serverOptions: ServerOptions & { closeTimeout: number } = {
      noServer: true,
      // ws enforces the larger of the two limits; a text frame over maxMessageBytes is closed 1009
      // in `message` below, so big upload chunks do not also allow big text frames.
      maxPayload: Math.max(ctx.options.maxMessageBytes, ctx.options.maxUploadChunkBytes),
      perMessageDeflate: false,
      // Every frame of a read emitted at once (ws's default), kept on purpose: WebSocketSink.receive
      // handles FRAMES_PER_TURN of them in the turn that read them and the rest on later turns
      // (lib/transport/read-budget.ts), which costs nothing to the common one-frame read.
      allowSynchronousEvents: true,
      clientTracking: false,
      closeTimeout: CLOSE_GRACE_MS,
    };
    const tooBig = (client: string | undefined, why: string): void => ctx.options.logger.debug(`djust-lite: WebSocket from ${client || 'an unknown address'}: ${why}.`);
    this.#wss = new WebSocketServer(serverOptions);
    const sinkOf = this.#sinkOf;
    const turns = this.#turns;
    const deadlines = (this.#deadlines = new MountDeadlines(ctx.options.mountTimeoutMs, (who) => `WebSocket from ${who || 'an unknown address'}`, ctx.options.logger.debug));
    const handshaking = this.#handshaking;
    this.#on = {
      message(data, isBinary) {
        if (!isBinary && rawLength(data) > ctx.options.maxMessageBytes) {
          tooBig(sinkOf.get(this)?.client, `a text frame was over ${ctx.options.maxMessageBytes} bytes (option maxMessageBytes); closed 1009`);
          return this.close(CLOSE_CODES.tooBig, 'message too big');
        }
        sinkOf.get(this)?.receive(data, isBinary, turns.current());
      },
      error(err) {
        // Said at debug, naming the option: a frame over the limit otherwise looks like a plain disconnect.
        if (err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
          const { maxMessageBytes, maxUploadChunkBytes } = ctx.options;
          const why = maxUploadChunkBytes > maxMessageBytes
            ? `a frame was over ${maxUploadChunkBytes} bytes (option maxUploadChunkBytes; text frames: maxMessageBytes, ${maxMessageBytes}); closed 1009`
            : `a frame was over ${maxMessageBytes} bytes (option maxMessageBytes); closed 1009`;
          return tooBig(sinkOf.get(this)?.client, why);
        }
        ctx.options.logger.debug(`djust-lite: WebSocket from ${sinkOf.get(this)?.client || 'an unknown address'}: ${err.code ?? 'error'}: ${err.message}.`);
      },
      pong() {
        const sink = sinkOf.get(this);
        if (sink) sink.alive = true;
      },
      close() {
        const sink = sinkOf.get(this);
        if (!sink) return;
        sinkOf.delete(this);
        limits.closed(sink.client);
        if (sink.connection === null) return;
        deadlines.release(sink.connection);
        void sink.connection.close();
      },
      handshakeClose() {
        const client = handshaking.get(this);
        if (client === undefined) return;
        handshaking.delete(this);
        limits.closed(client);
      },
    };
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
      this.#accept(ws, socket, client);
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

  #accept(ws: WebSocket, socket: Duplex, client: string): void {
    const sink = new WebSocketSink(ws, socket, this.#shared, client);
    const connection = new Connection(this.#ctx, sink);
    sink.connection = connection;
    this.#sinkOf.set(ws, sink);
    this.#deadlines.start(connection, client);
    // Liveness is the socket's byte count (WebSocketSink.heard); a pong listener only where there is none.
    if (typeof (socket as Duplex & { bytesRead?: unknown }).bytesRead !== 'number') ws.on('pong', this.#on.pong);
    ws.on('message', this.#on.message);
    ws.on('error', this.#on.error); // ws closes the socket itself (e.g. 1009 for maxPayload); 'close' follows
    ws.on('close', this.#on.close);
  }

  #sweep(): void {
    for (const [ws, sink] of this.#sinkOf) {
      if (!sink.heard()) {
        ws.terminate();
        continue;
      }
      ws.ping();
      sink.connection?.sweep();
    }
  }

  /** Closes every socket (1001 "going away") and stops the heartbeat. */
  close(): void {
    clearInterval(this.#heartbeat);
    this.#deadlines.stop();
    for (const ws of this.#sinkOf.keys()) ws.close(CLOSE_CODES.goingAway, 'server shutting down');
    this.#wss.close();
  }
}

function destroySocket(this: Duplex): void {
  this.destroy();
}


export { frameOf } from './websocket-sink';

/** The byte length of a frame as `ws` hands it over (one Buffer with the default binaryType). */
function rawLength(data: RawData): number {
  if (Array.isArray(data)) return data.reduce((sum, part) => sum + part.length, 0);
  return data.byteLength;
}
