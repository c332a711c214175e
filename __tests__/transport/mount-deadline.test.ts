/**
 * Option mountTimeoutMs: a WebSocket or SSE stream whose view has not mounted in time gets
 * `mount_timeout` and is closed, freeing its place; mounted neighbours are untouched.
 */
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { WebSocket } from 'ws';
import { CLOSE_GRACE_MS } from '../../lib/transport/websocket';
import { LiveView, type DjustLite, type MountContext } from '../../lib';
import { fetchPage } from '../../lib/testing/page';
import { startApp, WsClient, type TestApp } from '../helpers/server';
import { CounterView, post, sessionId, SseStream, streamPath } from '../helpers/sse-support';

/** A view whose connected mount waits until the test releases it (or 2 s pass). */
class SlowMount extends LiveView {
  static template = 'counter.njk';
  static release: (() => void)[] = [];
  count = 0;
  label = 'slow';

  mount(ctx: MountContext) {
    if (!ctx.connected) return undefined;
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 2000);
      SlowMount.release.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

function routes(live: DjustLite): void {
  live.route('/counter', CounterView);
  live.route('/slow', SlowMount);
}

const MOUNT_TIMEOUT = 200;
let app: TestApp;
const debug = jest.fn<void, [string]>();
const streams: SseStream[] = [];
const sockets: WsClient[] = [];
const raw: net.Socket[] = [];

beforeEach(async () => {
  app = await startApp(routes, { mountTimeoutMs: MOUNT_TIMEOUT, sseLingerMs: 0, logger: { debug, warn: jest.fn(), error: jest.fn() } });
});
afterEach(async () => {
  for (const release of SlowMount.release.splice(0)) release();
  for (const stream of streams.splice(0)) stream.close();
  await Promise.all(sockets.splice(0).map((ws) => ws.close()));
  for (const socket of raw.splice(0)) socket.destroy();
  await app.close();
  debug.mockClear();
});

async function neighbour(): Promise<WsClient> {
  const ws = await WsClient.mount(app.base, '/counter');
  sockets.push(ws);
  return ws;
}

async function stillWorks(ws: WsClient, ref: number): Promise<void> {
  ws.send({ type: 'event', ref, event: 'inc' });
  expect((await ws.eventResult(ref))[0]).toMatchObject({ type: 'patch', ref });
  expect(ws.closeCode).toBeNull();
}

async function until(test: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 300 && !test(); i += 1) await new Promise((r) => setTimeout(r, 10));
  if (!test()) throw new Error(`timed out waiting for ${what}`);
}

/**
 * A WebSocket peer that completes the handshake, then reads what it is sent and never writes
 * again: it answers neither pings nor the close frame (a dead or hostile client).
 */
async function deadPeer(port: number): Promise<{ readonly ended: boolean; received(): Buffer }> {
  const socket = net.connect(port, '127.0.0.1');
  raw.push(socket);
  const chunks: Buffer[] = [];
  let ended = false;
  socket.on('data', (chunk: Buffer) => void chunks.push(chunk));
  socket.on('close', () => {
    ended = true;
  });
  socket.on('error', () => {});
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  socket.write(`GET /djust/ws HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
  await until(() => Buffer.concat(chunks).includes('\r\n\r\n'), 'the 101 answer');
  expect(Buffer.concat(chunks).toString('latin1')).toMatch(/^HTTP\/1\.1 101 /);
  return { get ended() { return ended; }, received: () => Buffer.concat(chunks) };
}

describe('mount deadline', () => {
  describe('WebSocket', () => {
    it('closes a socket that never mounts: error mount_timeout, then close 1008 "mount_timeout"; its place is freed', async () => {
      const other = await neighbour();
      const idle = await WsClient.open(app.base);
      sockets.push(idle);
      expect(app.live.connectionCount).toBe(2);
      const started = Date.now();
      expect(await idle.waitForClose(3000)).toBe(1008);
      expect(Date.now() - started).toBeGreaterThanOrEqual(MOUNT_TIMEOUT - 50);
      expect(idle.closeReason).toBe('mount_timeout');
      expect(idle.messages).toEqual([{
        type: 'error', ref: null, code: 'mount_timeout',
        message: `No view mounted within ${MOUNT_TIMEOUT} ms of connecting (option mountTimeoutMs); send {"type":"mount","token":…} as the first message.`,
      }]);
      await until(() => app.live.connectionCount === 1, 'the idle socket to be released');
      expect(debug).toHaveBeenCalledWith(`djust-lite:refusal WebSocket from 127.0.0.1 closed: no view mounted within ${MOUNT_TIMEOUT} ms (option mountTimeoutMs).`);
      await stillWorks(other, 1);
    });

    it('keeps a socket that mounted in time, past the deadline', async () => {
      const ws = await neighbour();
      await new Promise((r) => setTimeout(r, MOUNT_TIMEOUT + 100));
      await stillWorks(ws, 1);
      expect(ws.messages.some((m) => m.type === 'error')).toBe(false);
    });

    it('closes a socket whose mount is still running at the deadline; the late mount unmounts quietly', async () => {
      const other = await neighbour();
      const { token } = await fetchPage(app.base, '/slow');
      const slow = await WsClient.open(app.base);
      sockets.push(slow);
      slow.send({ type: 'mount', token });
      expect(await slow.waitForClose(3000)).toBe(1008);
      expect(slow.messages.map((m) => m.code)).toEqual(['mount_timeout']);
      for (const release of SlowMount.release.splice(0)) release();
      await stillWorks(other, 1);
    });

    it('gives each socket its own deadline, counted from its own connect, when several wait at once', async () => {
      const first = await WsClient.open(app.base);
      sockets.push(first);
      const firstAt = Date.now();
      await new Promise((r) => setTimeout(r, MOUNT_TIMEOUT / 2));
      const second = await WsClient.open(app.base);
      sockets.push(second);
      const secondAt = Date.now();
      const mounted = await neighbour(); // mounts in time among them: kept
      const closedAt = await Promise.all([first, second].map(async (ws) => {
        expect(await ws.waitForClose(3000)).toBe(1008);
        return Date.now();
      }));
      expect((closedAt[0] as number) - firstAt).toBeGreaterThanOrEqual(MOUNT_TIMEOUT - 50);
      expect((closedAt[1] as number) - secondAt).toBeGreaterThanOrEqual(MOUNT_TIMEOUT - 50);
      expect(closedAt[1] as number).toBeGreaterThanOrEqual(closedAt[0] as number);
      await stillWorks(mounted, 1);
    });

    it('also closes a raw socket that sends nothing and answers pings (the client a browser would not be)', async () => {
      const raw = new WebSocket(`${app.base.replace('http', 'ws')}/djust/ws`);
      const closed = new Promise<[number, string]>((resolve) => raw.once('close', (code, reason) => resolve([code, reason.toString()])));
      await new Promise<void>((resolve, reject) => raw.once('open', () => resolve()).once('error', reject));
      expect(await closed).toEqual([1008, 'mount_timeout']);
    });

    it('terminates a peer that never mounts and never answers the close: its place is freed a short grace after the deadline, not 30 s later', async () => {
      const peer = await deadPeer(app.port);
      expect(app.live.connectionCount).toBe(1);
      const started = Date.now();
      await until(() => peer.ended, 'the server to end the dead socket');
      const took = Date.now() - started;
      expect(took).toBeGreaterThanOrEqual(MOUNT_TIMEOUT - 50);
      expect(took).toBeLessThan(MOUNT_TIMEOUT + CLOSE_GRACE_MS + 1000);
      // It was sent the close frame (opcode 8, code 1008 "mount_timeout") first and never answered.
      expect(peer.received().includes(Buffer.from([0x88]))).toBe(true);
      expect(peer.received().includes(Buffer.from('mount_timeout'))).toBe(true);
      await until(() => app.live.connectionCount === 0, 'the place to be freed');
    });
  });

  describe('SSE', () => {
    it('ends a stream whose view has not mounted by the deadline with mount_timeout; its place is freed and neighbours go on', async () => {
      const other = await neighbour();
      const { token: counterToken } = await fetchPage(app.base, '/counter');
      const fine = sessionId();
      const fineStream = await SseStream.open(app.base, streamPath(fine, counterToken));
      streams.push(fineStream);
      await fineStream.next('mounted');

      const { token } = await fetchPage(app.base, '/slow');
      const stream = await SseStream.open(app.base, streamPath(sessionId(), token));
      streams.push(stream);
      expect(stream.status).toBe(200);
      const error = await stream.next('error');
      expect(error).toMatchObject({ code: 'mount_timeout', ref: null });
      await stream.waitForEnd();
      await until(() => app.live.connectionCount === 2, 'the slow session to end');
      expect(debug).toHaveBeenCalledWith(expect.stringMatching(/^djust-lite:refusal SSE stream "test-session-[\w-]+" from 127\.0\.0\.1 closed: no view mounted within 200 ms/));

      await new Promise((r) => setTimeout(r, MOUNT_TIMEOUT));
      expect((await post(app.base, fine, { type: 'event', ref: 5, event: 'inc' })).status).toBe(202);
      await fineStream.next('patch', (m) => m.ref === 5);
      expect(fineStream.ended).toBe(false);
      await stillWorks(other, 1);
    });
  });
});
