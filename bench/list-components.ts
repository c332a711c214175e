/**
 * Server work per event on the list page built from LiveComponents (docs/components.md): a
 * table of N rows, one `Row` component per row; each click runs one row's own handler (its
 * count + 1, and the page title), so only that component renders and is diffed. Compared, in
 * interleaved rounds, with the bench counter on the same harness as bench/hot-path.ts (one
 * Connection, the WebSocket sink's encoding, no sockets).
 *   npx ts-node --transpile-only bench/list-components.ts [--rows 5000] [--events 5000] [--rounds 5]
 * Prints µs per event and bytes per event (medians of the rounds) and their ratio, then JSON.
 */
import path from 'node:path';
import { Connection, type Sink } from '../lib/connection/connection';
import type { LiveContext } from '../lib/connection/context';
import { RouteTable } from '../lib/routes/route-table';
import { Scheduler } from '../lib/connection/scheduler';
import { LiveView } from '../lib/view/live-view';
import { LiveComponent } from '../lib/view/live-component';
import { eventHandler } from '../lib/view/decorators';
import { resolveOptions } from '../lib/config/options';
import type { ServerMessage } from '../lib/contract/protocol';
import { frameOf } from '../lib/transport/websocket';
import { MemoryPubSub } from '../lib/pubsub/pubsub';
import { createEnvironment } from '../lib/render/nunjucks';
import { Renderer } from '../lib/render/renderer';
import { TokenSigner } from '../lib/routes/token';
import { CounterView } from './counter-view';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : NaN;
  return Number.isFinite(v) && v > 0 ? Math.min(v, 1e7) : fallback;
}

const ROWS = arg('rows', 5000);
const EVENTS = arg('events', 5000);
const ROUNDS = arg('rounds', 5);

/** One row: its own count, bumped by its own button; the click also sets the page title. */
class Row extends LiveComponent {
  static override template = 'list-row.njk';
  id = 0;
  name = '';
  count = 0;

  @eventHandler()
  bump(): void {
    this.count += 1;
    this.pageTitle = `Row ${this.id}: ${this.count}`;
  }
}

class ListView extends LiveView {
  static override template = 'list-components.njk';
  Row = Row;
  rows = Array.from({ length: ROWS }, (_, i) => ({ id: i + 1, name: `Item ${i + 1}` }));
}

const options = resolveOptions({ views: path.join(__dirname, 'views'), secret: 'list-components-secret-0123456789abcdef', maxEventsPerSecond: 1e9 });
const renderer = new Renderer(createEnvironment(options.views));
const signer = new TokenSigner(options.secrets, options.tokenTtlMs);
const routes = new RouteTable(options, signer);
routes.add('/counter', CounterView);
routes.add('/list', ListView);
const ctx: LiveContext = { options, renderer, signer, pubsub: new MemoryPubSub(), scheduler: new Scheduler(), now: Date.now, routes };

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

/** A mounted Connection on `route`, and a step that sends one frame and waits for its answer. */
async function mounted(route: string): Promise<{ step(text: string): Promise<void>; bytes(): number; first(): string; close(): Promise<void> }> {
  let bytes = 0;
  let first = '';
  let pending: (() => void) | null = null;
  const sink: Sink = {
    send(messages: readonly ServerMessage[]) {
      const frame = frameOf(messages);
      if (first === '' || process.env.SHOW_FRAMES) first = frame;
      bytes += frame.length;
      pending?.();
    },
    close() {},
    bufferedBytes: () => 0,
  };
  const connection = new Connection(ctx, sink);
  const step = (text: string) => new Promise<void>((resolve) => {
    pending = resolve;
    connection.receive(text);
  });
  await step(JSON.stringify({ type: 'mount', token: signer.sign({ route, params: {}, url: route, exp: Date.now() + 600_000 }) }));
  const mountedBytes = bytes;
  return { step, bytes: () => bytes - mountedBytes, first: () => first, close: () => connection.close() };
}

/** µs and bytes per event: `frames(i)` is the i-th event's frame. */
async function run(route: string, frames: (i: number) => string): Promise<{ us: number; bytes: number }> {
  const c = await mounted(route);
  for (let i = 0; i < 500; i += 1) await c.step(frames(i)); // warm-up
  const before = c.bytes();
  const start = process.hrtime.bigint();
  for (let i = 0; i < EVENTS; i += 1) await c.step(frames(i + 500));
  const us = Number(process.hrtime.bigint() - start) / 1000 / EVENTS;
  const bytes = (c.bytes() - before) / EVENTS;
  if (process.env.SHOW_FRAMES) console.log(c.first());
  await c.close();
  return { us, bytes };
}

async function main(): Promise<void> {
  // the component ids (dj-cid) run 1..ROWS in row order on a fresh mount
  const probe = await mounted('/list');
  const cid = /dj-cid=\\"(\d+)\\"/.exec(probe.first())?.[1]; // in the JSON frame: dj-cid=\"1\"
  await probe.close();
  if (cid !== '1') throw new Error(`expected the first row's dj-cid to be 1, got ${cid}`);
  let seed = 7;
  const randomRow = () => (seed = (seed * 48271) % 2147483647) % ROWS + 1;
  const counter = { us: [] as number[], bytes: [] as number[] };
  const list = { us: [] as number[], bytes: [] as number[] };
  for (let round = 0; round < ROUNDS; round += 1) {
    const c = await run('/counter', (i) => `{"type":"event","ref":${i},"event":"inc","params":{}}`);
    const l = await run('/list', (i) => `{"type":"event","ref":${i},"event":"bump","params":{},"target":${randomRow()}}`);
    counter.us.push(c.us);
    counter.bytes.push(c.bytes);
    list.us.push(l.us);
    list.bytes.push(l.bytes);
  }
  const result = {
    rows: ROWS,
    events: EVENTS,
    rounds: ROUNDS,
    counter: { usPerEvent: median(counter.us), bytesPerEvent: median(counter.bytes) },
    componentList: { usPerEvent: median(list.us), bytesPerEvent: median(list.bytes) },
    ratio: median(list.us) / median(counter.us),
  };
  console.log(`counter                     ${result.counter.usPerEvent.toFixed(1)} µs/event  ${result.counter.bytesPerEvent.toFixed(0)} B/event`);
  console.log(`list, ${ROWS} component rows  ${result.componentList.usPerEvent.toFixed(1)} µs/event  ${result.componentList.bytesPerEvent.toFixed(0)} B/event`);
  console.log(`ratio                       ${result.ratio.toFixed(2)}×`);
  console.log(JSON.stringify(result));
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
