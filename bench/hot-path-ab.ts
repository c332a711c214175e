/**
 * The counter's full event (bench/hot-path.ts's `fullEvent`: Connection.receive → handler →
 * render → diff → encode, no sockets) for two or more trees in ONE process, in interleaved
 * rounds: CPU time (user + system, GC included) per event, median and sorted rounds per tree.
 * On a loaded machine, two trees timed in separate processes differ by more than the change
 * being measured; here both share the process, its heap and the machine's state of the moment.
 *
 *   npx ts-node --transpile-only bench/hot-path-ab.ts /path/to/base-tree . [--rounds 15] [--events 20000] [--list 500]
 *
 * `--list N`: the list page of N rows (bench/list-view.ts, each click bumps one row and sets the
 * title) in place of the counter, 2,000 events a round by default; `--components N`: the same
 * page with a LiveComponent per row (bench/list-variants.ts), each click sent to one row's
 * component (its `dj-cid` read from the mounted region).
 *
 * Each tree is a checkout with this repository's layout (its lib/ and bench/counter-view.ts,
 * compiled by ts-node; node_modules resolved from the tree, or link this tree's). ts-node
 * writes nothing into either tree.
 */
import path from 'node:path';

interface Tree {
  root: string;
  step(text: string): Promise<void>;
  mount: string;
  /** The frame of click `n`: the counter's and the list's are all alike; a component row's names its row's `dj-cid`. */
  frame(n: number): string;
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : NaN;
  return Number.isFinite(v) && v > 0 ? Math.min(v, 1e7) : fallback;
}

/** `--list 500`: the list page of that many rows (bench/list-view.ts) instead of the counter. */
const LIST = arg('list', 0);
/** `--components 500`: the same page with a LiveComponent per row (bench/list-variants.ts), each click to one row's component. */
const COMPONENTS = arg('components', 0);
const EVENTS = arg('events', LIST > 0 || COMPONENTS > 0 ? 2_000 : 20_000);
const CLICK = '{"type":"event","ref":1,"event":"inc","params":{}}';
const ROUNDS = arg('rounds', 15);
const roots = process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && !(all[i - 1] ?? '').startsWith('--')).map((r) => path.resolve(r));

type Ctor = new (...args: unknown[]) => Record<string, (...args: unknown[]) => unknown>;
type Fn = (...args: unknown[]) => unknown;

/** One tree's counter on a Connection whose sink encodes each answer as the WebSocket sink does. */
function load(root: string): Tree {
  const mod = (file: string): Record<string, unknown> => require(path.join(root, file)) as Record<string, unknown>;
  const Connection = mod('lib/connection/connection').Connection as Ctor;
  const RouteTable = mod('lib/routes/route-table').RouteTable as Ctor;
  const Scheduler = mod('lib/connection/scheduler').Scheduler as Ctor;
  const MemoryPubSub = mod('lib/pubsub/pubsub').MemoryPubSub as Ctor;
  const Renderer = mod('lib/render/renderer').Renderer as Ctor;
  const TokenSigner = mod('lib/routes/token').TokenSigner as Ctor;
  const resolveOptions = mod('lib/config/options').resolveOptions as Fn;
  const frameOf = mod('lib/transport/websocket').frameOf as (messages: unknown) => string;
  const createEnvironment = mod('lib/render/nunjucks').createEnvironment as Fn;
  const options = resolveOptions({ views: path.join(root, 'bench', 'views'), secret: 'hot-path-secret-hot-path-secret-0123456789', maxEventsPerSecond: 1e9 }) as { views: string; secrets: unknown; tokenTtlMs: unknown };
  const renderer = new Renderer(createEnvironment(options.views));
  const signer = new TokenSigner(options.secrets, options.tokenTtlMs);
  const routes = new RouteTable(options, signer);
  const view = COMPONENTS > 0 ? (mod('bench/list-variants').componentListView as (rows: number) => unknown)(COMPONENTS)
    : LIST > 0 ? (mod('bench/list-view').listView as (rows: number) => unknown)(LIST) : mod('bench/counter-view').CounterView;
  routes.add?.('/counter', view);
  const ctx = { options, renderer, signer, pubsub: new MemoryPubSub(), scheduler: new Scheduler(), now: Date.now, routes };
  let pending: (() => void) | null = null;
  let bytes = 0;
  // the component rows' cids, read from the mounted region as the bench's client reads them (bench/list-clients.ts)
  let cids = new Map<number, number>();
  const componentIds = mod('bench/list-clients').componentIds as (html: string) => Map<number, number>;
  const rowOf = mod('bench/list-view').rowOf as (n: number, rows: number) => number;
  const sink = {
    send(messages: unknown) {
      bytes += frameOf(messages).length;
      const first = (messages as { type: string; html?: string }[])[0];
      if (COMPONENTS > 0 && first?.type === 'mounted' && first.html !== undefined) cids = componentIds(first.html);
      pending?.();
    },
    close() {},
    bufferedBytes: () => 0,
  };
  const connection = new Connection(ctx, sink);
  const token = signer.sign?.({ route: '/counter', params: {}, url: '/counter', exp: Date.now() + 3_600_000 });
  return {
    root,
    mount: JSON.stringify({ type: 'mount', token }),
    frame: (n) => {
      if (COMPONENTS === 0) return CLICK;
      const cid = cids.get(rowOf(n, COMPONENTS));
      if (cid === undefined) throw new Error(`${root}: no dj-cid for row ${rowOf(n, COMPONENTS)} in the mounted region`);
      return `{"type":"event","ref":1,"event":"inc","params":{},"target":${cid}}`;
    },
    step: (text) => new Promise<void>((resolve) => {
      pending = resolve;
      connection.receive?.(text);
      if (bytes < 0) throw new Error('unreachable');
    }),
  };
}

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function main(): Promise<void> {
  if (roots.length < 2) throw new Error('usage: bench/hot-path-ab.ts TREE_A TREE_B [... ] [--rounds 15] [--events 20000]');
  const trees = roots.map(load);
  const clicks = trees.map(() => 0);
  for (const [k, tree] of trees.entries()) {
    await tree.step(tree.mount);
    for (let i = 0; i < (LIST > 0 || COMPONENTS > 0 ? 500 : 5000); i += 1) await tree.step(tree.frame((clicks[k] as number)++)); // warm-up
  }
  const cpu: number[][] = trees.map(() => []);
  for (let r = 0; r < ROUNDS; r += 1) {
    for (let k = 0; k < trees.length; k += 1) {
      const index = (r + k) % trees.length; // the order rotates
      const tree = trees[index] as Tree;
      const before = process.cpuUsage();
      for (let i = 0; i < EVENTS; i += 1) await tree.step(tree.frame((clicks[index] as number)++));
      const used = process.cpuUsage(before);
      cpu[index]?.push((used.user + used.system) / EVENTS);
    }
  }
  console.log(`${COMPONENTS > 0 ? `list page, a component per row (${COMPONENTS} rows)` : LIST > 0 ? `list page (${LIST} rows)` : 'counter'} event, CPU µs per event (GC included), ${ROUNDS} interleaved rounds × ${EVENTS}, node ${process.version}`);
  trees.forEach((tree, k) => {
    const rounds = [...(cpu[k] as number[])].sort((a, b) => a - b);
    console.log(`  ${median(rounds).toFixed(2).padStart(6)}  ${tree.root}  [${rounds.map((x) => x.toFixed(2)).join(' ')}]`);
  });
}

void main();
