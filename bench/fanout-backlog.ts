/**
 * Server CPU per broadcast message without sockets: 100 connections subscribed to one topic
 * (the soak's ChatView and template), each Sink encoding its messages as the WebSocket sink does
 * and dropping them. A burst of `b` broadcasts is published in one turn, then the scheduler
 * drains every subscriber; b = 1 is a subscriber keeping up, b > 1 one that fell behind (what
 * lib/connection/info-batch.ts renders once). Prints µs of process CPU per message delivered
 * and patches per message, medians of rounds, per burst size.
 *   npx ts-node -P bench/tsconfig.json bench/fanout-backlog.ts [--messages 20000] [--rounds 5]
 *
 * With two or more trees (checkouts with this repository's layout, e.g. a base worktree and
 * `.`), each tree's lib/ is loaded into this one process and measured in interleaved rounds (the
 * order rotates), as bench/hot-path-ab.ts does for clicks; each line then gives the median and
 * the sorted rounds per tree and burst. `--alloc` adds bytes allocated per delivery at burst 1
 * (needs `node --expose-gc --max-semi-space-size=64`: no scavenge may run inside a sample, and
 * a sample that had one is discarded):
 *   node --expose-gc --max-semi-space-size=64 -r ts-node/register bench/fanout-backlog.ts /work/wt-base84 . --rounds 9 --alloc
 *   (TS_NODE_PROJECT=bench/tsconfig.json TS_NODE_TRANSPILE_ONLY=1)
 */
import path from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import v8 from 'node:v8';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : NaN;
  return Number.isFinite(v) && v > 0 ? Math.min(v, 1e7) : fallback;
}

const MESSAGES = arg('messages', 20_000);
const ROUNDS = arg('rounds', 5);
const ALLOC = process.argv.includes('--alloc');
const SUBSCRIBERS = 100;
/** `--bursts 1,16`: only those burst sizes (e.g. for a profile). */
const BURSTS = (() => {
  const i = process.argv.indexOf('--bursts');
  const list = i >= 0 ? (process.argv[i + 1] ?? '').split(',').map(Number).filter((b) => Number.isInteger(b) && b > 0 && b <= 64) : [];
  return list.length > 0 ? list : [1, 2, 4, 16];
})();
const roots = process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && !['--messages', '--rounds', '--bursts'].includes(all[i - 1] ?? '')).map((r) => path.resolve(r));
if (roots.length === 0) roots.push(path.resolve(__dirname, '..'));

const TEMPLATES: Record<string, string> = {
  'chat.njk': `<!doctype html>
<html><head>{% djust_head %}</head><body>
<main dj-root><p id="n">{{ n }}</p><ul>{% for line in lines %}<li>{{ line }}</li>{% endfor %}</ul></main>
{% djust_scripts %}</body></html>`,
};

type Ctor = new (...args: unknown[]) => Record<string, (...args: unknown[]) => unknown>;
type Fn = (...args: unknown[]) => unknown;

/** One tree's 100 subscribers: `broadcast` publishes, `idle` waits until the scheduler drained them. */
interface Tree {
  root: string;
  ready: Promise<void>;
  broadcast(text: string): void;
  idle(): Promise<void>;
  patches(): number;
  close(): Promise<unknown>;
}

function load(root: string): Tree {
  const mod = (file: string): Record<string, unknown> => require(path.join(root, file)) as Record<string, unknown>;
  const Connection = mod('lib/connection/connection').Connection as Ctor;
  const RouteTable = mod('lib/routes/route-table').RouteTable as Ctor;
  const Scheduler = mod('lib/connection/scheduler').Scheduler as Ctor;
  const LiveView = mod('lib/view/live-view').LiveView as new () => object;
  const MemoryPubSub = mod('lib/pubsub/pubsub').MemoryPubSub as Ctor;
  const Renderer = mod('lib/render/renderer').Renderer as Ctor;
  const TokenSigner = mod('lib/routes/token').TokenSigner as Ctor;
  const resolveOptions = mod('lib/config/options').resolveOptions as Fn;
  const frameOf = mod('lib/transport/websocket').frameOf as (messages: unknown) => string | Buffer;
  const prepareEnvironment = mod('lib/render/nunjucks').prepareEnvironment as Fn;
  const nunjucks = require(require.resolve('nunjucks', { paths: [root] })) as typeof import('nunjucks');

  class ChatView extends LiveView {
    static template = 'chat.njk';
    n = 0;
    lines: string[] = [];
    declare pageTitle: string;
    declare connected: boolean;
    declare subscribe: (topic: string) => void;
    mount(): void {
      this.pageTitle = 'Chat';
      if (this.connected) this.subscribe('chat:lobby');
    }
    handleInfo(message: unknown): void {
      const text = (message as { text?: unknown }).text;
      this.n += 1;
      this.lines = [...this.lines.slice(-4), typeof text === 'string' ? text : ''];
      this.pageTitle = `Chat (${this.n})`;
    }
  }

  const loader = {
    getSource: (name: string) => {
      const src = TEMPLATES[name];
      if (src === undefined) throw new Error(`no template ${name}`);
      return { src, path: name, noCache: false };
    },
  };
  const env = prepareEnvironment(new nunjucks.Environment(loader, { autoescape: true }));
  const options = resolveOptions({ env, secret: 'fanout-backlog-secret-fanout-backlog-0123456789', maxEventsPerSecond: 1e9 }) as { secrets: unknown; tokenTtlMs: unknown };
  const signer = new TokenSigner(options.secrets, options.tokenTtlMs);
  const routes = new RouteTable(options, signer);
  routes.add?.('/chat', ChatView);
  const pubsub = new MemoryPubSub();
  const scheduler = new Scheduler() as unknown as { waiting: number };
  const ctx = { options, renderer: new Renderer(env), signer, pubsub, scheduler, now: Date.now, routes };
  let patches = 0;
  let bytes = 0;
  const sink = {
    send(messages: readonly { type: string }[]) {
      for (const m of messages) if (m.type === 'patch') patches += 1;
      bytes += frameOf(messages).length;
    },
    close() {},
    bufferedBytes: () => 0,
  };
  const connections: Record<string, (...args: unknown[]) => unknown>[] = [];
  for (let i = 0; i < SUBSCRIBERS; i += 1) {
    const connection = new Connection(ctx, sink);
    connection.receive?.(JSON.stringify({ type: 'mount', token: signer.sign?.({ route: '/chat', params: {}, url: '/chat', exp: Date.now() + 3_600_000 }) }));
    connections.push(connection);
  }
  const ready = (async () => {
    for (let i = 0; i < 200 && connections.some((c) => !c.mounted); i += 1) await new Promise((resolve) => setTimeout(resolve, 10));
    if (connections.some((c) => !c.mounted)) throw new Error(`${root}: subscribers did not mount`);
  })();
  return {
    root,
    ready,
    broadcast: (text) => void pubsub.broadcast?.('chat:lobby', { text }),
    idle: async () => {
      for (let i = 0; i < 1e6 && scheduler.waiting > 0; i += 1) await new Promise((resolve) => setImmediate(resolve));
    },
    patches: () => patches + (bytes < 0 ? 1 : 0),
    close: () => Promise.all(connections.map((c) => c.close?.())),
  };
}

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const sorted = (xs: readonly number[], digits: number): string => [...xs].sort((a, b) => a - b).map((x) => x.toFixed(digits)).join(' ');

/** µs of CPU and patches per message delivered, for one round of `burst`-sized bursts. */
async function round(tree: Tree, burst: number): Promise<{ us: number; ppm: number }> {
  const bursts = Math.max(1, Math.round(MESSAGES / SUBSCRIBERS / burst));
  const p0 = tree.patches();
  const c0 = process.cpuUsage();
  for (let b = 0; b < bursts; b += 1) {
    for (let k = 0; k < burst; k += 1) tree.broadcast(`hello ${k}`);
    await tree.idle();
  }
  const c = process.cpuUsage(c0);
  const delivered = bursts * burst * SUBSCRIBERS;
  return { us: (c.user + c.system) / delivered, ppm: (tree.patches() - p0) / delivered };
}

let scavenges = 0;
/** Bytes allocated per delivery at burst 1: heap growth over 10 broadcasts with no GC in between (NaN if one ran). */
async function allocation(tree: Tree): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('--alloc needs node --expose-gc (and --max-semi-space-size=64)');
  gc();
  await new Promise((resolve) => setTimeout(resolve, 5)); // the observer reports gc()'s own entry on a later turn
  const before = scavenges;
  const h0 = v8.getHeapStatistics().used_heap_size;
  for (let b = 0; b < 10; b += 1) {
    tree.broadcast('hello 0');
    await tree.idle();
  }
  const grown = v8.getHeapStatistics().used_heap_size - h0;
  await new Promise((resolve) => setImmediate(resolve)); // the GC observer reports on a later turn
  return scavenges === before ? grown / (10 * SUBSCRIBERS) : NaN;
}

async function main(): Promise<void> {
  const observer = new PerformanceObserver((list) => {
    scavenges += list.getEntries().length;
  });
  if (ALLOC) observer.observe({ entryTypes: ['gc'] });
  const trees = roots.map(load);
  for (const tree of trees) await tree.ready;
  const cpu = new Map<string, number[]>();
  const ppm = new Map<string, number[]>();
  const bytes = trees.map((): number[] => []);
  const key = (k: number, burst: number): string => `${k}:${burst}`;
  for (const burst of BURSTS) for (const tree of trees) await round(tree, burst); // warm-up
  for (let r = 0; r < ROUNDS; r += 1) {
    for (const burst of BURSTS) {
      for (let j = 0; j < trees.length; j += 1) {
        const k = (r + j) % trees.length; // the order rotates
        const { us, ppm: p } = await round(trees[k] as Tree, burst);
        (cpu.get(key(k, burst)) ?? cpu.set(key(k, burst), []).get(key(k, burst)))?.push(us);
        (ppm.get(key(k, burst)) ?? ppm.set(key(k, burst), []).get(key(k, burst)))?.push(p);
      }
    }
    if (ALLOC) {
      for (let j = 0; j < trees.length; j += 1) {
        const k = (r + j) % trees.length;
        const b = await allocation(trees[k] as Tree);
        if (!Number.isNaN(b)) bytes[k]?.push(b);
      }
    }
  }
  observer.disconnect();
  const load1 = (await import('node:os')).loadavg().map((x) => x.toFixed(2)).join(' ');
  console.log(`fan-out to ${SUBSCRIBERS} subscribers, CPU µs per message delivered (GC included), ${ROUNDS} interleaved rounds of ~${MESSAGES} deliveries, node ${process.version}, load ${load1}`);
  console.log(`| burst (broadcasts per turn) | ${trees.map((t) => `${path.relative(process.cwd(), t.root) || '.'}: CPU per message (rounds) | patches per message`).join(' | ')} |`);
  console.log(`|---|${trees.map(() => '---|---|').join('')}`);
  for (const burst of BURSTS) {
    const cells = trees.map((_, k) => {
      const us = cpu.get(key(k, burst)) ?? [];
      return `${median(us).toFixed(2)} µs (${sorted(us, 1)}) | ${median(ppm.get(key(k, burst)) ?? []).toFixed(2)}`;
    });
    console.log(`| ${burst} | ${cells.join(' | ')} |`);
  }
  if (ALLOC) {
    trees.forEach((tree, k) => {
      const xs = bytes[k] as number[];
      console.log(`bytes allocated per delivery (burst 1): ${xs.length > 0 ? median(xs).toFixed(0) : 'n/a (every sample had a GC)'}  ${tree.root}  [${sorted(xs, 0)}]`);
    });
  }
  await Promise.all(trees.map((t) => t.close()));
}

void main();
