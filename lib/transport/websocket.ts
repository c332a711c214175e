import { clearInterval, setInterval, setTimeout } from 'node:timers';
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type ServerOptions, type WebSocket } from 'ws';
import type { ClientAddresses } from './client-address';
import { Connection, type Sink } from '../connection/connection';
import type { LiveContext } from '../connection/context';
import { originAllowed } from './origin';
import { encode, type ServerMessage } from '../contract/protocol';
import type { ConnectionLimits } from './connection-limits';
import { MountDeadlines } from './mount-deadline';
import { FRAMES_PER_TURN, TurnCounter } from './read-budget';
import { Fifo } from '../core/fifo';
import type { Resumable, Scheduler } from '../connection/scheduler';
import type { WriteBatch } from './write-batch';
import { CLOSE_CODES } from '../contract/close-codes';

/**
 * How long a socket we close may take to answer our close frame before it is destroyed (ws's
 * `closeTimeout`, 30 s by default): a peer that never answers — a dead or hostile one past its
 * mount deadline — gives its connection slot back this long after the deadline.
 */
export const CLOSE_GRACE_MS = 1000;

/** A frame read but not handled yet (past the turn's FRAMES_PER_TURN). */
interface Inbound {
  readonly data: RawData;
  readonly isBinary: boolean;
}

/**
 * A Sink over one WebSocket: a job's messages in one text frame (one envelope alone, several as
 * a JSON array in their order: docs/protocol.md, WebSocket, "Frames"); all frames written in one
 * turn leave in one TCP write. The socket stops reading the peer's frames while more than `pauseBytes` wait
 * to go out (until they drain: backpressure), for a while when the peer is over its rate
 * budget (`hold`), and while frames of a read burst wait for later turns (`receive`).
 */
class WebSocketSink implements Sink, Resumable {
  readonly #ws: WebSocket;
  /** The raw socket under `#ws` (handleUpgrade's): corked so the messages of a turn's jobs leave in one write. */
  readonly #socket: Duplex;
  readonly #writes: WriteBatch;
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
  /** The turn of the last frame handled on arrival, and how many were in it. */
  #turn = -1;
  #framesInTurn = 0;
  /** Frames of a read burst waiting for later turns (null when none: reading goes on). */
  #inbox: Fifo<Inbound> | null = null;

  readonly #scheduler: Scheduler;

  constructor(ws: WebSocket, socket: Duplex, writes: WriteBatch, scheduler: Scheduler, pauseBytes: number, client: string) {
    this.#ws = ws;
    this.#socket = socket;
    this.#writes = writes;
    this.#scheduler = scheduler;
    this.#pauseBytes = pauseBytes;
    this.client = client;
  }

  send(messages: readonly ServerMessage[]): void {
    const ws = this.#ws;
    if (ws.readyState !== ws.OPEN) return;
    const socket = this.#socket;
    this.#writes.cork(socket);
    ws.send(frameOf(messages));
    if (!this.#paused && socket.writableLength > this.#pauseBytes) this.#pause();
  }

  #pause(): void {
    this.#paused = true;
    this.#ws.pause();
    this.#socket.once('drain', () => {
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

  /**
   * One frame read from the peer in turn `turn`: handled now, up to FRAMES_PER_TURN in a turn;
   * past that — and behind frames already waiting — queued for later turns of the scheduler,
   * with reading paused until the queue is empty (so it holds at most the rest of one read).
   */
  receive(data: RawData, isBinary: boolean, turn: number): void {
    let inbox = this.#inbox;
    if (inbox === null) {
      if (this.#turn !== turn) {
        this.#turn = turn;
        this.#framesInTurn = 0;
      }
      if (this.#framesInTurn < FRAMES_PER_TURN) {
        this.#framesInTurn += 1;
        if (this.connection) handleFrame(this.connection, data, isBinary);
        return;
      }
      inbox = this.#inbox = new Fifo<Inbound>();
      this.#ws.pause();
      this.#scheduler.schedule(this);
    }
    inbox.push({ data, isBinary });
  }

  /** A scheduler turn: the next FRAMES_PER_TURN waiting frames; reading resumes once none wait. */
  resume(): void {
    const inbox = this.#inbox;
    const connection = this.connection;
    if (inbox === null) return;
    for (let n = 0; n < FRAMES_PER_TURN && connection !== null && !connection.closed; n += 1) {
      const frame = inbox.shift();
      if (frame === undefined) break;
      handleFrame(connection, frame.data, frame.isBinary);
    }
    if (inbox.length > 0 && connection !== null && !connection.closed) {
      this.#scheduler.schedule(this);
      return;
    }
    this.#inbox = null;
    this.#resume();
  }

  #resume(): void {
    if (!this.#paused && !this.#held && this.#inbox === null && this.#ws.readyState === this.#ws.OPEN) this.#ws.resume();
  }

  /** Sends the close frame; a peer that has not answered it within CLOSE_GRACE_MS is destroyed (ws's `closeTimeout`). */
  close(code: number, reason: string): void {
    const ws = this.#ws;
    if (ws.readyState !== ws.OPEN && ws.readyState !== ws.CONNECTING) return;
    this.#inbox = null; // what the peer sent before is not answered any more
    if (this.#paused || this.#held) ws.resume(); // the closing handshake needs the peer's close frame read
    ws.close(code, reason.slice(0, 120));
  }

  bufferedBytes(): number {
    return this.#writes.backlogOf(this.#socket);
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
  readonly #writes: WriteBatch;
  readonly #turns = new TurnCounter();
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
    /** A raw socket that closes during the handshake: its place in the limits is given back. */
    handshakeClose: (this: Duplex) => void;
  };
  /** Client address of a raw socket still in its handshake. */
  readonly #handshaking = new WeakMap<Duplex, string>();

  constructor(ctx: LiveContext, limits: ConnectionLimits, addresses: ClientAddresses, writes: WriteBatch) {
    this.#ctx = ctx;
    this.#writes = writes;
    this.#path = `${ctx.options.prefix}/ws`;
    this.#limits = limits;
    this.#addresses = addresses;
    // closeTimeout: a WebSocketServer option of the ws versions we require (^8.23) that @types/ws does not list yet.
    const serverOptions: ServerOptions & { closeTimeout: number } = {
      noServer: true,
      maxPayload: ctx.options.maxMessageBytes,
      perMessageDeflate: false,
      // Every frame of a read emitted at once (ws's default), kept on purpose: WebSocketSink.receive
      // handles FRAMES_PER_TURN of them in the turn that read them and the rest on later turns
      // (lib/transport/read-budget.ts), which costs nothing to the common one-frame read.
      allowSynchronousEvents: true,
      closeTimeout: CLOSE_GRACE_MS,
    };
    this.#wss = new WebSocketServer(serverOptions);
    const sinkOf = this.#sinkOf;
    const turns = this.#turns;
    const handshaking = this.#handshaking;
    this.#on = {
      message(data, isBinary) {
        sinkOf.get(this)?.receive(data, isBinary, turns.current());
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
    const sink = new WebSocketSink(ws, socket, this.#writes, this.#ctx.scheduler, Math.max(64 * 1024, this.#ctx.options.maxBufferedBytes / 4), client);
    const connection = new Connection(this.#ctx, sink);
    sink.connection = connection;
    this.#sinkOf.set(ws, sink);
    this.#deadlines.start(connection, client);
    ws.on('pong', this.#on.pong);
    ws.on('message', this.#on.message);
    ws.on('error', ignore); // ws closes the socket itself (e.g. 1009 for maxPayload); 'close' follows
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

  /** Closes every socket (1001 "going away") and stops the heartbeat. */
  close(): void {
    clearInterval(this.#heartbeat);
    this.#deadlines.stop();
    for (const ws of this.#wss.clients) ws.close(CLOSE_CODES.goingAway, 'server shutting down');
    this.#wss.close();
  }
}

/** One frame of the peer's: charged by its size before it is decoded (binary frames too), then handled. */
function handleFrame(connection: Connection, data: RawData, isBinary: boolean): void {
  if (!connection.admit(byteLengthOf(data))) return connection.refuse(isBinary ? '' : headOf(data));
  if (isBinary) connection.reject('bad_message', 'Binary frames are not accepted; send JSON text frames.');
  else connection.handle(rawToString(data));
}

function destroySocket(this: Duplex): void {
  this.destroy();
}

function ignore(): void {}

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

function rawToString(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

