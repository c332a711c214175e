import type { IncomingMessage } from 'node:http';
import { clearTimeout, setTimeout } from 'node:timers';

/** An upload POST body as read: its bytes, or why there are none. */
export type Bytes = { ok: true; bytes: Buffer } | { ok: false; why: 'too_large' | 'timeout' | 'aborted' | 'bad_type' };

function ignore(): void {}

/**
 * Reads the body of an SSE upload POST (`POST ${prefix}/sse/:stream/upload`,
 * `Content-Type: application/octet-stream`: one upload frame, docs/uploads.md) as bytes,
 * counting them as they arrive: `too_large` past `limit` (option maxMessageBytes; the rest is
 * discarded), `timeout` after `timeoutMs` (option bodyTimeoutMs), `aborted` when the client
 * leaves first. Never rejects.
 *
 * @example
 * const body = await readUploadBody(req, options.maxMessageBytes, options.bodyTimeoutMs);
 * if (body.ok) connection.upload(body.bytes);
 */
export function readUploadBody(req: IncomingMessage, limit: number, timeoutMs: number): Promise<Bytes> {
  const type = (req.headers['content-type'] ?? '').split(';', 1)[0]?.trim().toLowerCase();
  if (type !== 'application/octet-stream') return Promise.resolve({ ok: false, why: 'bad_type' });
  if (Number(req.headers['content-length']) > limit) return Promise.resolve({ ok: false, why: 'too_large' });
  req.on('error', ignore);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (body: Bytes) => {
      clearTimeout(timer);
      req.off('data', onData).off('end', onEnd).off('close', onClose);
      resolve(body);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      req.resume();
      finish({ ok: false, why: 'too_large' });
    };
    const onEnd = () => finish({ ok: true, bytes: chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks) });
    const onClose = () => finish({ ok: false, why: 'aborted' });
    const timer = setTimeout(() => finish({ ok: false, why: 'timeout' }), timeoutMs);
    req.on('data', onData).once('end', onEnd).once('close', onClose);
  });
}
