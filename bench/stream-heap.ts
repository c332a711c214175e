/**
 * Streams, measured in one process (server and a bare `ws` client that keeps nothing):
 *
 * - `heap` (default): a 100,000-item stream fed in pages of 50 (no limit: the client would keep
 *   them all, the server keeps none); after each 10,000 items a full GC and the heap used.
 * - `cpu`: CPU per event (process.cpuUsage, server and client together) of the list page built
 *   with a stream, 5,000 rows, one row bumped per event (a streamInsert replaced in place) and
 *   the title set, against the bench counter (`inc`), in interleaved rounds; medians and their
 *   ratio, and the bytes of each event's messages.
 *
 * node --expose-gc -r ts-node/register/transpile-only bench/stream-heap.ts [heap|cpu]
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import express from 'express';
import WebSocket from 'ws';
import { djustLite } from '../lib';
import { fetchPage } from '../lib/testing/page';
import { webSocketUrl } from '../lib/testing/websocket';
import { CounterView } from './counter-view';
import { StreamFeedView, StreamListView } from './stream-views';

const ITEMS = Number(process.env.BENCH_STREAM_ITEMS ?? 100_000);
const PAGE = 50;
const EVENTS = Number(process.env.BENCH_STREAM_EVENTS ?? 2000);
const ROUNDS = Number(process.env.BENCH_STREAM_ROUNDS ?? 5);

const gc = (globalThis as { gc?: () => void }).gc;

/** One mounted connection: sends an event and resolves with the bytes of its answer (up to the patch/reply). */
class Conn {
  readonly #ws: WebSocket;
  #waiting: ((bytes: number) => void) | null = null;
  #bytes = 0;
  #ref = 0;

  private constructor(ws: WebSocket) {
    this.#ws = ws;
    ws.on('message', (data: Buffer) => {
      this.#bytes += data.length;
      const text = data.toString('utf8');
      // one frame, or a batch (a JSON array) of an event's messages; the patch / reply answers the event
      if (this.#waiting && (text.includes('{"type":"patch"') || text.includes('{"type":"reply"') || text.includes('{"type":"mounted"'))) {
        const done = this.#waiting;
        this.#waiting = null;
        const bytes = this.#bytes;
        this.#bytes = 0;
        done(bytes);
      } else if (text.includes('{"type":"error"')) throw new Error(`bench: the server answered ${text.slice(0, 300)}`);
    });
  }

  static async open(base: string, pathname: string): Promise<Conn> {
    const { token } = await fetchPage(base, pathname);
    const ws = new WebSocket(webSocketUrl(base), { perMessageDeflate: false });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const conn = new Conn(ws);
    await conn.#send({ type: 'mount', token });
    return conn;
  }

  event(event: string, params: Record<string, string | number>): Promise<number> {
    this.#ref += 1;
    return this.#send({ type: 'event', ref: this.#ref, event, params });
  }

  #send(message: object): Promise<number> {
    return new Promise((resolve) => {
      this.#waiting = resolve;
      this.#ws.send(JSON.stringify(message));
    });
  }

  close(): void {
    this.#ws.close();
  }
}

async function start(): Promise<{ base: string; close(): Promise<void> }> {
  const live = djustLite({
    views: path.join(__dirname, 'views'),
    secret: 'bench-secret-bench-secret-bench-secret-0123456789',
    maxEventsPerSecond: 1_000_000,
    logger: { warn() {}, error() {} },
  });
  live.route('/feed', StreamFeedView);
  live.route('/list', StreamListView);
  live.route('/counter', CounterView);
  const app = express();
  app.use(live);
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  live.attach(server);
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      await live.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function heapMb(): string {
  gc?.();
  gc?.();
  return (process.memoryUsage().heapUsed / 1048576).toFixed(2);
}

async function heap(base: string): Promise<void> {
  if (!gc) throw new Error('bench/stream-heap.ts: run node with --expose-gc');
  const conn = await Conn.open(base, '/feed');
  console.log(`stream of ${ITEMS} items in pages of ${PAGE}, heap used after a full GC (MB):`);
  console.log(`items 0: ${heapMb()}`);
  let bytes = 0;
  for (let sent = 0; sent < ITEMS;) {
    bytes += await conn.event('page', { size: PAGE });
    sent += PAGE;
    if (sent % 10_000 === 0) console.log(`items ${sent}: ${heapMb()}  (wire so far ${(bytes / 1048576).toFixed(1)} MB)`);
  }
  conn.close();
}

/** CPU µs per event of `count` events on `conn`. */
async function cpuPerEvent(conn: Conn, event: string, params: (i: number) => Record<string, string | number>, count: number): Promise<{ us: number; bytes: number }> {
  const before = process.cpuUsage();
  let bytes = 0;
  for (let i = 0; i < count; i += 1) bytes += await conn.event(event, params(i));
  const used = process.cpuUsage(before);
  return { us: (used.user + used.system) / count, bytes: bytes / count };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function cpu(base: string): Promise<void> {
  const counter = await Conn.open(base, '/counter');
  const list = await Conn.open(base, '/list');
  const bump = (i: number) => ({ id: String((i * 7919) % StreamListView.rows) });
  await cpuPerEvent(counter, 'inc', () => ({}), 500); // warm-up
  await cpuPerEvent(list, 'bump', bump, 500);
  const c: number[] = [];
  const l: number[] = [];
  let cb = 0;
  let lb = 0;
  for (let round = 0; round < ROUNDS; round += 1) {
    const a = await cpuPerEvent(counter, 'inc', () => ({}), EVENTS);
    const b = await cpuPerEvent(list, 'bump', bump, EVENTS);
    c.push(a.us);
    l.push(b.us);
    cb = a.bytes;
    lb = b.bytes;
    console.log(`round ${round + 1}: counter ${a.us.toFixed(1)} µs/event, stream list (${StreamListView.rows} rows) ${b.us.toFixed(1)} µs/event`);
  }
  console.log(`median: counter ${median(c).toFixed(1)} µs/event (${cb.toFixed(0)} B), stream list ${median(l).toFixed(1)} µs/event (${lb.toFixed(0)} B); ratio ${(median(l) / median(c)).toFixed(2)}×`);
  counter.close();
  list.close();
}

async function main(): Promise<void> {
  const server = await start();
  try {
    if (process.argv[2] === 'cpu') await cpu(server.base);
    else await heap(server.base);
  } finally {
    await server.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
