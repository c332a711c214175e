/**
 * Several processes behind one proxy (two apps on two ports here): a page served by one
 * mounts on another when they share the secret, not otherwise; an SSE session lives in the
 * process that opened its stream, so its POSTs must reach that process (sticky sessions).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { djustLite, type DjustLite } from '../../lib';
import type { ServerMessage } from '../../lib/contract/protocol';
import { envelope } from '../../lib/testing/messages';
import { fetchPage } from '../../lib/testing/page';
import { openSseStream, postEnvelope, sseStreamUrl } from '../../lib/testing/sse';
import { Waiters } from '../../lib/testing/waiters';
import { WebSocketChannel, webSocketUrl } from '../../lib/testing/websocket';
import { DEPLOY_VIEWS, StoreView } from './store-app';

const SHARED = 'processes-test-secret-0123456789abcdef0123';

interface Process {
  base: string;
  live: DjustLite;
  server: http.Server;
}

async function start(secret: string): Promise<Process> {
  const live = djustLite({ views: DEPLOY_VIEWS, secret, logger: { warn: () => {}, error: () => {} } }).route('/store/:id', StoreView);
  const app = express();
  app.use('/app', live);
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  live.attach(server);
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, live, server };
}

let running: Process[] = [];
afterEach(async () => {
  for (const { live, server } of running) {
    await live.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  running = [];
});

async function processes(...secrets: string[]): Promise<Process[]> {
  running = await Promise.all(secrets.map(start));
  return running;
}

/** Mounts `token` over a WebSocket to `base` and returns the first answer. */
async function mountOn(base: string, token: string): Promise<ServerMessage> {
  const got: ServerMessage[] = [];
  const waiters = new Waiters();
  const channel = new WebSocketChannel(webSocketUrl(base, '/app/djust'), { message: (m) => void (got.push(m), waiters.wake()) });
  try {
    await channel.opened;
    channel.send(envelope.mount(token, '/app/store/1'));
    return await waiters.until(() => got[0], 5000, () => new Error('no answer to mount'));
  } finally {
    await channel.close();
  }
}

describe('several processes', () => {
  it('a page served by one process mounts on another that shares the secret', async () => {
    const [a, b] = await processes(SHARED, SHARED);
    const { token } = await fetchPage(a?.base ?? '', '/app/store/1');
    expect(await mountOn(b?.base ?? '', token)).toMatchObject({ type: 'mounted' });
  });

  it('with different secrets the other process answers bad_token (the page reloads)', async () => {
    const [a, b] = await processes(SHARED, 'another-secret-another-secret-0123456789');
    const { token } = await fetchPage(a?.base ?? '', '/app/store/1');
    expect(await mountOn(b?.base ?? '', token)).toMatchObject({ type: 'error', code: 'bad_token' });
  });

  it('an SSE session lives where its stream was opened: a POST to another process is 404', async () => {
    const [a, b] = await processes(SHARED, SHARED);
    const page = await fetchPage(a?.base ?? '', '/app/store/1');
    const stream = openSseStream(sseStreamUrl(a?.base ?? '', page.prefix, 'sticky-session-1', { token: page.token }), { record: () => {} });
    try {
      expect((await stream.response).statusCode).toBe(200);
      expect((await postEnvelope(b?.base ?? '', page.prefix, 'sticky-session-1', page.token, envelope.ping())).status).toBe(404);
      expect((await postEnvelope(a?.base ?? '', page.prefix, 'sticky-session-1', page.token, envelope.ping())).status).toBe(202);
    } finally {
      stream.req.destroy();
    }
  });
});
