/**
 * SSE upload chunks without sticky sessions (two djust-lite apps sharing a real redis-server):
 * a chunk POST that lands on the process not holding its stream is checked there (token
 * signature, holder) before its body is read, then forwarded to the holder through Redis, which
 * stores it and answers on the stream, as the envelopes of the same page are forwarded.
 */
import { readFile } from 'node:fs/promises';
import { eventHandler, LiveView } from '../../lib';
import type { JsonObject } from '../../lib/contract/protocol';
import { fetchPage } from '../../lib/testing/page';
import type { EventResult } from '../../lib/testing/results';
import { uploadFiles, uploadFrame } from '../../lib/testing/upload-driver';
import type { TestApp } from '../helpers/server';
import { startPair, type Pair } from '../helpers/two-processes';
import { post, send, sessionId, SseStream, streamPath, tokenHeaders } from '../helpers/sse-support';

/** What `save` read from each consumed file, by name. */
const saved = new Map<string, Buffer>();

class FileView extends LiveView {
  static template = 'counter.njk';
  count = 0;
  label = '';

  mount() {
    this.allowUpload('file', { accept: 'any', maxEntries: 2, chunkSize: 50_000 });
  }

  @eventHandler()
  async save() {
    await this.consumeUploadedEntries('file', async ({ path }, entry) => void saved.set(entry.name, await readFile(path)));
    this.count = saved.size;
  }
}

let a: TestApp;
let b: TestApp;
const streams: SseStream[] = [];

let pair: Pair;
beforeAll(async () => {
  pair = await startPair((live) => live.route('/file', FileView));
  ({ a, b } = pair);
});
afterEach(() => {
  for (const s of streams.splice(0)) s.close();
  saved.clear();
});
afterAll(() => pair?.close());

/** A stream opened on A, mounted. */
async function streamOnA(): Promise<{ session: string; stream: SseStream }> {
  const session = sessionId();
  const { token } = await fetchPage(a.base, '/file');
  const stream = await SseStream.open(a.base, streamPath(session, token));
  streams.push(stream);
  await stream.next('mounted');
  return { session, stream };
}

const chunkHeaders = (session: string) => ({ 'Content-Type': 'application/octet-stream', ...tokenHeaders(session) });

describe('SSE upload chunks across processes', () => {
  it('uploads two files whole when every event and chunk POST lands on the other process', async () => {
    const { session, stream } = await streamOnA();
    let ref = 0;
    const statuses: number[] = [];
    const viaB = {
      async event(event: string, params: JsonObject): Promise<EventResult> {
        const r = ++ref;
        expect((await post(b.base, session, { type: 'event', ref: r, event, params })).status).toBe(202);
        return { response: await stream.next('reply', (m) => m.ref === r) } as unknown as EventResult;
      },
      async frame(frame: Buffer): Promise<void> {
        statuses.push((await send(b.base, `/djust/sse/${session}/upload`, { body: frame, headers: chunkHeaders(session) })).status);
      },
      get messages() {
        return stream.messages;
      },
      until: (test: () => boolean, what: string) => stream.waitFor(test, what, 10_000),
    };
    const one = Buffer.alloc(180_017, 7);
    for (let i = 0; i < one.length; i += 1) one[i] = (i * 31) % 251;
    const two = Buffer.from('a small second file');
    const result = await uploadFiles(viaB, 'file', [{ name: 'one.bin', content: one }, { name: 'two.txt', content: two }]);
    expect(result.entries.map((e) => [e.valid, e.refused])).toEqual([[true, undefined], [true, undefined]]);
    expect(statuses.length).toBe(5); // 4 chunks of 50,000 bytes for one.bin, 1 for two.txt
    expect(statuses.every((s) => s === 202)).toBe(true);

    // The event that consumes them, forwarded too; the files arrived whole on A.
    expect((await post(b.base, session, { type: 'event', ref: ++ref, event: 'save', params: {} })).status).toBe(202);
    await stream.next('patch', (m) => m.ref === ref);
    expect(saved.get('one.bin')?.equals(one)).toBe(true);
    expect(saved.get('two.txt')?.toString()).toBe('a small second file');
  });

  it('answers a forwarded chunk for an unknown upload on the stream, refuses a wrong token 403 before reading the body', async () => {
    const { session, stream } = await streamOnA();
    const chunk = uploadFrame('AAAAAAAAAAAAAAAAAAAAAA', 0, Buffer.from('hello'));
    const elsewhere = await send(b.base, `/djust/sse/${session}/upload`, { body: chunk, headers: chunkHeaders(session) });
    expect(elsewhere.status).toBe(202);
    // Its answer is on the stream on A: the id is nobody's, so it is refused there, clearly.
    await stream.waitFor(() => stream.messages.some((m) => m.type === 'upload' && m.code === 'upload_unknown'), 'the chunk\'s answer');

    const wrongToken = await send(b.base, `/djust/sse/${session}/upload`, { body: chunk, headers: { ...chunkHeaders(session), 'X-Djust-Token': 'not-the-token' } });
    expect(wrongToken.status).toBe(403);
  });

  it('still answers 404 for a stream no process holds', async () => {
    const { token } = await fetchPage(a.base, '/file');
    const session = sessionId();
    streamPath(session, token); // records the token for tokenHeaders
    const answer = await send(b.base, `/djust/sse/${session}/upload`, { body: uploadFrame('AAAAAAAAAAAAAAAAAAAAAA', 0, Buffer.from('x')), headers: chunkHeaders(session) });
    expect(answer.status).toBe(404);
  });
});
