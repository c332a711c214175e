/**
 * lib/transport/sse-stream.ts over a real HTTP server and client: the event stream's framing,
 * ids and replay buffer, resume refusals, the token check, and the linger after a drop.
 */
import http, { type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { frameOf, SseStream, writeResumeGap, type StreamHost } from '../../lib/transport/sse-stream';
import { WriteBatch } from '../../lib/transport/write-batch';

let server: Server;
let port = 0;
/** What the server does with the next response. */
let onResponse: (res: ServerResponse) => void = () => undefined;

beforeAll(async () => {
  server = http.createServer((_req, res) => onResponse(res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

/** A request whose response the test writes (`res`); `read()` then reads it as the client: all text so far, `until`, `ended`. */
async function open() {
  const got = new Promise<ServerResponse>((resolve) => (onResponse = resolve));
  const req = http.get({ host: '127.0.0.1', port, path: '/', agent: false });
  req.on('error', () => undefined);
  const res = await got;
  const read = async () => {
    const incoming = await new Promise<http.IncomingMessage>((resolve) => req.on('response', resolve));
    let text = '';
    incoming.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
    const ended = new Promise<void>((resolve) => incoming.on('close', () => resolve()));
    const until = async (part: string) => {
      for (let i = 0; i < 200 && !text.includes(part); i += 1) await new Promise((r) => setTimeout(r, 5));
      if (!text.includes(part)) throw new Error(`never got ${JSON.stringify(part)}; got ${JSON.stringify(text)}`);
    };
    return { text: () => text, until, ended };
  };
  return { res, read, close: () => req.destroy() };
}

/** Starts the response first (headers are sent by attach), then the client reads it. */
async function attached(stream: SseStream, lastEventId: string | null = null) {
  const got = new Promise<ServerResponse>((resolve) => (onResponse = resolve));
  const req = http.get({ host: '127.0.0.1', port, path: '/', agent: false });
  req.on('error', () => undefined);
  const res = await got;
  const result = stream.attach(res, lastEventId);
  if (!result.ok) res.end();
  const incoming = await new Promise<http.IncomingMessage>((resolve) => req.on('response', resolve));
  let text = '';
  incoming.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  const until = async (part: string) => {
    for (let i = 0; i < 200 && !text.includes(part); i += 1) await new Promise((r) => setTimeout(r, 5));
    if (!text.includes(part)) throw new Error(`never got ${JSON.stringify(part)}; got ${JSON.stringify(text)}`);
  };
  return { result, headers: incoming.headers, text: () => text, until, close: () => req.destroy() };
}

function host(overrides: Partial<StreamHost> = {}): StreamHost & { ended: SseStream[] } {
  const ended: SseStream[] = [];
  return { bufferSize: 3, lingerMs: 30, retryMs: 500, writes: new WriteBatch(), end: (s) => void ended.push(s), ended, ...overrides };
}

const title = (value: string) => ({ type: 'page_metadata' as const, action: 'title' as const, value });

describe('SseStream', () => {
  it('writes the headers, retry: and each message with the next id', async () => {
    const stream = new SseStream(host(), 'stream-0001', 'tok', '127.0.0.1');
    const client = await attached(stream);
    expect(client.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(client.headers['cache-control']).toBe('no-cache, no-transform');
    stream.sink.send([title('a'), title('b')]);
    await client.until('"b"');
    expect(client.text()).toBe(`retry: 500\n\n${frameOf(1, title('a'))}${frameOf(2, title('b'))}`);
    expect(stream.nextId).toBe(3);
    stream.finish();
    client.close();
  });

  it('replays what follows Last-Event-ID from its buffer, and refuses ids it never sent or no longer holds', async () => {
    const stream = new SseStream(host(), 'stream-0002', 'tok', '');
    stream.sink.send([title('1'), title('2'), title('3'), title('4')]); // buffer of 3: ids 2..4
    const resumed = await attached(stream, '2');
    expect(resumed.result).toEqual({ ok: true, replayed: 2 });
    await resumed.until('"4"');
    expect(resumed.text()).toBe(`retry: 500\n\n${frameOf(3, title('3'))}${frameOf(4, title('4'))}`);
    expect(stream.attach(resumed as unknown as ServerResponse, '9')).toEqual({ ok: false, first: 10, future: true });
    expect(stream.attach(resumed as unknown as ServerResponse, 'x')).toEqual({ ok: false, first: 0, future: true });
    expect(stream.attach(resumed as unknown as ServerResponse, '0')).toEqual({ ok: false, first: 1, future: false });
    stream.finish();
    resumed.close();
  });

  it('compares tokens in constant time, whatever their length', () => {
    const stream = new SseStream(host(), 'stream-0003', 'the-token', '');
    expect(stream.tokenMatches('the-token')).toBe(true);
    expect(stream.tokenMatches('the-toke')).toBe(false);
    expect(stream.tokenMatches('x'.repeat(10_000))).toBe(false);
  });

  it('lingers lingerMs after its response drops, then asks the host to end it; a resume in time cancels that', async () => {
    const h = host({ lingerMs: 60 });
    const stream = new SseStream(h, 'stream-0004', 'tok', '');
    const first = await attached(stream);
    first.close();
    await new Promise((r) => setTimeout(r, 20));
    expect(stream.streaming).toBe(false);
    const second = await attached(stream, String(stream.nextId - 1));
    await new Promise((r) => setTimeout(r, 100));
    expect(h.ended).toEqual([]);
    second.close();
    await new Promise((r) => setTimeout(r, 120));
    expect(h.ended).toEqual([stream]);
  });

  it('heartbeats with a comment, and ends its response on finish', async () => {
    const stream = new SseStream(host(), 'stream-0005', 'tok', '');
    const client = await open();
    stream.attach(client.res, null);
    const reader = await client.read();
    stream.ping();
    await reader.until(': ping\n\n');
    stream.finish();
    await reader.ended;
    expect(stream.ended).toBe(true);
    stream.sink.send([title('after')]); // nothing after the end
    expect(stream.nextId).toBe(1);
  });
});

describe('writeResumeGap', () => {
  it('writes one resume_gap error with an empty id:, then ends', async () => {
    const client = await open();
    writeResumeGap(client.res, 250, 'Stream "s" is gone.');
    const reader = await client.read();
    await reader.ended;
    expect(reader.text()).toMatch(/^retry: 250\n\nid:\nevent: error\ndata: \{"type":"error","ref":null,"code":"resume_gap","message":"Stream \\"s\\" is gone\. Open the stream again without Last-Event-ID/);
  });
});
