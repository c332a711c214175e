// One WebSocket's side of the transport (lib/transport/websocket.ts holds the server side):
// the Sink its Connection writes to, the per-turn read budget, and the frame helpers.
import type { Duplex } from 'node:stream';
import { clearTimeout, setTimeout } from 'node:timers';
import type { RawData, WebSocket } from 'ws';
import type { Connection, Sink } from '../connection/connection';
import type { Resumable, Scheduler } from '../connection/scheduler';
import { encode, type ServerMessage } from '../contract/protocol';
import { Fifo } from '../core/fifo';
import { FRAMES_PER_TURN } from './read-budget';
import { NEIGHBOUR_MS, type UploadBudget } from './upload-budget';
import type { WriteBatch } from './write-batch';
import { textFrame } from './ws-frame';

/** What every socket of one transport shares (one reference per sink instead of three). */
export interface SinkShared {
  /** The instance's write batch. */
  readonly writes: WriteBatch;
  /** The instance's scheduler: the turns a read burst's waiting frames are handled on. */
  readonly scheduler: Scheduler;
  /** Reading pauses while more than this many bytes wait to go out. */
  readonly pauseBytes: number;
  /** Upload bytes all sockets may have handled in one turn (lib/transport/upload-budget.ts). */
  readonly uploads: UploadBudget;
}

/** A frame read but not handled yet (past the turn's FRAMES_PER_TURN, or its upload bytes). */
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
export class WebSocketSink implements Sink, Resumable {
  readonly #ws: WebSocket;
  /** The raw socket under `#ws` (handleUpgrade's): corked so the messages of a turn's jobs leave in one write. */
  readonly #socket: Duplex;
  readonly #shared: SinkShared;
  /** The client address (for the connection limits when the socket closes). */
  readonly client: string;
  /** Its Connection (set right after both exist). */
  connection: Connection | null = null;
  /** Answered the last heartbeat ping (kept by a 'pong' listener only on a socket that does not count the bytes it read). */
  alive = true;
  /** The socket's bytesRead at the previous heartbeat. */
  #readAtBeat = -1;
  /** Waiting for our writes to drain. */
  #paused = false;
  /** Held by `hold` until its timer ends. */
  #held = false;
  /** The turn of the last frame handled on arrival, and how many were in it. */
  #turn = -1;
  #framesInTurn = 0;
  /** Frames of a read burst waiting for later turns (null when none: reading goes on). */
  #inbox: Fifo<Inbound> | null = null;
  /**
   * When this socket last sent an upload chunk (performance.now, whole ms: a small integer, so
   * the field costs an idle socket no boxed number).
   */
  #uploadAt = -NEIGHBOUR_MS - 1;
  /** A timer that schedules `resume` once the shared upload rate has room (lib/transport/upload-budget.ts). */
  #wait: NodeJS.Timeout | null = null;

  constructor(ws: WebSocket, socket: Duplex, shared: SinkShared, client: string) {
    this.#ws = ws;
    this.#socket = socket;
    this.#shared = shared;
    this.client = client;
  }

  send(messages: readonly ServerMessage[]): void {
    const ws = this.#ws;
    if (ws.readyState !== ws.OPEN) return;
    const socket = this.#socket;
    this.#shared.writes.cork(socket);
    // Framed here, one Buffer in one write: the bytes ws.send writes (lib/transport/ws-frame.ts;
    // the transport turns compression off, so ws's sender never holds a frame back).
    socket.write(textFrame(frameOf(messages)));
    if (!this.#paused && socket.writableLength > this.#shared.pauseBytes) this.#pause();
  }

  #pause(): void {
    this.#paused = true;
    this.#ws.pause();
    this.#socket.once('drain', () => {
      this.#paused = false;
      this.#resume();
    });
  }

  /**
   * Whether the peer sent anything — the last ping's pong, a frame — since the previous call
   * (one per heartbeat). Read from the socket's byte count where it keeps one (net and TLS
   * sockets), so the WebSocket needs no 'pong' listener: a fourth event name grows every
   * socket's listener table by ~90 bytes.
   */
  heard(): boolean {
    const read = (this.#socket as Duplex & { bytesRead?: unknown }).bytesRead;
    if (typeof read !== 'number') {
      const alive = this.alive;
      this.alive = false;
      return alive;
    }
    const heard = read !== this.#readAtBeat;
    this.#readAtBeat = read;
    return heard;
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
   * One frame read from the peer in turn `turn`: handled now, up to FRAMES_PER_TURN in a turn
   * and, for an upload chunk, while the turn's upload budget (shared by all sockets) lasts; past
   * that — and behind frames already waiting — queued for later turns of the scheduler, with
   * reading paused until the queue is empty (so it holds at most the rest of one read).
   */
  receive(data: RawData, isBinary: boolean, turn: number): void {
    // Neighbour first: an event from a socket that is not uploading holds the uploads of the others to a shared rate.
    const now = Math.trunc(performance.now());
    if (isBinary) this.#uploadAt = now;
    else if (now - this.#uploadAt > NEIGHBOUR_MS) this.#shared.uploads.neighbour();
    let inbox = this.#inbox;
    if (inbox === null) {
      if (this.#turn !== turn) {
        this.#turn = turn;
        this.#framesInTurn = 0;
      }
      if (this.#framesInTurn < FRAMES_PER_TURN && (!isBinary || this.#shared.uploads.take(byteLengthOf(data)))) {
        this.#framesInTurn += 1;
        if (this.connection) handleFrame(this.connection, data, isBinary);
        return;
      }
      inbox = this.#inbox = new Fifo<Inbound>();
      this.#ws.pause();
      this.#later(isBinary);
    }
    inbox.push({ data, isBinary });
  }

  /**
   * Resume on a later turn: the next one, or — an upload chunk over the shared rate — once the
   * rate has room again (a timer, so the loop sleeps meanwhile instead of spinning turns).
   */
  #later(upload: boolean): void {
    const ms = upload ? this.#shared.uploads.waitMs() : 0;
    if (ms === 0) return this.#shared.scheduler.schedule(this);
    this.#wait = setTimeout(() => {
      this.#wait = null;
      this.#shared.scheduler.schedule(this);
    }, ms);
  }

  /**
   * A scheduler turn: the next FRAMES_PER_TURN waiting frames, up to an upload chunk the turn's
   * upload budget has no room for (it waits for the next turn); reading resumes once none wait.
   */
  resume(): void {
    const inbox = this.#inbox;
    const connection = this.connection;
    if (inbox === null) return;
    const uploads = this.#shared.uploads;
    let upload = false;
    for (let n = 0; n < FRAMES_PER_TURN && connection !== null && !connection.closed; n += 1) {
      const frame = inbox.peek();
      if (frame === undefined) break;
      if (frame.isBinary && !uploads.take(byteLengthOf(frame.data))) {
        upload = true;
        break;
      }
      inbox.shift();
      handleFrame(connection, frame.data, frame.isBinary);
    }
    if (inbox.length > 0 && connection !== null && !connection.closed) {
      this.#later(upload);
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
    if (this.#wait !== null) clearTimeout(this.#wait);
    this.#wait = null;
    if (this.#paused || this.#held) ws.resume(); // the closing handshake needs the peer's close frame read
    ws.close(code, reason.slice(0, 120));
  }

  bufferedBytes(): number {
    return this.#shared.writes.backlogOf(this.#socket);
  }
}

/**
 * One frame of the peer's. Binary frames are upload chunks (docs/uploads.md), charged by the
 * upload channel; a text frame is charged by its size before it is decoded, then handled.
 */
export function handleFrame(connection: Connection, data: RawData, isBinary: boolean): void {
  if (isBinary) return connection.upload(rawToBuffer(data));
  if (!connection.admit(byteLengthOf(data))) return connection.refuse(headOf(data));
  connection.handle(rawToString(data));
}

/**
 * One frame for a job's messages: the envelope itself when alone, else a JSON array of them in
 * order. A click's `patch` and `page_metadata` then cost the browser one message event and one
 * `JSON.parse`, and the server one ws frame, instead of two of each.
 */
export function frameOf(messages: readonly ServerMessage[]): string {
  if (messages.length === 1) return encode(messages[0] as ServerMessage);
  if (messages.length === 2) return `[${encode(messages[0] as ServerMessage)},${encode(messages[1] as ServerMessage)}]`; // a click's patch and title
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
  if (Buffer.isBuffer(data)) return data.toString(); // UTF-8: no argument takes Buffer's shortest path
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

