/**
 * An SSE upload chunk that lands on a process other than the one holding its stream (two
 * djust-lite apps sharing a real redis-server, no sticky sessions): refused 421 with the fix
 * named, never half-forwarded; on the stream's own process it is taken (202).
 */
import { LiveView } from '../../lib';
import { fetchPage } from '../../lib/testing/page';
import { uploadFrame } from '../../lib/testing/upload-driver';
import type { TestApp } from '../helpers/server';
import { startPair, type Pair } from '../helpers/two-processes';
import { send, sessionId, SseStream, streamPath, tokenHeaders } from '../helpers/sse-support';


class FileView extends LiveView {
  static template = 'counter.njk';
  count = 0;
  label = '';

  mount() {
    this.allowUpload('file', { accept: 'any' });
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
});
afterAll(() => pair?.close());

describe('SSE upload chunks across processes', () => {
  it('refuses a chunk that lands on another process with 421 naming the fix, and takes it on the stream\'s own', async () => {
    const session = sessionId();
    const { token } = await fetchPage(a.base, '/file');
    const stream = await SseStream.open(a.base, streamPath(session, token));
    streams.push(stream);
    await stream.next('mounted');
    const chunk = uploadFrame('AAAAAAAAAAAAAAAAAAAAAA', 0, Buffer.from('hello'));
    const headers = { 'Content-Type': 'application/octet-stream', ...tokenHeaders(session) };

    const elsewhere = await send(b.base, `/djust/sse/${session}/upload`, { body: chunk, headers });
    expect(elsewhere.status).toBe(421);
    expect(elsewhere.body).toContain('held by another process');
    expect(elsewhere.body).toContain('sticky sessions');
    expect(elsewhere.body).toContain('WebSocket');

    const wrongToken = await send(b.base, `/djust/sse/${session}/upload`, { body: chunk, headers: { ...headers, 'X-Djust-Token': 'not-the-token' } });
    expect(wrongToken.status).toBe(403);

    const home = await send(a.base, `/djust/sse/${session}/upload`, { body: chunk, headers });
    expect(home.status).toBe(202);
    // Its answer is on the stream: the id is nobody's, so it is refused there, clearly.
    await stream.waitFor(() => stream.messages.some((m) => m.type === 'upload' && m.code === 'upload_unknown'), 'the chunk\'s answer');
  });

  it('still answers 404 for a stream no process holds', async () => {
    const { token } = await fetchPage(a.base, '/file');
    const session = sessionId();
    streamPath(session, token); // records the token for tokenHeaders
    const answer = await send(b.base, `/djust/sse/${session}/upload`, { body: uploadFrame('AAAAAAAAAAAAAAAAAAAAAA', 0, Buffer.from('x')), headers: { 'Content-Type': 'application/octet-stream', ...tokenHeaders(session) } });
    expect(answer.status).toBe(404);
  });
});
