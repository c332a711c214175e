/**
 * lib/transport/read-body.ts on a real HTTP server and client: a body read whole, refused as
 * soon as it passes the limit, timed out, aborted, or already parsed by earlier middleware.
 */
import http, { type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody, type Body } from '../../lib/transport/read-body';

let server: Server;
let port = 0;
/** What the next request's readBody resolves with, and when (ms after the request arrived). */
let onBody: (req: IncomingMessage) => Promise<Body>;
let settle: (out: { body: Body; ms: number }) => void = () => undefined;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const started = Date.now();
    void onBody(req).then((body) => {
      if (!res.destroyed) res.end('done');
      settle({ body, ms: Date.now() - started });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

/** Sends a POST with `headers`, writes `chunks` (a chunk of null: wait 50 ms), ends unless `end` is false; resolves once the server has a result. */
async function send(chunks: (string | null)[], { headers = {}, end = true, abort = false }: { headers?: Record<string, string>; end?: boolean; abort?: boolean } = {}) {
  const result = new Promise<{ body: Body; ms: number }>((resolve) => (settle = resolve));
  const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/', headers, agent: false });
  req.flushHeaders();
  req.on('error', () => undefined);
  req.on('response', (res) => res.resume());
  await new Promise((r) => setTimeout(r, 20)); // the server has the request
  for (const chunk of chunks) {
    if (chunk === null) await new Promise((r) => setTimeout(r, 50));
    else req.write(chunk);
  }
  if (abort) {
    await new Promise((r) => setTimeout(r, 20));
    req.destroy();
  } else if (end) req.end();
  const out = await result;
  req.destroy();
  return out;
}

describe('readBody', () => {
  it('reads a body sent in pieces as UTF-8', async () => {
    onBody = (req) => readBody(req, 1000, 2000);
    const { body } = await send(['{"a":', null, '"é"}']);
    expect(body).toEqual({ ok: true, text: '{"a":"é"}' });
  });

  it('refuses a Content-Length over the limit before reading anything', async () => {
    onBody = (req) => readBody(req, 10, 2000);
    const { body, ms } = await send(['x'], { headers: { 'Content-Length': '11' }, end: false });
    expect(body).toEqual({ ok: false, why: 'too_large' });
    expect(ms).toBeLessThan(500);
  });

  it('refuses a chunked body as soon as it passes the limit, without waiting for its end', async () => {
    onBody = (req) => readBody(req, 10, 5000);
    const { body, ms } = await send(['12345', '678901234'], { end: false });
    expect(body).toEqual({ ok: false, why: 'too_large' });
    expect(ms).toBeLessThan(1000);
  });

  it('answers timeout when the body has not ended in time', async () => {
    onBody = (req) => readBody(req, 1000, 150);
    const { body, ms } = await send(['{"slow":'], { end: false });
    expect(body).toEqual({ ok: false, why: 'timeout' });
    expect(ms).toBeGreaterThanOrEqual(140);
  });

  it('answers aborted when the client goes away mid-body', async () => {
    onBody = (req) => readBody(req, 1000, 5000);
    const { body } = await send(['{"half":'], { end: false, abort: true });
    expect(body).toEqual({ ok: false, why: 'aborted' });
  });

  it('takes a body earlier middleware parsed, re-serialised, and holds it to the limit', async () => {
    const parsed = (req: IncomingMessage, value: unknown) => new Promise<void>((resolve) => {
      req.resume();
      req.once('end', () => {
        (req as { body?: unknown }).body = value;
        resolve();
      });
    });
    onBody = async (req) => {
      await parsed(req, { type: 'ping' });
      return readBody(req, 1000, 2000);
    };
    expect((await send(['{"type":"ping"}'])).body).toEqual({ ok: true, text: '{"type":"ping"}' });
    onBody = async (req) => {
      await parsed(req, 'x'.repeat(20));
      return readBody(req, 10, 2000);
    };
    expect((await send(['ignored'])).body).toEqual({ ok: false, why: 'too_large' });
  });
});
