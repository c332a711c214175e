/**
 * The client address of live traffic is the one Express computes as `req.ip` under the app's
 * `trust proxy` setting, also for WebSocket upgrades and SSE that never pass through Express.
 */
import http, { type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { WebSocket } from 'ws';
import { djustLite, type DjustLite } from '../../lib';
import { clientAddress, ClientAddresses } from '../../lib/transport/client-address';
import { fetchPage } from '../../lib/testing/page';
import { rawUpgrade } from '../helpers/raw-upgrade';
import { FIXTURE_VIEWS } from '../helpers/server';
import { counterRoutes, sessionId, SseStream, streamPath } from '../helpers/sse-support';

/** A request as proxy-addr reads it: the socket's address and the X-Forwarded-For header. */
function fakeRequest(remoteAddress: string | undefined, forwardedFor?: string): IncomingMessage {
  return { socket: { remoteAddress }, headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor } } as unknown as IncomingMessage;
}

function trustOf(setting: unknown): (address: string, hop: number) => boolean {
  const app = express();
  app.set('trust proxy', setting);
  return app.get('trust proxy fn') as (address: string, hop: number) => boolean;
}

describe('clientAddress', () => {
  it('ignores X-Forwarded-For without a trust function, or under trust proxy false', () => {
    expect(clientAddress(fakeRequest('10.0.0.1', '203.0.113.7'))).toBe('10.0.0.1');
    expect(clientAddress(fakeRequest('10.0.0.1', '203.0.113.7'), trustOf(false))).toBe('10.0.0.1');
  });

  it('takes the nearest untrusted hop when the socket peer is trusted, as req.ip does', () => {
    expect(clientAddress(fakeRequest('10.0.0.1', '203.0.113.7'), trustOf('10.0.0.0/8'))).toBe('203.0.113.7');
    expect(clientAddress(fakeRequest('10.0.0.1', '198.51.100.1, 10.0.0.2'), trustOf('10.0.0.0/8'))).toBe('198.51.100.1');
    expect(clientAddress(fakeRequest('10.0.0.1', '198.51.100.1, 203.0.113.7'), trustOf(1))).toBe('203.0.113.7');
    expect(clientAddress(fakeRequest('192.0.2.9', '203.0.113.7'), trustOf('10.0.0.0/8'))).toBe('192.0.2.9');
  });

  it('answers "" for a socket already gone', () => {
    expect(clientAddress(fakeRequest(undefined, '203.0.113.7'), trustOf(true))).toBe('');
  });
});

describe('ClientAddresses', () => {
  it('trusts nothing until it learns an Express app, ignores what is not one, and reads the setting each time', () => {
    const addresses = new ClientAddresses();
    const req = fakeRequest('127.0.0.1', '203.0.113.7');
    expect(addresses.of(req)).toBe('127.0.0.1');
    addresses.learnFrom(() => {});
    addresses.learnFrom({ get: () => () => true, settings: {} }); // not a function: not an app
    expect(addresses.of(req)).toBe('127.0.0.1');
    const app = express();
    addresses.learnFrom(app);
    expect(addresses.of(req)).toBe('127.0.0.1');
    app.set('trust proxy', 'loopback');
    expect(addresses.of(req)).toBe('203.0.113.7');
    addresses.learnFrom(express().set('trust proxy', false)); // the first app stays
    expect(addresses.of(req)).toBe('203.0.113.7');
  });
});

describe('per-client limit behind a proxy (real server, WebSocket upgrades and SSE before any page request)', () => {
  let server: Server | null = null;
  let live: DjustLite | null = null;
  const held: WebSocket[] = [];
  const debug = jest.fn<void, [string]>();
  const streams: SseStream[] = [];

  afterEach(async () => {
    for (const ws of held.splice(0)) ws.terminate();
    for (const stream of streams.splice(0)) stream.close();
    await live?.close();
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = null;
    live = null;
    debug.mockClear();
  });

  /** An app with `trust proxy` set to `trust` (left unset when undefined) and maxConnectionsPerClient 1. */
  async function start(trust: unknown): Promise<string> {
    const app = express();
    if (trust !== undefined) app.set('trust proxy', trust);
    live = djustLite({ views: FIXTURE_VIEWS, maxConnectionsPerClient: 1, logger: { debug, warn: jest.fn(), error: jest.fn() } });
    counterRoutes(live);
    app.use(live);
    const started = http.createServer(app);
    server = started;
    await new Promise<void>((resolve) => started.listen(0, '127.0.0.1', resolve));
    live.attach(started);
    return `http://127.0.0.1:${(started.address() as AddressInfo).port}`;
  }

  /** A WebSocket held open (not mounted) from `forwardedFor`. */
  async function hold(base: string, forwardedFor: string): Promise<void> {
    const ws = new WebSocket(`${base.replace('http', 'ws')}/djust/ws`, { headers: { 'x-forwarded-for': forwardedFor } });
    held.push(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
  }

  it('with trust proxy "loopback", counts each X-Forwarded-For client on its own, WS and SSE together', async () => {
    const base = await start('loopback');
    await hold(base, '203.0.113.1');
    const same = await rawUpgrade(base, { 'x-forwarded-for': '203.0.113.1' });
    expect(same.status).toBe(429);
    expect(same.body).toMatch(/option maxConnectionsPerClient/);
    expect((await rawUpgrade(base, { 'x-forwarded-for': '203.0.113.2' })).status).toBe(101);
    const { token } = await fetchPage(base, '/counter');
    const sse = await SseStream.open(base, streamPath(sessionId(), token), { 'x-forwarded-for': '203.0.113.1' });
    streams.push(sse);
    expect(sse.status).toBe(429);
    const other = await SseStream.open(base, streamPath(sessionId(), token), { 'x-forwarded-for': '203.0.113.3' });
    streams.push(other);
    expect(other.status).toBe(200);
    await other.next('mounted');
    expect(debug).toHaveBeenCalledWith(expect.stringMatching(/^djust-lite:refusal WebSocket upgrade from 203\.0\.113\.1 refused with 429/));
  });

  it('without trust proxy, ignores X-Forwarded-For: every client here is 127.0.0.1', async () => {
    const base = await start(undefined);
    await hold(base, '203.0.113.1');
    const other = await rawUpgrade(base, { 'x-forwarded-for': '203.0.113.2' });
    expect(other.status).toBe(429);
    expect(debug).toHaveBeenCalledWith(expect.stringMatching(/^djust-lite:refusal WebSocket upgrade from 127\.0\.0\.1 refused with 429/));
  });
});
