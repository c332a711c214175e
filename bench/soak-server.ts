/**
 * The server of `npm run soak` (bench/soak.ts) and __tests__/soak.test.ts, in its own process
 * (forked with --expose-gc through bench/spawn.ts): djust-lite with its shipped defaults unless
 * SOAK_OPTIONS (JSON) overrides some, and three routes:
 *
 * - `/echo?c=<id>`: EchoView. `mount` puts the connection's id `c` in the title (`<c> #0`);
 *   `step {seq}` writes `<c>:<seq>` into the region and `<c> #<seq>` into the title, so the
 *   client can check by content that each answer is its own, once, in order. `hold {ms}`
 *   keeps the queue busy (an async handler, a DB call) for up to 10 s. `ok` bumps a counter.
 * - `/chat`: ChatView, subscribed to `chat:lobby` once connected; `say {text}` broadcasts.
 * - `/ping`: plain text, answered by Express before djust-lite (the freeze prober's page).
 * - `/soak/stats`: JSON counts the parent reads — unhandled rejections, uncaught exceptions,
 *   errors and warnings djust-lite logged, live connections, and the longest event-loop delay
 *   since the last `?reset=1` (`monitorEventLoopDelay`, 2 ms resolution): how long the server
 *   itself was blocked, whatever the client side's scheduling.
 *
 * Unhandled rejections and uncaught exceptions are counted, not fatal, so one fuzzed frame
 * that trips a bug is reported with the others instead of ending the run; the parent counts a
 * child that stops answering as a crash.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import express from 'express';
import nunjucks from 'nunjucks';
import { djustLite, eventHandler, LiveView, type DjustLiteOptions, type MountContext } from '../lib';
import { listenForParent } from './server-child';
import { registerSecRoutes, secPubsub, secStats, SEC_TEMPLATES } from './soak-sec-views';
import { ServerDiagnostics } from './soak-diag';

const TEMPLATES: Record<string, string> = {
  'echo.njk': `<!doctype html>
<html><head>{% djust_head %}</head><body>{% djust_flash %}
<main dj-root><p id="who">{{ c }}:{{ seq }}</p><p id="oks">{{ oks }}</p></main>
{% djust_scripts %}</body></html>`,
  'chat.njk': `<!doctype html>
<html><head>{% djust_head %}</head><body>
<main dj-root><p id="n">{{ n }}</p><ul>{% for line in lines %}<li>{{ line }}</li>{% endfor %}</ul></main>
{% djust_scripts %}</body></html>`,
};

/** Templates from the object above: the soak needs no files outside bench/soak*. */
const loader: nunjucks.ILoader = {
  getSource: (name: string) => {
    const src = TEMPLATES[name] ?? SEC_TEMPLATES[name];
    if (src === undefined) throw new Error(`soak-server: no template ${name}`);
    return { src, path: name, noCache: false };
  },
};

const counts = { unhandledRejections: 0, uncaughtExceptions: 0, errorsLogged: 0, warningsLogged: 0, firstProblems: [] as string[] };
function note(kind: keyof Omit<typeof counts, 'firstProblems'>, text: string): void {
  counts[kind] += 1;
  if (counts.firstProblems.length < 10) counts.firstProblems.push(`${kind}: ${text.slice(0, 500)}`);
}
process.on('unhandledRejection', (reason) => note('unhandledRejections', String((reason as Error)?.stack ?? reason)));
process.on('uncaughtException', (err) => note('uncaughtExceptions', String(err.stack ?? err)));

/** Reads a finite number from fuzzable params, within [0, max]. */
function num(value: unknown, max: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? Math.min(Math.max(value, 0), max) : 0;
}

class EchoView extends LiveView {
  static override template = 'echo.njk';
  c = '';
  seq = 0;
  oks = 0;

  override mount(ctx: MountContext): void {
    const c = ctx.query.c;
    this.c = typeof c === 'string' ? c.slice(0, 64) : '';
    this.pageTitle = `${this.c} #0`;
  }

  @eventHandler()
  step(params: Record<string, unknown>): void {
    this.seq = num(params.seq, 1e9);
    this.pageTitle = `${this.c} #${this.seq}`;
  }

  @eventHandler()
  ok(): void {
    this.oks += 1;
    this.pageTitle = `${this.c} ok ${this.oks}`;
  }

  @eventHandler()
  async hold(params: Record<string, unknown>): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, num(params.ms, 10000)));
  }
}

let broadcast: (topic: string, message: unknown) => number = () => 0;

class ChatView extends LiveView {
  static override template = 'chat.njk';
  n = 0;
  lines: string[] = [];

  override mount(ctx: MountContext): void {
    this.pageTitle = 'Chat';
    if (ctx.connected) this.subscribe('chat:lobby');
  }

  @eventHandler()
  say(params: Record<string, unknown>): void {
    broadcast('chat:lobby', { text: typeof params.text === 'string' ? params.text.slice(0, 200) : '' });
  }

  override handleInfo(message: unknown): void {
    const text = (message as { text?: unknown }).text;
    this.n += 1;
    this.lines = [...this.lines.slice(-4), typeof text === 'string' ? text : ''];
    this.pageTitle = `Chat (${this.n})`;
  }
}

const overrides = JSON.parse(process.env.SOAK_OPTIONS ?? '{}') as DjustLiteOptions;
const pubsub = secPubsub();
const live = djustLite({
  ...(pubsub && { pubsub }),
  env: new nunjucks.Environment(loader, { autoescape: true }),
  secret: 'soak-secret-soak-secret-soak-secret-0123456789',
  logger: {
    warn: (m) => note('warningsLogged', m),
    error: (m, e) => note('errorsLogged', `${m} ${String((e as Error)?.stack ?? e)}`),
  },
  ...overrides,
});
broadcast = live.broadcast;
live.route('/echo', EchoView);
live.route('/chat', ChatView);
registerSecRoutes(live);

const app = express();
app.get('/ping', (_req, res) => {
  res.type('text/plain').send('ok');
});
const loopDelay = monitorEventLoopDelay({ resolution: 2 });
loopDelay.enable();
const diagnostics = new ServerDiagnostics(loopDelay);
app.get('/soak/stats', (req, res) => {
  const loopDelayMaxMs = loopDelay.max / 1e6;
  res.json({ ...counts, connections: live.connectionCount, loopDelayMaxMs, diag: diagnostics.read(req.query.reset === '1'), ...secStats(pubsub) });
});
app.use(live);
listenForParent(app, live);
