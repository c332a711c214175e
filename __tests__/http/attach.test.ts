/**
 * attach(server): SSE requests under the prefix are answered ahead of the server's request
 * listeners (the Express app), as WebSocket upgrades are; everything else reaches Express as
 * before, and the listeners are put back when the server closes.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { djustLite } from '../../lib';
import { fetchPage } from '../../lib/testing/page';
import { FIXTURE_VIEWS } from '../helpers/server';
import { CounterView, post, sessionId, SseStream, streamPath } from '../helpers/sse-support';

const quiet = { warn: () => {}, error: () => {} };

/** An Express app with a middleware in front of djust-lite that records every path it sees. */
function appWithSpy() {
  const seen: string[] = [];
  const live = djustLite({ views: FIXTURE_VIEWS, secret: 'attach-test-secret-0123456789abcdef0123', logger: quiet });
  live.route('/counter', CounterView);
  const app = express();
  app.use((req, _res, next) => {
    seen.push(`${req.method} ${req.path}`);
    next();
  });
  app.use(live);
  return { app, live, seen };
}

function listen(server: http.Server): Promise<string> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
}

/** Mounts /counter over SSE, clicks once, returns the title that came back. */
async function clickOverSse(base: string): Promise<{ status: number; title: unknown; stream: SseStream }> {
  const session = sessionId();
  const { token } = await fetchPage(base, '/counter');
  const stream = await SseStream.open(base, streamPath(session, token));
  await stream.next('mounted');
  const posted = await post(base, session, { type: 'event', ref: 1, event: 'inc', params: {} });
  const title = await stream.next('page_metadata', (m) => m.action === 'title' && m.value !== 'Counter 0');
  return { status: posted.status, title: title.value, stream };
}

describe('attach(server) and SSE', () => {
  it('answers SSE stream and POSTs before Express middleware; pages still pass through it', async () => {
    const { app, live, seen } = appWithSpy();
    const server = http.createServer(app);
    const base = await listen(server);
    live.attach(server);
    try {
      const { status, title, stream } = await clickOverSse(base);
      expect(status).toBe(202);
      expect(title).toBe('Counter 1');
      stream.close();
      expect(seen).toContain('GET /counter');
      expect(seen.filter((s) => s.includes('/djust/sse'))).toEqual([]);
      // other requests under the prefix (the client bundle) still go through Express
      const bundle = await fetch(`${base}/djust/djust.min.js`);
      expect(bundle.status).toBe(200);
      expect(seen.some((s) => s.startsWith('GET /djust/djust.min.js'))).toBe(true);
    } finally {
      await live.close();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it('puts the request listeners back when the server closes', async () => {
    const { app, live } = appWithSpy();
    const server = http.createServer(app);
    await listen(server);
    live.attach(server);
    expect(server.listeners('request')).not.toContain(app);
    await live.close();
    await new Promise((r) => server.close(r));
    expect(server.listeners('request')).toEqual([app]);
  });

  it('leaves a server with no request listener yet alone: SSE then goes through the middleware, once', async () => {
    const { app, live, seen } = appWithSpy();
    const server = http.createServer();
    live.attach(server);
    server.on('request', app);
    const base = await listen(server);
    try {
      const { status, title, stream } = await clickOverSse(base);
      expect(status).toBe(202);
      expect(title).toBe('Counter 1');
      stream.close();
      expect(seen.filter((s) => s.includes('/djust/sse'))).toHaveLength(2); // the stream GET and one POST, each once
    } finally {
      await live.close();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});
