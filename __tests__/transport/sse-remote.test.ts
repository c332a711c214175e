/**
 * lib/transport/sse-remote.ts: the transport's side of SSE routing — forwarded POSTs and
 * DELETEs, evictions and relayed resumes through `streamHandler` to a real SseStream and the
 * real Connection (a mounted view) writing to it — and `RemoteStream` / `relayTarget` carrying a
 * stream's text between processes.
 */
import http, { type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RelayLink } from '../../lib/pubsub/pubsub';
import { relayTarget, RemoteStream, streamHandler, type HeldStream } from '../../lib/transport/sse-remote';
import { SseStream, type StreamHost } from '../../lib/transport/sse-stream';
import { eventHandler, LiveView } from '../../lib';
import { Connection } from '../../lib/connection/connection';
import { WriteBatch } from '../../lib/transport/write-batch';
import { liveContext } from '../helpers/live-context';

/** A RelayLink that records what the holder writes; `closeRemote()` is the other side closing. */
function link() {
  const written: string[] = [];
  let ended = 0;
  const listeners: (() => void)[] = [];
  const value: RelayLink = { write: (t) => void written.push(t), end: () => void (ended += 1), onClose: (l) => void listeners.push(l) };
  return { value, written, ended: () => ended, closeRemote: () => listeners.forEach((l) => l()) };
}

const host: StreamHost = { bufferSize: 8, lingerMs: 1000, retryMs: 300, writes: new WriteBatch(), end: () => undefined };
const title = (value: string) => ({ type: 'page_metadata' as const, action: 'title' as const, value });

class CounterView extends LiveView {
  static template = 'counter.njk';
  count = 0;
  label = '';

  @eventHandler()
  inc() {
    this.count += 1;
  }
}

const ctx = liveContext({ secret: 'a-secret-for-the-sse-remote-test-0123456789', logger: { warn() {}, error() {} } });
ctx.routes.add('/counter', CounterView);

/** A stream held here, as the SSE transport holds one: a real SseStream and the real Connection writing to it, mounted. */
async function held(id: string, token: string) {
  const stream = new SseStream(host, id, token, '');
  const connection = new Connection(ctx, stream.sink);
  connection.mount({ type: 'mount', token: ctx.signer.sign({ route: '/counter', params: {}, url: '/counter', exp: Date.now() + 60_000 }) });
  for (let i = 0; i < 200 && !connection.mounted; i += 1) await new Promise((r) => setTimeout(r, 5));
  return { entry: { stream, connection } as HeldStream, stream, connection };
}

describe('streamHandler', () => {
  let a: Awaited<ReturnType<typeof held>>;
  const streams = new Map<string, HeldStream>();
  beforeAll(async () => {
    a = await held('stream-a', 'tok-a');
    streams.set('stream-a', a.entry);
  });
  afterAll(() => a.connection.close());
  const ended: SseStream[] = [];
  const handler = streamHandler(
    (id, token) => {
      const live = streams.get(id);
      return live === undefined ? null : live.stream.tokenMatches(token) ? live : 'forbidden';
    },
    (id) => streams.get(id),
    (stream) => void ended.push(stream),
  );

  it('delivers a forwarded body to the stream\'s connection with its own token only', async () => {
    const before = a.stream.nextId;
    expect(handler.deliver('stream-a', '{"type":"event","ref":7,"event":"inc"}', 'tok-a')).toBe('delivered');
    expect(handler.deliver('stream-a', '{"type":"event","ref":8,"event":"inc"}', 'tok-b')).toBe('forbidden');
    expect(handler.deliver('stream-x', '{"type":"event","ref":9,"event":"inc"}', 'tok-a')).toBe('unknown');
    for (let i = 0; i < 200 && a.stream.nextId === before; i += 1) await new Promise((r) => setTimeout(r, 5));
    expect(a.stream.nextId).toBe(before + 1); // one answer (ref 7), in the stream's buffer
    const relay = link();
    expect(handler.attach('stream-a', 'tok-a', String(before - 1), relay.value)).toBe('ok');
    expect(relay.written.join('')).toMatch(/"ref":7/);
    expect(relay.written.join('')).not.toMatch(/"ref":[89]/);
  });

  it('attaches a relayed resume, replaying what follows Last-Event-ID; gap when the buffer does not reach', () => {
    a.stream.sink.send([title('1'), title('2')]);
    const last = a.stream.nextId - 1;
    const relay = link();
    expect(handler.attach('stream-a', 'tok-a', String(last - 1), relay.value)).toBe('ok');
    expect(relay.written.join('')).toContain('"value":"2"');
    expect(relay.written.join('')).not.toContain('"value":"1"');
    expect(handler.attach('stream-a', 'tok-b', '1', link().value)).toBe('forbidden');
    expect(handler.attach('stream-x', 'tok-a', '1', link().value)).toBe('unknown');
    expect(handler.attach('stream-a', 'tok-a', String(last + 50), link().value)).toBe('gap');
  });
  it('ends the stream for a forwarded DELETE (a null body) and for an eviction', () => {
    expect(handler.deliver('stream-a', null, 'tok-a')).toBe('delivered');
    handler.evict('stream-a');
    handler.evict('stream-x');
    expect(ended).toEqual([a.stream, a.stream]);
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
