/**
 * lib/transport/sse-remote.ts: the transport's side of SSE routing — forwarded POSTs and
 * DELETEs, evictions and relayed resumes through `streamHandler` to real SseStreams and
 * Connections of a real djust-lite instance — and `RemoteStream` / `relayTarget` carrying a
 * stream's text between processes.
 */
import http, { type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RelayLink } from '../../lib/pubsub/pubsub';
import { relayTarget, RemoteStream, streamHandler, type HeldStream } from '../../lib/transport/sse-remote';
import { SseStream, type StreamHost } from '../../lib/transport/sse-stream';

/** A RelayLink that records what the holder writes; `closeRemote()` is the other side closing. */
function link() {
  const written: string[] = [];
  let ended = 0;
  const listeners: (() => void)[] = [];
  const value: RelayLink = { write: (t) => void written.push(t), end: () => void (ended += 1), onClose: (l) => void listeners.push(l) };
  return { value, written, ended: () => ended, closeRemote: () => listeners.forEach((l) => l()) };
}

const host: StreamHost = { bufferSize: 8, lingerMs: 1000, retryMs: 300, end: () => undefined };
const title = (value: string) => ({ type: 'page_metadata' as const, action: 'title' as const, value });

/** A Connection stand-in recording what reaches it: the handler only hands text on (what the Connection does with it is tested in connection.test.ts). */
function held(id: string, token: string) {
  const received: string[] = [];
  const stream = new SseStream(host, id, token, '');
  const entry = { stream, connection: { receive: (text: string) => void received.push(text) } } as unknown as HeldStream;
  return { entry, received, stream };
}

describe('streamHandler', () => {
  const a = held('stream-a', 'tok-a');
  const streams = new Map([['stream-a', a.entry]]);
  const ended: SseStream[] = [];
  const handler = streamHandler(
    (id, token) => {
      const live = streams.get(id);
      return live === undefined ? null : live.stream.tokenMatches(token) ? live : 'forbidden';
    },
    (id) => streams.get(id),
    (stream) => void ended.push(stream),
  );

  it('delivers a forwarded body to the stream\'s connection with its own token only', () => {
    expect(handler.deliver('stream-a', '{"type":"ping"}', 'tok-a')).toBe('delivered');
    expect(handler.deliver('stream-a', '{"type":"ping"}', 'tok-b')).toBe('forbidden');
    expect(handler.deliver('stream-x', '{"type":"ping"}', 'tok-a')).toBe('unknown');
    expect(a.received).toEqual(['{"type":"ping"}']);
  });

  it('ends the stream for a forwarded DELETE (a null body) and for an eviction', () => {
    expect(handler.deliver('stream-a', null, 'tok-a')).toBe('delivered');
    handler.evict('stream-a');
    handler.evict('stream-x');
    expect(ended).toEqual([a.stream, a.stream]);
  });

  it('attaches a relayed resume, replaying what follows Last-Event-ID; gap when the buffer does not reach', () => {
    a.stream.sink.send([title('1'), title('2')]);
    const relay = link();
    expect(handler.attach('stream-a', 'tok-a', '1', relay.value)).toBe('ok');
    expect(relay.written.join('')).toContain('"value":"2"');
    expect(relay.written.join('')).not.toContain('"value":"1"');
    expect(handler.attach('stream-a', 'tok-b', '1', link().value)).toBe('forbidden');
    expect(handler.attach('stream-x', 'tok-a', '1', link().value)).toBe('unknown');
    expect(handler.attach('stream-a', 'tok-a', '99', link().value)).toBe('gap');
  });
});

describe('RemoteStream', () => {
  it('writes to the link, ends it on end(), and closes when the other side closes', async () => {
    const relay = link();
    const remote = new RemoteStream(relay.value);
    remote.write('id: 1\n');
    remote.end('data: x\n\n');
    await new Promise((r) => setImmediate(r));
    expect(relay.written).toEqual(['id: 1\n', 'data: x\n\n']);
    expect(relay.ended()).toBe(1);

    const other = link();
    const closed = new Promise<void>((resolve) => new RemoteStream(other.value).once('close', () => resolve()));
    other.closeRemote();
    await closed;
  });
});

describe('relayTarget', () => {
  let server: Server;
  let port = 0;
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

  it('opens the event stream on the first text, writes the rest, and ends', async () => {
    const got = new Promise<ServerResponse>((resolve) => (onResponse = resolve));
    const req = http.get({ host: '127.0.0.1', port, path: '/', agent: false });
    const res = await got;
    const target = relayTarget(res, 400, 1 << 20);
    target.write('id: 5\nevent: patch\ndata: {}\n\n');
    target.end();
    target.write('late'); // after the end: nothing
    const incoming = await new Promise<http.IncomingMessage>((resolve) => req.on('response', resolve));
    let text = '';
    incoming.setEncoding('utf8').on('data', (c: string) => (text += c));
    await new Promise((resolve) => incoming.on('end', resolve));
    expect(incoming.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(text).toBe('retry: 400\n\nid: 5\nevent: patch\ndata: {}\n\n');
  });
});
