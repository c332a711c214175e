/**
 * Server CPU per event without sockets: the bench's counter view on one Connection whose
 * Sink encodes the messages as the WebSocket sink does (one frame per job) and drops them.
 * Measures what djust-lite itself adds per click (parse → handler → render → diff → encode),
 * and the parts alone (render, diff, encode) for the profile's split; then one event after the
 * thread slept 0.2 ms and 1 ms (cold caches, as between one user's clicks).
 *   npx ts-node --transpile-only bench/hot-path.ts [--events 20000] [--rounds 5] [--event-only]
 * (--event-only also prints the process's CPU time per event, GC included: the figure to
 * compare two trees with on a loaded machine.) Prints µs per event (median of rounds) as a table, then JSON. With --expose-gc it also
 * mounts 3000 Connections and reports the JS heap each one holds when idle (no sockets: what
 * djust-lite keeps per connection on top of the transport), for the counter and for a 7 KB page.
 */
import path from 'node:path';
import { Connection, type Sink } from '../lib/connection/connection';
import type { LiveContext } from '../lib/connection/context';
import { RouteTable } from '../lib/routes/route-table';
import { Scheduler } from '../lib/connection/scheduler';
import { createView, LiveView, templateContext } from '../lib/view/live-view';
import { resolveOptions } from '../lib/config/options';
import type { ServerMessage } from '../lib/contract/protocol';
import { frameOf } from '../lib/transport/websocket';
import { MemoryPubSub } from '../lib/pubsub/pubsub';
import { RegionState } from '../lib/render/region';
import { createEnvironment } from '../lib/render/nunjucks';
import { Renderer, type RegionSlot } from '../lib/render/renderer';

const regionSlot = (): RegionSlot => ({ suffix: undefined, rootTag: '' });
import { TokenSigner } from '../lib/routes/token';
import { CounterView } from './counter-view';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : NaN;
  return Number.isFinite(v) && v > 0 ? Math.min(v, 1e7) : fallback;
}

const EVENTS = arg('events', 20_000);
const ROUNDS = arg('rounds', 5);
const options = resolveOptions({ views: path.join(__dirname, 'views'), secret: 'hot-path-secret-hot-path-secret-0123456789', maxEventsPerSecond: 1e9 });
const renderer = new Renderer(createEnvironment(options.views));
const signer = new TokenSigner(options.secrets, options.tokenTtlMs);
/** A page of a realistic size: ~2 KB of navigation, a ~2.5 KB live region, ~2.5 KB of footer. */
class PageView extends LiveView {
  static override template = 'page.njk';
  count = 3;
  label = 'Inbox';
}

const routes = new RouteTable(options, signer);
const counterRoute = routes.add('/counter', CounterView);
routes.add('/page', PageView);
const ctx: LiveContext = { options, renderer, signer, pubsub: new MemoryPubSub(), scheduler: new Scheduler(), now: Date.now, routes };

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

/** µs per event through Connection.receive, sink encoding every message. */
async function fullEvent(): Promise<number> {
  let bytes = 0;
  let pending: (() => void) | null = null;
  const sink: Sink = {
    send(messages: readonly ServerMessage[]) {
      bytes += frameOf(messages).length;
      pending?.();
    },
    close() {},
    bufferedBytes: () => 0,
  };
  const connection = new Connection(ctx, sink);
  const token = signer.sign({ route: '/counter', params: {}, url: '/counter', exp: Date.now() + 60_000 });
  const step = (text: string) => new Promise<void>((resolve) => {
    pending = resolve;
    connection.receive(text);
  });
  await step(JSON.stringify({ type: 'mount', token }));
  const frame = '{"type":"event","ref":1,"event":"inc","params":{}}';
  for (let i = 0; i < 2000; i += 1) await step(frame); // warm-up
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  for (let i = 0; i < EVENTS; i += 1) await step(frame);
  const us = Number(process.hrtime.bigint() - start) / 1000 / EVENTS;
  const used = process.cpuUsage(cpu);
  lastCpu = (used.user + used.system) / EVENTS;
  await connection.close();
  if (bytes === 0) throw new Error('no bytes sent');
  return us;
}
/** The process's CPU time (user + system, GC included) per event of the last fullEvent, µs: steadier than wall time on a loaded machine. */
let lastCpu = 0;

/** µs per renderRegion of a mounted counter view (context + Nunjucks + region cut). */
function renderOnly(): number {
  const view = createView(CounterView, (t) => t) as CounterView;
  const slot = regionSlot();
  view.mount();
  for (let i = 0; i < 2000; i += 1) renderer.renderRegion(counterRoute, templateContext(view), slot);
  const start = process.hrtime.bigint();
  for (let i = 0; i < EVENTS; i += 1) {
    view.count = i;
    renderer.renderRegion(counterRoute, templateContext(view), slot);
  }
  return Number(process.hrtime.bigint() - start) / 1000 / EVENTS;
}

/** µs per RegionState.update of the counter region (one text op). */
function diffOnly(): number {
  const html = (n: number) => `<p id="count">${n}</p><p>clicks</p>`;
  const region = new RegionState(html(0));
  for (let i = 1; i <= 2000; i += 1) region.update(html(i));
  const start = process.hrtime.bigint();
  for (let i = 0; i < EVENTS; i += 1) region.update(html(i + 3000));
  return Number(process.hrtime.bigint() - start) / 1000 / EVENTS;
}

/** µs per encode of one event's messages (patch + page_metadata, one frame). */
function encodeOnly(): number {
  const start = process.hrtime.bigint();
  let n = 0;
  for (let i = 0; i < EVENTS; i += 1) {
    n += frameOf([{ type: 'patch', ref: i, ops: [['t', [0, 0], String(i)]] }, { type: 'page_metadata', action: 'title', value: `Counter ${i}` }]).length;
  }
  if (n === 0) throw new Error('unreachable');
  return Number(process.hrtime.bigint() - start) / 1000 / EVENTS;
}

/**
 * µs per event (median) when the thread sleeps `gapMs` before each one, as a server does
 * between the clicks of one user: the same work runs several times slower on cold caches
 * (what p50 at 1 connection measures). Times only `receive`, which for the counter's
 * synchronous handler runs the whole job, write included.
 */
async function afterIdle(gapMs: number, events = 2000): Promise<number> {
  const sink: Sink = { send(messages) { frameOf(messages); }, close() {}, bufferedBytes: () => 0 };
  const connection = new Connection(ctx, sink);
  connection.receive(JSON.stringify({ type: 'mount', token: signer.sign({ route: '/counter', params: {}, url: '/counter', exp: Date.now() + 60_000 }) }));
  for (let i = 0; i < 100 && !connection.mounted; i += 1) await new Promise((resolve) => setTimeout(resolve, 5));
  if (!connection.mounted) throw new Error('mount failed');
  const frame = '{"type":"event","ref":1,"event":"inc","params":{}}';
  for (let i = 0; i < 2000; i += 1) connection.receive(frame);
  if (connection.queued !== 0) throw new Error('events queued: the handler is not synchronous');
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  const times: number[] = [];
  for (let i = 0; i < events; i += 1) {
    Atomics.wait(sleeper, 0, 0, gapMs);
    const start = process.hrtime.bigint();
    connection.receive(frame);
    times.push(Number(process.hrtime.bigint() - start) / 1000);
  }
  void connection.close();
  return median(times);
}

/** Heap bytes per idle mounted Connection on `route` (null without --expose-gc). */
async function idleHeap(count: number, route: '/counter' | '/page'): Promise<number | null> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return null;
  const sink: Sink = { send() {}, close() {}, bufferedBytes: () => 0 };
  const token = signer.sign({ route, params: {}, url: route, exp: Date.now() + 60_000 });
  const mount = JSON.stringify({ type: 'mount', token });
  const held: Connection[] = [];
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < count; i += 1) {
    const connection = new Connection(ctx, sink);
    connection.receive(mount);
    held.push(connection);
  }
  await new Promise((resolve) => setTimeout(resolve, 50));
  if (!held.every((c) => c.mounted)) throw new Error('mount failed');
  gc();
  const bytes = (process.memoryUsage().heapUsed - before) / count;
  await Promise.all(held.map((c) => c.close()));
  return Math.round(bytes);
}

async function main(): Promise<void> {
  if (process.argv.includes('--event-only')) {
    // For `node --cpu-prof`: the full event alone, nothing else in the profile.
    const times: number[] = [];
    const cpus: number[] = [];
    for (let r = 0; r < ROUNDS; r += 1) {
      times.push(await fullEvent());
      cpus.push(lastCpu);
    }
    console.log(`event (full): ${median(times).toFixed(2)} µs (median of ${ROUNDS} × ${EVENTS}); CPU ${median(cpus).toFixed(2)} µs`);
    return;
  }
  const rows: Record<string, number[]> = { 'event (full)': [], render: [], diff: [], encode: [] };
  for (let r = 0; r < ROUNDS; r += 1) {
    rows['event (full)']?.push(await fullEvent());
    rows.render?.push(renderOnly());
    rows.diff?.push(diffOnly());
    rows.encode?.push(encodeOnly());
  }
  const result = Object.fromEntries(Object.entries(rows).map(([k, v]) => [k, Number(median(v).toFixed(2))]));
  console.log(`hot path, µs per event (median of ${ROUNDS} × ${EVENTS}), node ${process.version}`);
  for (const [k, v] of Object.entries(result)) console.log(`  ${k.padEnd(26)} ${v.toFixed(2).padStart(8)}`);
  const idle: Record<string, number> = {};
  for (const ms of [0.2, 1]) idle[`event after ${ms} ms idle`] = Number((await afterIdle(ms)).toFixed(2));
  for (const [k, v] of Object.entries(idle)) console.log(`  ${k.padEnd(26)} ${v.toFixed(2).padStart(8)}`);
  Object.assign(result, idle);
  const heap = await idleHeap(3000, '/counter');
  const pageHeap = await idleHeap(3000, '/page');
  if (heap !== null) console.log(`  heap per idle mounted connection: ${heap} B (counter), ${pageHeap} B (7 KB page, bench/views/page.njk)`);
  console.log(JSON.stringify({ ...result, idleHeapBytes: heap, idleHeapBytesPage: pageHeap }));
}

void main();
