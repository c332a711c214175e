/**
 * Server CPU per broadcast message without sockets: 100 connections subscribed to one topic
 * (the soak's ChatView and template), each Sink encoding its messages as the WebSocket sink does
 * and dropping them. A burst of `b` broadcasts is published in one turn, then the scheduler
 * drains every subscriber; b = 1 is a subscriber keeping up, b > 1 one that fell behind (what
 * lib/connection/info-batch.ts renders once). Prints µs of process CPU per message delivered
 * and patches per message, medians of rounds, per burst size.
 *   npx ts-node --transpile-only bench/fanout-backlog.ts [--messages 20000] [--rounds 5]
 */
import { Connection, type Sink } from '../lib/connection/connection';
import type { LiveContext } from '../lib/connection/context';
import { RouteTable } from '../lib/routes/route-table';
import { Scheduler } from '../lib/connection/scheduler';
import { LiveView } from '../lib/view/live-view';
import { resolveOptions } from '../lib/config/options';
import type { ServerMessage } from '../lib/contract/protocol';
import { frameOf } from '../lib/transport/websocket';
import { MemoryPubSub } from '../lib/pubsub/pubsub';
import { Renderer } from '../lib/render/renderer';
import { prepareEnvironment } from '../lib/render/nunjucks';
import { TokenSigner } from '../lib/routes/token';
import nunjucks from 'nunjucks';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : NaN;
  return Number.isFinite(v) && v > 0 ? Math.min(v, 1e7) : fallback;
}

const MESSAGES = arg('messages', 20_000);
const ROUNDS = arg('rounds', 5);
const SUBSCRIBERS = 100;
const BURSTS = [1, 2, 4, 16];

const TEMPLATES: Record<string, string> = {
  'chat.njk': `<!doctype html>
<html><head>{% djust_head %}</head><body>
<main dj-root><p id="n">{{ n }}</p><ul>{% for line in lines %}<li>{{ line }}</li>{% endfor %}</ul></main>
{% djust_scripts %}</body></html>`,
};
const loader: nunjucks.ILoader = {
  getSource: (name: string) => {
    const src = TEMPLATES[name];
    if (src === undefined) throw new Error(`no template ${name}`);
    return { src, path: name, noCache: false };
  },
};

class ChatView extends LiveView {
  static override template = 'chat.njk';
  n = 0;
  lines: string[] = [];
  override mount(): void {
    this.pageTitle = 'Chat';
    if (this.connected) this.subscribe('chat:lobby');
  }
  override handleInfo(message: unknown): void {
    const text = (message as { text?: unknown }).text;
    this.n += 1;
    this.lines = [...this.lines.slice(-4), typeof text === 'string' ? text : ''];
    this.pageTitle = `Chat (${this.n})`;
  }
}

const env = prepareEnvironment(new nunjucks.Environment(loader, { autoescape: true }));
const options = resolveOptions({ env, secret: 'fanout-backlog-secret-fanout-backlog-0123456789', maxEventsPerSecond: 1e9 });
const signer = new TokenSigner(options.secrets, options.tokenTtlMs);
const routes = new RouteTable(options, signer);
routes.add('/chat', ChatView);
const pubsub = new MemoryPubSub();
const scheduler = new Scheduler();
const ctx: LiveContext = { options, renderer: new Renderer(env), signer, pubsub, scheduler, now: Date.now, routes };

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const idle = async (): Promise<void> => {
  for (let i = 0; i < 1e6 && scheduler.waiting > 0; i += 1) await new Promise((resolve) => setImmediate(resolve));
};

async function main(): Promise<void> {
  let patches = 0;
  let bytes = 0;
  const sink: Sink = {
    send(messages: readonly ServerMessage[]) {
      for (const m of messages) if (m.type === 'patch') patches += 1;
      bytes += frameOf(messages).length;
    },
    close() {},
    bufferedBytes: () => 0,
  };
  const connections: Connection[] = [];
  for (let i = 0; i < SUBSCRIBERS; i += 1) {
    const connection = new Connection(ctx, sink);
    connection.receive(JSON.stringify({ type: 'mount', token: signer.sign({ route: '/chat', params: {}, url: '/chat', exp: Date.now() + 3_600_000 }) }));
    connections.push(connection);
  }
  for (let i = 0; i < 100 && connections.some((c) => !c.mounted); i += 1) await new Promise((resolve) => setTimeout(resolve, 10));
  const rows: { burst: number; usPerMessage: number; patchesPerMessage: number }[] = [];
  for (const burst of BURSTS) {
    const us: number[] = [];
    const ppm: number[] = [];
    for (let round = 0; round <= ROUNDS; round += 1) {
      const bursts = Math.max(1, Math.round(MESSAGES / SUBSCRIBERS / burst));
      const p0 = patches;
      const c0 = process.cpuUsage();
      for (let b = 0; b < bursts; b += 1) {
        for (let k = 0; k < burst; k += 1) pubsub.broadcast('chat:lobby', { text: `hello ${k}` });
        await idle();
      }
      const c = process.cpuUsage(c0);
      const delivered = bursts * burst * SUBSCRIBERS;
      if (round === 0) continue; // warm-up
      us.push((c.user + c.system) / delivered);
      ppm.push((patches - p0) / delivered);
    }
    rows.push({ burst, usPerMessage: median(us), patchesPerMessage: median(ppm) });
  }
  console.log(`| burst (broadcasts per turn) | CPU per message | patches per message |`);
  console.log('|---|---|---|');
  for (const r of rows) console.log(`| ${r.burst} | ${r.usPerMessage.toFixed(1)} µs | ${r.patchesPerMessage.toFixed(2)} |`);
  console.log(JSON.stringify({ messages: MESSAGES, rounds: ROUNDS, subscribers: SUBSCRIBERS, bytes, rows }));
  await Promise.all(connections.map((c) => c.close()));
}

void main();
