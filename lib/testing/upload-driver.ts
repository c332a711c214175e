import { DjustError, invalidArgument } from '../core/errors';
import type { JsonObject, ServerMessage, UploadMessage } from '../contract/protocol';
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

/**
 * Runs the browser's side of an upload over the real protocol (docs/uploads.md, "Wire
 * format"): announces `files` to upload `name` (`dj:upload`), then sends each accepted file in
 * chunks of the size the server gave, one in flight, waiting for each `ack`. Resolves once every
 * file is stored (the page then shows it done) or refused.
 */
export async function uploadFiles(host: UploadHost, name: string, files: readonly TestFile[]): Promise<UploadResult> {
  if (!Array.isArray(files) || files.length === 0) throw invalidArgument(`upload("${name}", files)`, 'files', 'a non-empty array of { name, type, content }', files);
  const bodies = files.map((f) => (typeof f.content === 'string' ? Buffer.from(f.content) : Buffer.from(f.content)));
  const announced = files.map((f, i) => ({ ref: `t${++refs}`, name: f.name, size: f.size ?? (bodies[i] as Buffer).length, type: f.type ?? '' }));
  const answer = await host.event('dj:upload', { name, entries: announced });
  const reply = answer.response.payload;
  const entries = Array.isArray(reply?.entries) ? (reply.entries as JsonObject[]) : [];
  const chunkSize = typeof reply?.chunkSize === 'number' ? reply.chunkSize : 64000;
  const result: UploadResult = { entries: [] };
  for (let i = 0; i < entries.length; i += 1) {
    const entry = entries[i] as JsonObject;
    const body = bodies[i] as Buffer;
    const out: UploadResult['entries'][number] = { ref: String(entry.ref), name: (files[i] as TestFile).name, valid: entry.valid === true, errors: (entry.errors as string[]) ?? [] };
    result.entries.push(out);
    if (typeof entry.id !== 'string') continue;
    out.refused = await sendEntry(host, entry.id, body, chunkSize);
  }
  return result;
}

/** Sends one entry's chunks, each after the previous one's ack; the first refusal ends it. */
async function sendEntry(host: UploadHost, id: string, body: Buffer, chunkSize: number): Promise<{ code: string; message: string } | undefined> {
  // A zero-byte file sends one empty chunk (it makes its empty file).
  for (let offset = 0, first = true; first || offset < body.length; first = false) {
    const from = host.messages.length;
    await host.frame(uploadFrame(id, offset, body.subarray(offset, offset + chunkSize)));
    let answer: UploadMessage | undefined;
    await host.until(() => (answer = host.messages.slice(from).find((m): m is UploadMessage => m.type === 'upload' && m.id === id)) !== undefined, `the server's answer to the chunk at ${offset} of upload ${id}`);
    const got = answer as UploadMessage;
    if (got.action === 'error') {
      if (got.code !== 'rate_limited') return { code: got.code ?? 'error', message: got.message ?? '' };
      await new Promise((resolve) => setTimeout(resolve, got.retryMs ?? 10));
      continue;
    }
    if (got.bytes === undefined || (got.bytes <= offset && body.length > 0)) throw new DjustError('DJUST_ERR_LIVE_TEST_CLOSED', `liveTest: upload ${id}: the server acked ${got.bytes} bytes after offset ${offset}.`);
    offset = got.bytes;
  }
  return undefined;
}

/**
 * One upload frame as the browser client writes it: byte 0 the header's length, the ASCII
 * header `<entry id>:<offset>`, then the bytes.
 *
 * @example
 * channel.ws.send(uploadFrame(id, 0, Buffer.from('hello')));
 */
export function uploadFrame(id: string, offset: number, bytes: Uint8Array): Buffer {
  const head = Buffer.from(`${id}:${offset}`, 'latin1');
  return Buffer.concat([Buffer.from([head.length]), head, bytes]);
}
