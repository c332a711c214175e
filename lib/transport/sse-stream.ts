import { createHash, timingSafeEqual } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { clearTimeout, setTimeout } from 'node:timers';
import type { Sink } from '../connection/connection';
import { encode, errorMessage, type ServerMessage } from '../contract/protocol';
import type { WriteBatch } from './write-batch';

/** One SSE message as written: its id and its text (`id:`, `event:`, `data:` lines). */
interface Frame {
  id: number;
  text: string;
}

/** What a stream needs from its transport. */
export interface StreamHost {
  readonly bufferSize: number;
  readonly lingerMs: number;
  readonly retryMs: number;
  /** The instance's write batch: a job's writes leave at the end of the turn. */
  readonly writes: WriteBatch;
  /** Ends the stream: closes its Connection (the view unmounts) and forgets it. */
  end(stream: SseStream): void;
}

/**
 * Outcome of attaching a response with a `Last-Event-ID`. A refusal says whether the id was one
 * the stream never sent (`future`: not a number, or past the last id sent) or one whose
 * messages are no longer buffered.
 */
export type ResumeResult = { ok: true; replayed: number } | { ok: false; first: number; future: boolean };

const digest = (token: string): Buffer => createHash('sha256').update(token).digest();

/**
 * Formats one server message as an SSE message. `event` is the message type (a fixed,
 * newline-free word) and `data` is one JSON line: JSON.stringify escapes CR and LF.
 * A null id writes an empty `id:`, which resets the reader's Last-Event-ID.
 */
export function frameOf(id: number | null, message: ServerMessage): string {
  return `${id === null ? 'id:' : `id: ${id}`}\nevent: ${message.type}\ndata: ${encode(message)}\n\n`;
}

/** Response headers of the stream: no caching or transforming, no proxy buffering. */
export const STREAM_HEADERS = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  // no-transform keeps compression middleware (which would buffer) off the stream.
  'Cache-Control': 'no-cache, no-transform',
  'X-Accel-Buffering': 'no',
  'X-Content-Type-Options': 'nosniff',
} as const;

/**
 * One SSE stream as the server keeps it: a client-chosen id, the token it was opened with, the
 * HTTP response attached now (if any) and the last `bufferSize` messages for `Last-Event-ID`
 * replay. It outlives one response: every message gets the next id; while no response is
 * attached, messages only go to the buffer; when the response drops, the stream lingers
 * `lingerMs` (the browser reconnects with `Last-Event-ID`), then the host ends it.
 *
 * @example
 * const stream = new SseStream(host, id, token, clientAddress);
 * const connection = new Connection(ctx, stream.sink);
 * stream.attach(res, null); // headers, retry:, then every message the connection sends
 */
export class SseStream {
  readonly id: string;
  /** SHA-256 of the token the stream was opened with: compared in constant time, whatever its length. */
  readonly #tokenDigest: Buffer;
  /** Client address, for the per-client connection cap. */
  readonly client: string;
  readonly #host: StreamHost;
  readonly #frames: Frame[] = [];
  #nextId: number;
  #res: ServerResponse | null = null;
  #linger: NodeJS.Timeout | null = null;
  #ended = false;

  constructor(host: StreamHost, id: string, token: string, client: string, firstId = 1) {
    this.#host = host;
    this.id = id;
    this.#tokenDigest = digest(token);
    this.client = client;
    this.#nextId = firstId;
  }

  /** Id the next message will get (a fresh stream on the same id continues from here). */
  get nextId(): number {
    return this.#nextId;
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** Whether a response is attached now (the stream is in use, not lingering). */
  get streaming(): boolean {
    return this.#res !== null;
  }

  /** Whether `token` is the one the stream was opened with; constant time. */
  tokenMatches(token: string): boolean {
    return timingSafeEqual(digest(token), this.#tokenDigest);
  }

  /** The Sink the stream's Connection writes to: one `res.write` per job, flushed at the end of the turn. */
  readonly sink: Sink = {
    send: (messages) => {
      if (this.#ended || messages.length === 0) return;
      let text = '';
      for (const message of messages) {
        const frame = { id: this.#nextId++, text: '' };
        frame.text = frameOf(frame.id, message);
        this.#frames.push(frame);
        text += frame.text;
      }
      const excess = this.#frames.length - this.#host.bufferSize;
      if (excess > 0) this.#frames.splice(0, excess);
      const res = this.#res;
      if (!res) return;
      this.#host.writes.cork(res);
      res.write(text);
    },
    close: () => this.#host.end(this),
    bufferedBytes: () => (this.#res ? this.#host.writes.backlogOf(this.#res) : 0),
  };

  /**
   * Makes `res` the stream's response (ending the one attached before): writes the headers,
   * `retry:`, and — for a resume (`lastEventId` not null) — every buffered message after it,
   * all in one write. A resume the buffer cannot serve writes nothing and returns the first
   * missing id; the caller then reports `resume_gap` (see SseTransport).
   */
  attach(res: ServerResponse, lastEventId: string | null): ResumeResult {
    let replay = '';
    let replayed = 0;
    if (lastEventId !== null) {
      const last = /^\d{1,15}$/.test(lastEventId) ? Number(lastEventId) : -1;
      const oldest = this.#frames[0]?.id ?? this.#nextId;
      const future = last < 0 || last >= this.#nextId;
      if (future || last + 1 < oldest) return { ok: false, first: Math.max(last + 1, 0), future };
      for (const frame of this.#frames) {
        if (frame.id <= last) continue;
        replay += frame.text;
        replayed += 1;
      }
    }
    this.#cancelLinger();
    const previous = this.#res;
    this.#res = res;
    previous?.end();
    openStream(res, this.#host.retryMs, replay);
    res.once('close', () => this.#detach(res));
    return { ok: true, replayed };
  }

  /** Writes a heartbeat comment to the attached response, if any. */
  ping(): void {
    this.#res?.write(': ping\n\n');
  }

  /** Ends the attached response and cancels the linger timer. Idempotent; the host forgets the stream. */
  finish(): void {
    this.#ended = true;
    this.#cancelLinger();
    const res = this.#res;
    this.#res = null;
    res?.end();
  }

  #detach(res: ServerResponse): void {
    if (this.#res !== res) return; // replaced by a newer stream, or finished
    this.#res = null;
    if (this.#ended) return;
    if (this.#host.lingerMs === 0) return this.#host.end(this);
    this.#linger = setTimeout(() => this.#host.end(this), this.#host.lingerMs);
    this.#linger.unref();
  }

  #cancelLinger(): void {
    if (this.#linger) clearTimeout(this.#linger);
    this.#linger = null;
  }
}

/** Starts an event stream on `res` with `retry:` and `body`, flushed at once. */
export function openStream(res: ServerResponse, retryMs: number, body = ''): void {
  res.writeHead(200, STREAM_HEADERS);
  res.socket?.setNoDelay(true);
  res.write(`retry: ${retryMs}\n\n${body}`);
}

/**
 * Answers a resume for a stream that is gone or whose buffer no longer reaches back: one
 * `error` (code `resume_gap`) with an empty id — so an EventSource that reconnects by itself
 * sends no Last-Event-ID and mounts afresh — then the end of the stream.
 */
export function writeResumeGap(res: ServerResponse, retryMs: number, detail: string): void {
  const message = errorMessage('resume_gap', `${detail} Open the stream again without Last-Event-ID to mount afresh (or reload the page).`);
  openStream(res, retryMs, frameOf(null, message));
  res.end();
}
