import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { open, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { TokenBucket } from './admission';
import type { ResolvedLogger } from '../core/logger';
import { UPLOAD_WINDOW, type UploadMessage } from '../contract/protocol';
import type { UploadConfig, UploadEntry, ViewUploads } from '../view/uploads';

/**
 * The server side of upload transfers (docs/uploads.md, "Wire format"): the binary chunks a
 * WebSocket frame or an SSE upload POST carries, streamed to temp files in order. A client may
 * have an entry's window (UPLOAD_WINDOW chunks, in bytes) sent and not yet answered; each chunk
 * is answered (`ack`) once it is on disk, so what the server holds of an entry in memory stays
 * under its window, and a slow disk slows the client down. Chunks that arrive while a write is
 * under way are written together (one `writev`). Validation of what a file may be lives in
 * lib/view/uploads.ts; this module refuses what a chunk may not do: unknown ids, another view's
 * ids, a chunk past the window, a wrong offset, bytes past the announced size or `maxFileSize`.
 *
 * A frame: byte 0 is the header's length `n`, bytes 1..n the ASCII header `<entry id>:<offset>`,
 * the rest the chunk.
 */

/** The folder prefix of one process's uploads under `uploadDir`: `djust-lite-uploads-<pid>-<random>`. */
const FOLDER_PREFIX = 'djust-lite-uploads-';
/** The least a chunk costs from the byte budget: a flood of tiny frames is not free. */
const MIN_CHUNK_COST = 16 * 1024;
/** How the window is made, for refusals. */
const UPLOAD_WINDOW_TEXT = `UPLOAD_WINDOW (${UPLOAD_WINDOW}) × chunkSize`;
/** Progress re-renders at most this often per connection (the last chunk renders at once). */
export const PROGRESS_RENDER_MS = 100;

/**
 * The temp folder of one `djustLite()` instance: `<uploadDir>/djust-lite-uploads-<pid>-<random>`,
 * made on first use, removed by `close()`. Made, it first sweeps the folders of processes that
 * are no longer running (a crash or a kill left them).
 */
export class UploadStore {
  readonly #root: string;
  readonly #logger: ResolvedLogger;
  #dir: string | null = null;

  constructor(root: string, logger: ResolvedLogger) {
    this.#root = root;
    this.#logger = logger;
  }

  /** Removes the upload folders of processes that have exited. Returns how many. Never throws. */
  sweep(): number {
    let swept = 0;
    let names: string[];
    try {
      names = readdirSync(this.#root);
    } catch {
      return 0;
    }
    for (const name of names) {
      const pid = Number(/^djust-lite-uploads-(\d+)-/.exec(name)?.[1]);
      if (!pid || pid === process.pid || isAlive(pid)) continue;
      try {
        rmSync(path.join(this.#root, name), { recursive: true, force: true });
        swept += 1;
      } catch (err) {
        this.#logger.debug(`djust-lite: could not sweep stale upload folder ${name}: ${String(err)}`);
      }
    }
    if (swept > 0) this.#logger.debug(`djust-lite: swept ${swept} upload folder(s) of exited processes from ${this.#root} (option uploadDir).`);
    return swept;
  }

  /** The file for entry `id` (random ids only: a client's file name never reaches a path). */
  fileFor(id: string): string {
    if (this.#dir === null) {
      this.sweep();
      this.#dir = path.join(this.#root, `${FOLDER_PREFIX}${process.pid}-${randomBytes(6).toString('hex')}`);
      mkdirSync(this.#dir, { recursive: true, mode: 0o700 });
    }
    return path.join(this.#dir, id);
  }

  /** Removes this instance's folder and what is left in it. */
  close(): void {
    if (this.#dir !== null) rmSync(this.#dir, { recursive: true, force: true });
    this.#dir = null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as { code?: string }).code === 'EPERM';
  }
}

/** One entry's transfer: its open file, the writes in order, and what was taken but not yet written. */
interface EntryState {
  handle: FileHandle | null;
  /** The writes (and a cut-off), one after the other. */
  chain: Promise<void>;
  /** Chunks taken and not yet being written: the next write takes them all. */
  queue: Buffer[];
  /** The offset the next chunk must have: bytes stored plus those taken and still being written. */
  next: number;
  /** Bytes taken, not yet written and answered (at most the entry's window). */
  pending: number;
}

/** What the channel needs from its connection. */
export interface ChannelHost {
  store: UploadStore;
  logger: ResolvedLogger;
  /** Bytes per second this connection may upload (option maxUploadBytesPerSecond). */
  bytesPerSecond: number;
  now(): number;
  /** The uploads of the view the connection shows now (null: none, or not mounted). */
  uploads(): ViewUploads | null;
  /** Sends `messages` in order; over WebSocket in one frame (the acks of one write). */
  send(messages: UploadMessage[]): void;
  /** Charges a refused chunk as a frame (option maxEventsPerSecond); false: over it (the connection answered). */
  refused(): boolean;
  /** Stop reading the peer for `ms` (over its byte budget). */
  hold(ms: number): void;
  /**
   * Queue one re-render of the view (progress); the channel calls it at most every
   * PROGRESS_RENDER_MS. `after`: sent after that render's patch (a file's last ack: once the
   * client has it, the page shows the file done).
   */
  render(after?: UploadMessage): void;
}

/** One connection's uploads in flight. */
export class UploadChannel {
  readonly #host: ChannelHost;
  readonly #bucket: TokenBucket;
  /** Open files and chunk-in-flight flags, by entry id. */
  readonly #open = new Map<string, EntryState>();
  #renderAt = 0;
  #renderTimer: NodeJS.Timeout | null = null;
  #closed = false;

  constructor(host: ChannelHost) {
    this.#host = host;
    this.#bucket = new TokenBucket(host.bytesPerSecond, host.now);
  }

  /** One binary frame. Never throws; every refusal is an `upload` error message. */
  receive(frame: Buffer): void {
    const headerLength = frame[0] ?? 0;
    const header = headerLength > 0 && frame.length > headerLength ? frame.toString('latin1', 1, 1 + headerLength) : '';
    const match = /^([A-Za-z0-9_-]{16,64}):(\d{1,15})$/.exec(header);
    if (!match) return this.#refuse('', 'bad_upload', 'An upload frame is [header length][<entry id>:<offset>][bytes], with at least one byte; see docs/uploads.md.');
    const id = match[1] as string;
    const offset = Number(match[2]);
    const uploads = this.#host.uploads();
    const found = uploads?.byId(id) ?? null;
    if (!found || found.entry.gone) return this.#refuse(id, 'upload_unknown', 'No upload entry with this id on this view: forged, cancelled, consumed, or for another view.');
    const { config, entry } = found;
    if (entry.meta !== null) return this.#refuse(id, 'bad_upload', `Entry "${entry.ref}" is an external upload; send it to its URL, not here.`);
    if (!entry.valid || entry.done) return this.#refuse(id, 'bad_upload', `Entry "${entry.ref}" takes no more chunks: it is ${entry.done ? 'complete' : 'refused'}.`);
    const state = this.#open.get(id) ?? { handle: null, chain: Promise.resolve(), queue: [], next: entry.bytes, pending: 0 };
    const data = frame.subarray(1 + headerLength);
    const window = (uploads as ViewUploads).windowOf(config);
    if (state.pending > 0 && state.pending + data.length > window) {
      return this.#refuse(id, 'upload_busy', `Over the upload window: ${state.pending} bytes of entry "${entry.ref}" are not answered yet and this chunk has ${data.length}; a client may have ${window} bytes of an entry unanswered (the window of the dj:upload answer: ${UPLOAD_WINDOW_TEXT}). Send more after an ack.`);
    }
    if (data.length === 0 && entry.size !== 0) return this.#refuse(id, 'bad_upload', 'An empty chunk is only for a zero-byte file.');
    if (offset !== state.next) return this.#refuse(id, 'upload_offset', `Chunk at offset ${offset}, but the next byte taken is ${state.next}; send from the last ack's bytes.`);
    const total = state.next + data.length;
    if (total > entry.size || total > config.maxFileSize) {
      this.#open.set(id, state);
      state.chain = state.chain.then(() => this.#cutOff(config, entry, total));
      return;
    }
    const cost = Math.min(Math.max(data.length, MIN_CHUNK_COST), this.#host.bytesPerSecond);
    if (!this.#bucket.take(cost)) {
      const wait = this.#bucket.wait(cost);
      this.#host.logger.debug(`djust-lite: upload "${config.name}" over ${this.#host.bytesPerSecond} bytes/s (option maxUploadBytesPerSecond); chunk refused, retry in ${wait} ms.`);
      this.#host.hold(wait);
      return this.#refuse(id, 'rate_limited', `Over ${this.#host.bytesPerSecond} bytes/s (option maxUploadBytesPerSecond); send this chunk again in ${wait} ms.`, wait);
    }
    state.next = total;
    state.pending += data.length;
    this.#open.set(id, state);
    state.queue.push(data);
    // One write per turn of the chain takes every chunk queued by then.
    if (state.queue.length === 1) state.chain = state.chain.then(() => this.#write(config, entry, state));
  }

  /** Writes the chunks queued for `entry` (one writev), then answers each: `ack`, or why not. */
  async #write(config: UploadConfig, entry: UploadEntry, state: EntryState): Promise<void> {
    const chunks = state.queue.splice(0);
    if (!entry.valid || chunks.length === 0) return; // cut off meanwhile (its error is the answer)
    const bytes = chunks.reduce((n, c) => n + c.length, 0);
    try {
      if (state.handle === null) {
        entry.path = this.#host.store.fileFor(entry.id);
        state.handle = await open(entry.path, 'wx', 0o600);
      }
      await (chunks.length === 1 ? state.handle.write(chunks[0] as Buffer) : state.handle.writev(chunks));
    } catch (err) {
      this.#host.logger.error(`djust-lite: writing upload "${config.name}" entry "${entry.ref}" to ${entry.path ?? 'its temp file'} failed`, err);
      await this.#forget(entry);
      for (let i = 0; i < chunks.length; i += 1) this.#refuse(entry.id, 'upload_failed', 'The server could not store this file; see its log.');
      return;
    } finally {
      state.pending -= bytes;
    }
    if (entry.gone || this.#closed) {
      await this.#forget(entry);
      for (let i = 0; i < chunks.length; i += 1) this.#refuse(entry.id, 'upload_cancelled', `Entry "${entry.ref}" was cancelled; its chunks are no longer taken.`);
      return;
    }
    // One answer per chunk, in order (the client counts its window by them); the answers of
    // one write leave together, in one frame over WebSocket.
    const acks: UploadMessage[] = [];
    for (let i = 0; i < chunks.length - 1; i += 1) {
      entry.bytes += (chunks[i] as Buffer).length;
      acks.push({ type: 'upload', id: entry.id, action: 'ack', bytes: entry.bytes });
    }
    entry.bytes += (chunks.at(-1) as Buffer).length;
    entry.progress = entry.size === 0 ? 100 : Math.floor((entry.bytes * 100) / entry.size);
    if (entry.bytes === entry.size) {
      entry.done = true;
      await state.handle?.close().catch(() => undefined);
      this.#open.delete(entry.id);
    }
    const ack: UploadMessage = { type: 'upload', id: entry.id, action: 'ack', bytes: entry.bytes };
    if (!entry.done) {
      acks.push(ack);
      this.#host.send(acks);
      return this.#progress(false);
    }
    if (acks.length > 0) this.#host.send(acks);
    if (this.#renderTimer !== null) clearTimeout(this.#renderTimer);
    this.#renderTimer = null;
    this.#renderAt = Date.now();
    this.#host.render(ack);
  }

  /** A file past its announced size or `maxFileSize`: cut off, its bytes deleted, the entry invalid. */
  async #cutOff(config: UploadConfig, entry: UploadEntry, total: number): Promise<void> {
    const limit = total > config.maxFileSize ? `maxFileSize ${config.maxFileSize} of allowUpload("${config.name}")` : `the ${entry.size} bytes announced for it`;
    this.#host.logger.debug(`djust-lite: upload "${config.name}" entry "${entry.ref}" cut off at ${total} bytes: over ${limit}.`);
    entry.valid = false;
    entry.done = false;
    if (!entry.errors.includes('too_large')) entry.errors.push('too_large');
    await this.#forget(entry);
    // Sent after the render that shows the error.
    this.#host.render({ type: 'upload', id: entry.id, action: 'error', code: 'too_large', message: `Entry "${entry.ref}" is over ${limit}; its bytes were deleted.` });
  }

  /** Closes and deletes an entry's file (it stays listed, for its errors, unless it left). */
  async #forget(entry: UploadEntry): Promise<void> {
    const state = this.#open.get(entry.id);
    this.#open.delete(entry.id);
    const handle = state?.handle;
    if (state) state.handle = null;
    await handle?.close().catch(() => undefined);
    if (entry.path !== null) await rm(entry.path, { force: true });
    entry.path = null;
    entry.bytes = 0;
  }

  /** Throttled progress render: at once when `now` or PROGRESS_RENDER_MS passed, else once when it has. */
  #progress(now: boolean): void {
    if (this.#closed) return;
    const t = Date.now();
    if (now || t - this.#renderAt >= PROGRESS_RENDER_MS) {
      if (this.#renderTimer !== null) clearTimeout(this.#renderTimer);
      this.#renderTimer = null;
      this.#renderAt = t;
      return this.#host.render();
    }
    this.#renderTimer ??= setTimeout(() => {
      this.#renderTimer = null;
      this.#progress(true);
    }, PROGRESS_RENDER_MS - (t - this.#renderAt));
  }

  #refuse(id: string, code: string, message: string, retryMs?: number): void {
    if (code !== 'rate_limited' && !this.#host.refused()) return;
    if (code !== 'rate_limited') this.#host.logger.debug(`djust-lite: upload chunk refused (${code}): ${message}`);
    const out: UploadMessage = { type: 'upload', id, action: 'error', code, message };
    if (retryMs !== undefined) out.retryMs = retryMs;
    this.#host.send([out]);
  }

  /** The connection ended: open files closed (the view's release deletes them). */
  close(): void {
    this.#closed = true;
    if (this.#renderTimer !== null) clearTimeout(this.#renderTimer);
    for (const state of this.#open.values()) void state.handle?.close().catch(() => undefined);
    this.#open.clear();
  }
}
