import { DjustError, invalidArgument } from '../core/errors';
import { type JsonObject, type ServerMessage, type UploadMessage } from '../contract/protocol';
import type { EventResult } from './results';

/** One file for `view.upload(name, files)`: what a browser's File would carry. */
export interface TestFile {
  name: string;
  /** MIME type, e.g. `'image/png'`. Default `''` (as a browser gives for an unknown type). */
  type?: string | undefined;
  content: string | Uint8Array;
  /** The size to announce, when a test claims one that is not the content's (default its length). */
  size?: number | undefined;
}

/** What `view.upload` did: the server's answer per file (`valid`, `errors`) and each chunk refusal. */
export interface UploadResult {
  entries: { ref: string; name: string; valid: boolean; errors: string[]; refused?: { code: string; message: string } | undefined }[];
}

/** What the driver needs from the LiveTestView. */
export interface UploadHost {
  event(event: string, params: JsonObject): Promise<EventResult>;
  frame(frame: Buffer): Promise<void>;
  messages: readonly ServerMessage[];
  until(test: () => boolean, what: string): Promise<void>;
}

let refs = 0;

/** Refusals that follow from an earlier one in the same window. */
const CONSEQUENCES = new Set(['upload_offset', 'upload_busy', 'bad_upload']);

/**
 * Runs the browser's side of an upload over the real protocol (docs/uploads.md, "Wire
 * format"): announces `files` to upload `name` (`dj:upload`), then sends each accepted file in
 * chunks of the size the server gave, as many in flight as the window it gave. Resolves once every
 * file is stored (the page then shows it done) or refused.
 */
export async function uploadFiles(host: UploadHost, name: string, files: readonly TestFile[]): Promise<UploadResult> {
  if (!Array.isArray(files) || files.length === 0) throw invalidArgument(`upload("${name}", files)`, 'files', 'a non-empty array of { name, type, content }', files);
  // A view of the caller's bytes, not a copy (Buffer.from(uint8Array) copies: 20 MB a 20 MB file).
  const bodies = files.map((f) => (typeof f.content === 'string' ? Buffer.from(f.content) : Buffer.from(f.content.buffer, f.content.byteOffset, f.content.byteLength)));
  const announced = files.map((f, i) => ({ ref: `t${++refs}`, name: f.name, size: f.size ?? (bodies[i] as Buffer).length, type: f.type ?? '' }));
  const answer = await host.event('dj:upload', { name, entries: announced });
  const reply = answer.response.payload;
  const entries = Array.isArray(reply?.entries) ? (reply.entries as JsonObject[]) : [];
  const chunkSize = typeof reply?.chunkSize === 'number' ? reply.chunkSize : 64000;
  const window = typeof reply?.window === 'number' ? reply.window : chunkSize;
  const result: UploadResult = { entries: [] };
  for (let i = 0; i < entries.length; i += 1) {
    const entry = entries[i] as JsonObject;
    const body = bodies[i] as Buffer;
    const out: UploadResult['entries'][number] = { ref: String(entry.ref), name: (files[i] as TestFile).name, valid: entry.valid === true, errors: (entry.errors as string[]) ?? [] };
    result.entries.push(out);
    if (typeof entry.id !== 'string') continue;
    out.refused = await sendEntry(host, entry.id, body, chunkSize, window);
  }
  return result;
}

/**
 * Sends one entry's chunks as the browser client does: as many as fit the server's `window`
 * (bytes sent and not yet answered), more after each answer. Each chunk gets exactly one
 * answer, in order; `rate_limited` waits, lets the rest settle and sends again from the last
 * ack. The first other refusal ends it.
 */
async function sendEntry(host: UploadHost, id: string, body: Buffer, chunkSize: number, window: number): Promise<{ code: string; message: string } | undefined> {
  let offset = 0;
  let acked = 0;
  let first = true;
  /** The sizes of the chunks in flight, oldest first. */
  const inFlight: number[] = [];
  let unanswered = 0;
  let seen = host.messages.length;
  let retryMs: number | null = null;
  const answers: UploadMessage[] = [];
  /** Refusals other than rate_limited: the entry failed; the chunks still in flight answer too. */
  const failures: UploadMessage[] = [];
  for (let guard = 0; guard < 1_000_000; guard += 1) {
    while (retryMs === null && failures.length === 0 && (first || offset < body.length)) {
      const bytes = body.subarray(offset, offset + chunkSize);
      if (unanswered > 0 && unanswered + bytes.length > window) break;
      await host.frame(uploadFrame(id, offset, bytes));
      offset += bytes.length;
      first = false;
      inFlight.push(bytes.length);
      unanswered += bytes.length;
    }
    if (inFlight.length === 0) {
      // The cause, not what followed from it (the next chunk's offset or state refusal).
      const cause = failures.find((f) => !CONSEQUENCES.has(f.code ?? '')) ?? failures[0];
      return cause && { code: cause.code ?? 'error', message: cause.message ?? '' };
    }
    if (answers.length === 0) {
      await host.until(() => {
        for (; seen < host.messages.length; seen += 1) {
          const m = host.messages[seen] as ServerMessage;
          if (m.type === 'upload' && m.id === id) answers.push(m);
        }
        return answers.length > 0;
      }, `the server's answer to a chunk of upload ${id}`);
    }
    const got = answers.shift() as UploadMessage;
    unanswered -= inFlight.shift() as number;
    if (got.action === 'ack') acked = Math.max(acked, got.bytes ?? 0);
    else if (got.code === 'rate_limited') retryMs = Math.max(retryMs ?? 0, got.retryMs ?? 10);
    else if (retryMs === null || got.code !== 'upload_offset') failures.push(got);
    if (retryMs !== null && inFlight.length === 0) {
      await new Promise((resolve) => setTimeout(resolve, retryMs as number));
      retryMs = null;
      offset = acked;
      first = body.length === 0 && acked === 0;
    }
  }
  throw new DjustError('DJUST_ERR_LIVE_TEST_CLOSED', `liveTest: upload ${id} did not finish.`);
}

/**
 * One upload frame as the browser client writes it: byte 0 the header's length, the ASCII
 * header `<entry id>:<offset>`, then the bytes.
 *
 * @example
 * channel.ws.send(uploadFrame(id, 0, Buffer.from('hello')));
 */
export function uploadFrame(id: string, offset: number, bytes: Uint8Array): Buffer {
  const head = `${id}:${offset}`;
  // One buffer, written in place: the chunk's bytes are copied once.
  const frame = Buffer.allocUnsafe(1 + head.length + bytes.length);
  frame[0] = head.length;
  frame.write(head, 1, 'latin1');
  frame.set(bytes, 1 + head.length);
  return frame;
}
