import type { IncomingMessage } from 'node:http';
import { readBytes } from './read-body';

/** An upload POST body as read: its bytes, or why there are none. */
export type Bytes = { ok: true; bytes: Buffer } | { ok: false; why: 'too_large' | 'timeout' | 'aborted' | 'bad_type' };

/**
 * Reads the body of an SSE upload POST (`POST ${prefix}/sse/:stream/upload`,
 * `Content-Type: application/octet-stream`: one upload frame, docs/uploads.md) as bytes,
 * counting them as they arrive (`readBytes`): `too_large` past `limit` (option maxUploadChunkBytes; the rest is
 * discarded), `timeout` after `timeoutMs` (option bodyTimeoutMs), `aborted` when the client
 * leaves first. Never rejects.
 *
 * @example
 * const body = await readUploadBody(req, options.maxUploadChunkBytes, options.bodyTimeoutMs);
 * if (body.ok) connection.upload(body.bytes);
 */
export function readUploadBody(req: IncomingMessage, limit: number, timeoutMs: number): Promise<Bytes> {
  const type = (req.headers['content-type'] ?? '').split(';', 1)[0]?.trim().toLowerCase();
  if (type !== 'application/octet-stream') return Promise.resolve({ ok: false, why: 'bad_type' });
  return readBytes(req, limit, timeoutMs);
}
