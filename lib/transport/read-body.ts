import type { IncomingMessage } from 'node:http';
import { clearTimeout, setTimeout } from 'node:timers';

/** A POST body as read: its text, or why there is none. */
export type Body = { ok: true; text: string } | { ok: false; why: 'too_large' | 'timeout' | 'aborted' };

function ignore(): void {}

/**
 * Reads a request body as UTF-8, counting bytes as they arrive: `too_large` as soon as it
 * passes `limit` (the rest is discarded, never buffered), `timeout` when it has not ended
 * `timeoutMs` after the call, `aborted` when the client goes away first. Never rejects. A body
 * an earlier middleware already parsed (e.g. `express.json()`) is re-serialised.
 *
 * @example
 * const body = await readBody(req, options.maxMessageBytes, options.bodyTimeoutMs);
 * if (!body.ok && body.why === 'timeout') refuse(408, …);
 */
export function readBody(req: IncomingMessage, limit: number, timeoutMs: number): Promise<Body> {
  const parsed = (req as { body?: unknown }).body;
  if (req.readableEnded && parsed !== undefined) {
    const text = typeof parsed === 'string' ? parsed : Buffer.isBuffer(parsed) ? parsed.toString('utf8') : JSON.stringify(parsed);
    return Promise.resolve(Buffer.byteLength(text) > limit ? { ok: false, why: 'too_large' } : { ok: true, text });
  }
  return readBytes(req, limit, timeoutMs).then((body) => (body.ok ? { ok: true, text: body.bytes.toString('utf8') } : body));
}

/** A request body as bytes, or why there are none. */
export type RawBody = { ok: true; bytes: Buffer } | { ok: false; why: 'too_large' | 'timeout' | 'aborted' };

/**
 * Reads a request body as bytes with `readBody`'s rules (`too_large` as soon as it passes
 * `limit`, `timeout`, `aborted`); never rejects. One chunk is handed on without a copy.
 *
 * @example
 * const body = await readBytes(req, options.maxUploadChunkBytes, options.bodyTimeoutMs);
 */
export function readBytes(req: IncomingMessage, limit: number, timeoutMs: number): Promise<RawBody> {
  if (Number(req.headers['content-length']) > limit) return Promise.resolve({ ok: false, why: 'too_large' });
  req.on('error', ignore); // an abort after we stopped listening must not become an uncaught 'error'
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (body: RawBody) => {
      clearTimeout(timer);
      req.off('data', onData).off('end', onEnd).off('close', onClose);
      resolve(body);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      req.resume(); // discard the rest; the 413 closes the connection
      finish({ ok: false, why: 'too_large' });
    };
    const onEnd = () => finish({ ok: true, bytes: chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks) });
    // 'close' before 'end': the client went away mid-body ('error' "aborted" comes with it).
    const onClose = () => finish({ ok: false, why: 'aborted' });
    const timer = setTimeout(() => finish({ ok: false, why: 'timeout' }), timeoutMs);
    req.on('data', onData).once('end', onEnd).once('close', onClose);
  });
}
