/**
 * A keystroke's round trip while 2 s of slow work runs for the same page: awaited in
 * handleInfo (it holds the page's queue) and in startAsync (it runs off the queue).
 *   npx ts-node --transpile-only bench/async-keystroke.ts
 * Real server on 127.0.0.1:0, liveTest over WebSocket (and SSE).
 */
import express from 'express';
import { djustLite, LiveView, type AsyncOutcome } from '../lib';
import { liveTest } from '../lib/testing';
import { memoryEnvironment } from '../__tests__/helpers/memory-templates';

const SLOW_MS = 2000;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const TEMPLATES = {
  'page.njk': '<!doctype html><html><head>{% djust_head %}</head><body>{% block live %}<main dj-root>{{ keys }} {{ hits }}</main>{% endblock %}{% djust_scripts %}</body></html>',
};

class BlockingView extends LiveView {
  static template = 'page.njk';
  static events = ['key', 'search'];
  keys = 0;
  hits = '';
  key() { this.keys += 1; }
  search() { this.sendAfter('search', 0); }
  async handleInfo() { await sleep(SLOW_MS); this.hits = 'done'; }
}

class AsyncView extends LiveView {
  static template = 'page.njk';
  static events = ['key', 'search'];
  keys = 0;
  hits = '';
  key() { this.keys += 1; }
  search() { this.startAsync('search', async () => { await sleep(SLOW_MS); return 'done'; }); }
  handleAsync(_name: string, result: AsyncOutcome) { if (result.ok) this.hits = String(result.value); }
}

async function main(): Promise<void> {
  const live = djustLite({ env: memoryEnvironment(TEMPLATES), handlerTimeoutMs: 10_000, secret: 'measure-async-keystroke-secret-0123456789' });
  live.route('/blocking', BlockingView);
  live.route('/async', AsyncView);
  const app = express();
  app.use(live);
  for (const transport of ['websocket', 'sse'] as const) {
    for (const path of ['/blocking', '/async']) {
      const view = await liveTest(app, path, { transport, timeoutMs: 10_000 });
      await view.event('search');
      await sleep(50); // the slow work has started
      const started = performance.now();
      await view.event('key');
      const ms = performance.now() - started;
      await view.waitFor((v) => v.html().includes('done'), 'the slow work');
      console.log(`${transport.padEnd(9)} ${path.padEnd(9)} keystroke answered in ${ms.toFixed(0)} ms while ${SLOW_MS} ms of work ran`);
      await view.close();
    }
  }
  await live.close();
}

void main();
