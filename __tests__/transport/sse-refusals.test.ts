/**
 * What the SSE endpoints refuse, with which status and reason — and that no refusal touches
 * another session.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { TOKEN_HEADER } from '../../lib/transport/sse';
import { sseTokenHeaders } from '../../lib/testing/sse';
import { fetchPage } from '../../lib/testing/page';
import { startApp, WsClient, type TestApp } from '../helpers/server';
import { counterRoutes, post, send, sessionId, SseStream, streamPath, tokenHeaders } from '../helpers/sse-support';

const opened: SseStream[] = [];
const apps: TestApp[] = [];

afterEach(async () => {
  for (const stream of opened.splice(0)) stream.close();
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

async function app(options: Parameters<typeof startApp>[1] = {}): Promise<TestApp> {
  const started = await startApp(counterRoutes, { sseLingerMs: 200, ...options });
  apps.push(started);
  return started;
}

async function open(base: string, path: string, headers: Record<string, string> = {}): Promise<SseStream> {
  const stream = await SseStream.open(base, path, headers);
  opened.push(stream);
  return stream;
}

/** A live session that must stay untouched by the refusals around it. */
async function bystander(a: TestApp): Promise<{ session: string; stream: SseStream; check(): Promise<void> }> {
  const { token } = await fetchPage(a.base, '/counter');
  const session = sessionId();
  const stream = await open(a.base, streamPath(session, token));
  await stream.next('mounted');
  return {
    session,
    stream,
    async check() {
      const before = stream.messages.length;
      expect((await post(a.base, session, { type: 'event', ref: 99, event: 'inc' })).status).toBe(202);
      await stream.next('patch', (m) => m.ref === 99, before);
      expect(stream.messages.filter((m) => m.type === 'error')).toEqual([]);
      expect(stream.ended).toBe(false);
    },
  };
}

describe('SSE refusals', () => {
  it('403 for a foreign Origin on GET, POST and DELETE; the page\'s own origin and allowedOrigins pass', async () => {
    const a = await app({ allowedOrigins: ['https://app.example.com'] });
    const other = await bystander(a);
    const { token } = await fetchPage(a.base, '/counter');
    const evil = await open(a.base, streamPath(sessionId(), token), { origin: 'https://evil.example' });
    expect(evil.status).toBe(403);
    await evil.waitForEnd();
    expect(evil.raw).toBe('Forbidden: Origin not allowed (option allowedOrigins).\n');
    expect(evil.headers['content-type']).toMatch(/^text\/plain/);
    const posted = await post(a.base, other.session, { type: 'event', ref: 1, event: 'inc' }, { origin: 'https://evil.example' });
    expect(posted.status).toBe(403);
    expect((await send(a.base, `/djust/sse/${other.session}`, { method: 'DELETE', headers: { origin: 'https://evil.example' } })).status).toBe(403);
    const same = await open(a.base, streamPath(sessionId(), token), { origin: a.base });
    expect(same.status).toBe(200);
    const listed = await open(a.base, streamPath(sessionId(), (await fetchPage(a.base, '/counter')).token), { origin: 'https://app.example.com' });
    expect(listed.status).toBe(200);
    await other.check();
  });

  it('415 for a POST that is not application/json', async () => {
    const a = await app();
    const other = await bystander(a);
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const answer = await send(a.base, `/djust/sse/${other.session}/message`, { body: '{"type":"ping"}', headers: { 'content-type': type } });
      expect(answer.status).toBe(415);
      expect(answer.body).toMatch(/Content-Type: application\/json/);
    }
    expect((await send(a.base, `/djust/sse/${other.session}/message`, { body: '{"type":"ping"}' })).status).toBe(415);
    expect((await post(a.base, other.session, { type: 'ping' }, { 'content-type': 'Application/JSON; charset=utf-8' })).status).toBe(202);
    await other.check();
  });

  it('413 for a body over maxMessageBytes, declared or streamed, before any JSON.parse', async () => {
    const a = await app({ maxMessageBytes: 256 });
    const other = await bystander(a);
    const big = JSON.stringify({ type: 'event', ref: 1, event: 'inc', params: { pad: 'x'.repeat(400) } });
    const declared = await post(a.base, other.session, big);
    expect(declared.status).toBe(413);
    expect(declared.body).toBe('Payload Too Large: body over 256 bytes (option maxMessageBytes).\n');
    // No Content-Length: counted while it arrives.
    const streamed = await new Promise<number>((resolve, reject) => {
      const req = http.request(`${a.base}/djust/sse/${other.session}/message`, {
        method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked', ...tokenHeaders(other.session) }, agent: false,
      }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.write(big.slice(0, 200));
      req.end(big.slice(200));
    });
    expect(streamed).toBe(413);
    await other.check();
    expect(other.stream.messages.some((m) => m.type === 'error')).toBe(false);
  });

  it('404 for a POST to a session with no live Connection (DELETE is idempotent: 204)', async () => {
    const a = await app();
    const { token } = await fetchPage(a.base, '/counter');
    const answer = await post(a.base, sessionId(), { type: 'event', ref: 1, event: 'inc' }, { 'x-djust-token': token });
    expect(answer.status).toBe(404);
    expect(answer.body).toMatch(/^Not Found: no live SSE stream "test-session-/);
    expect((await send(a.base, `/djust/sse/${sessionId()}`, { method: 'DELETE', headers: { 'x-djust-token': token } })).status).toBe(204);
  });

  it('400 for a malformed session id, and for a stream without a token', async () => {
    const a = await app();
    const { token } = await fetchPage(a.base, '/counter');
    for (const bad of ['short', 'has.dot.in.it', 'x'.repeat(129), 'sp%20ace-1234']) {
      const stream = await open(a.base, streamPath(bad, token));
      expect(stream.status).toBe(400);
      await stream.waitForEnd();
      expect(stream.raw).toMatch(/^Bad Request: the stream id must be 8-128 characters/);
    }
    expect((await post(a.base, 'short', { type: 'ping' })).status).toBe(400);
    const noToken = await open(a.base, `/djust/sse/${sessionId()}`);
    expect(noToken.status).toBe(400);
    await noToken.waitForEnd();
    expect(noToken.raw).toMatch(/token/);
  });

  it('405 with Allow for other methods, 404 for other paths under /sse', async () => {
    const a = await app();
    const put = await send(a.base, `/djust/sse/${sessionId()}`, { method: 'PUT', body: '' });
    expect(put.status).toBe(405);
    expect(put.headers.allow).toBe('GET, DELETE');
    const get = await send(a.base, `/djust/sse/${sessionId()}/message`, { method: 'GET' });
    expect(get.status).toBe(405);
    expect(get.headers.allow).toBe('POST');
    expect((await send(a.base, `/djust/sse/${sessionId()}/other`, { method: 'GET' })).status).toBe(404);
    expect((await send(a.base, '/djust/sse', { method: 'GET' })).status).toBe(404);
  });

  it('the upload POST passes the same single Origin and token checks: 403, 415, 404, then 202', async () => {
    const a = await app({ allowedOrigins: ['https://app.example.com'] });
    const other = await bystander(a);
    const at = `/djust/sse/${other.session}/upload`;
    const chunk = { 'content-type': 'application/octet-stream' };
    const body = Buffer.alloc(8);
    expect((await send(a.base, at, { body, headers: { ...chunk, ...tokenHeaders(other.session), origin: 'https://evil.example' } })).status).toBe(403);
    expect((await send(a.base, at, { body, headers: chunk })).status).toBe(403);
    const { token: another } = await fetchPage(a.base, '/counter?x=1');
    const wrong = await send(a.base, at, { body, headers: { ...chunk, ...sseTokenHeaders(another) } });
    expect(wrong.status).toBe(403);
    expect(wrong.body).toMatch(/is not the token stream/);
    expect((await send(a.base, at, { body, headers: { 'content-type': 'application/json', ...tokenHeaders(other.session) } })).status).toBe(415);
    expect((await send(a.base, `/djust/sse/${sessionId()}/upload`, { body, headers: { ...chunk, ...tokenHeaders(other.session) } })).status).toBe(404);
    expect((await send(a.base, at, { body, headers: { ...chunk, ...tokenHeaders(other.session) } })).status).toBe(202);
    await other.check();
  });

  it('403 for a stream that reuses a live session id with another token', async () => {
    const a = await app();
    const other = await bystander(a);
    const { token: another } = await fetchPage(a.base, '/counter?x=1');
    const hijack = await open(a.base, streamPath(other.session, another));
    expect(hijack.status).toBe(403);
    await hijack.waitForEnd();
    expect(hijack.raw).toMatch(/is live with another token/);
    const resume = await open(a.base, streamPath(other.session, another), { 'Last-Event-ID': '1' });
    expect(resume.status).toBe(403);
    await other.check();
  });

  it('429 past maxConnectionsPerClient, naming the option; the sessions already open carry on', async () => {
    const a = await app({ maxConnectionsPerClient: 2 });
    const first = await bystander(a);
    await bystander(a);
    const { token } = await fetchPage(a.base, '/counter');
    const third = await open(a.base, streamPath(sessionId(), token));
    expect(third.status).toBe(429);
    await third.waitForEnd();
    expect(third.raw).toBe('Too Many Requests: this client address already has 2 live connections, WebSocket and SSE together (option maxConnectionsPerClient).\n');
    await first.check();
    // A session that ends frees its place.
    expect((await send(a.base, `/djust/sse/${first.session}`, { method: 'DELETE', headers: tokenHeaders(first.session) })).status).toBe(204);
    const fourth = await open(a.base, streamPath(sessionId(), token));
    expect(fourth.status).toBe(200);
  });

  it('429 past maxConnections, a count shared with WebSockets', async () => {
    const a = await app({ maxConnections: 2 });
    const ws = await WsClient.mount(a.base, '/counter');
    const first = await bystander(a);
    expect(a.live.connectionCount).toBe(2);
    const { token } = await fetchPage(a.base, '/counter');
    const third = await open(a.base, streamPath(sessionId(), token));
    expect(third.status).toBe(429);
    await third.waitForEnd();
    expect(third.raw).toBe('Too Many Requests: 2 live connections already (option maxConnections).\n');
    await first.check();
    await ws.close();
  });
});

describe('SSE POST and DELETE are bound to the view (X-Djust-Token)', () => {
  it('names the header once: the server, lib/testing and the browser client agree', () => {
    expect(TOKEN_HEADER).toBe('x-djust-token');
    expect(Object.keys(sseTokenHeaders('t'))).toEqual([TOKEN_HEADER]);
    const client = readFileSync(path.join(__dirname, '..', '..', 'public', 'sse.js'), 'utf8');
    expect(client.match(/'x-djust-token'/gi)).toHaveLength(1); // named once: the POSTs (messages, upload chunks) and the DELETE share it
  });

  it('403 for a POST without the header or with another view\'s token: nothing reaches the session', async () => {
    const a = await app();
    const victim = await bystander(a);
    const missing = await send(a.base, `/djust/sse/${victim.session}/message`, {
      body: '{"type":"event","ref":1,"event":"inc"}', headers: { 'content-type': 'application/json' },
    });
    expect(missing.status).toBe(403);
    expect(missing.body).toBe('Forbidden: POST and DELETE need the stream\'s token in the X-Djust-Token header (the data-djust-token attribute of the page\'s script tag).\n');
    const { token: another } = await fetchPage(a.base, '/counter?x=other');
    const wrong = await post(a.base, victim.session, { type: 'event', ref: 2, event: 'inc' }, { 'x-djust-token': another });
    expect(wrong.status).toBe(403);
    expect(wrong.body).toBe(`Forbidden: X-Djust-Token is not the token stream "${victim.session}" was opened with.\n`);
    expect((await post(a.base, victim.session, { type: 'ping' }, { 'x-djust-token': '' })).status).toBe(403);
    await new Promise((r) => setTimeout(r, 30));
    expect(victim.stream.messages.filter((m) => m.type !== 'mounted' && m.type !== 'page_metadata')).toEqual([]);
    await victim.check();
  });

  it('403 for a DELETE without the header or with another token: the session and its stream go on; with the token, 204', async () => {
    const a = await app();
    const victim = await bystander(a);
    expect((await send(a.base, `/djust/sse/${victim.session}`, { method: 'DELETE' })).status).toBe(403);
    const { token: another } = await fetchPage(a.base, '/counter?x=other');
    const wrong = await send(a.base, `/djust/sse/${victim.session}`, { method: 'DELETE', headers: { 'x-djust-token': another } });
    expect(wrong.status).toBe(403);
    expect(wrong.body).toMatch(/^Forbidden: X-Djust-Token is not the token stream/);
    await victim.check();
    expect((await send(a.base, `/djust/sse/${victim.session}`, { method: 'DELETE', headers: tokenHeaders(victim.session) })).status).toBe(204);
    await victim.stream.waitForEnd();
  });
});

describe('SSE POST bodies', () => {
  const debug = jest.fn<void, [string]>();
  const error = jest.fn<void, [string, unknown]>();
  afterEach(() => {
    debug.mockClear();
    error.mockClear();
  });

  /** Starts a POST to `session` that declares `length` bytes and sends only `first`; the request is returned, and its answer (or null if none comes). */
  function partialPost(base: string, session: string, length: number, first: string) {
    const req = http.request(`${base}/djust/sse/${session}/message`, {
      method: 'POST', agent: false,
      headers: { 'content-type': 'application/json', 'content-length': String(length), ...tokenHeaders(session) },
    });
    const answer = new Promise<{ status: number; body: string; closed: Promise<void> } | null>((resolve) => {
      req.on('response', (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (chunk: string) => void (body += chunk));
        const closed = new Promise<void>((done) => req.socket?.once('close', () => done()));
        res.once('end', () => resolve({ status: res.statusCode ?? 0, body, closed }));
      });
      req.on('error', () => resolve(null));
      req.on('close', () => setTimeout(() => resolve(null), 50));
    });
    req.write(first);
    return { req, answer };
  }

  it('408 for a body that does not finish within bodyTimeoutMs; the socket is dropped, the session goes on', async () => {
    const a = await app({ bodyTimeoutMs: 150, logger: { debug, warn: jest.fn(), error } });
    const other = await bystander(a);
    const started = Date.now();
    const { answer } = partialPost(a.base, other.session, 100, '{"type":"event",');
    const got = await answer;
    expect(got?.status).toBe(408);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(got?.body).toBe('Request Timeout: the body did not arrive within 150 ms (option bodyTimeoutMs).\n');
    await got?.closed;
    expect(debug).toHaveBeenCalledWith(expect.stringMatching(/^djust-lite:refusal SSE POST \/djust\/sse\/test-session-[\w-]+\/message from 127\.0\.0\.1 refused with 408: Request Timeout/));
    expect(error).not.toHaveBeenCalled();
    await other.check();
  });

  it('an aborted POST (the client goes away mid-body) is one debug line, no error or stack; the session goes on', async () => {
    const a = await app({ logger: { debug, warn: jest.fn(), error } });
    const other = await bystander(a);
    const { req } = partialPost(a.base, other.session, 100, '{"type":"event",');
    await new Promise((r) => setTimeout(r, 50));
    req.destroy();
    for (let i = 0; i < 100 && !debug.mock.calls.some(([line]) => line.includes('aborted')); i += 1) await new Promise((r) => setTimeout(r, 10));
    const lines = debug.mock.calls.map(([line]) => line).filter((line) => line.includes('aborted'));
    expect(lines).toEqual([expect.stringMatching(/^djust-lite:refusal SSE POST \/djust\/sse\/test-session-[\w-]+\/message: the client aborted the request mid-body\.$/)]);
    expect(error).not.toHaveBeenCalled();
    await other.check();
  });
});
