/**
 * Broadcast from anywhere (docs/view-api.md, "Broadcast from anywhere"), with the Redis
 * adapter and a real redis-server: code that is not a view — a worker process with no routes
 * and no server, or the web process's data layer holding only the adapter — reaches a page's
 * `handleInfo` through `live.broadcast` / `adapter.broadcast`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import { djustLite, LiveView, type DjustLite, type MountContext } from '../../lib';
import { redisPubSub, type RedisPubSub } from '../../lib/redis';
import { liveTest, type LiveTestView } from '../../lib/testing';
import { RedisServer } from '../helpers/redis-server';

const SECRET = 'a-secret-both-processes-share-0123456789';
const quiet = { debug() {}, warn() {}, error() {} };

class OrderView extends LiveView {
  static override template = 'order.njk';
  status = 'placed';

  override mount(ctx: MountContext) {
    this.pageTitle = 'Order 7: placed';
    if (ctx.connected) this.subscribe('order:7');
  }

  override handleInfo(message: unknown) {
    this.status = (message as { status: string }).status;
    this.pageTitle = `Order 7: ${this.status}`;
  }
}

let redis: RedisServer;
let views: string;
let web: DjustLite;
let webPubsub: RedisPubSub;
let worker: DjustLite;
let app: express.Express;
const pages: LiveTestView[] = [];

beforeAll(async () => {
  redis = await RedisServer.start();
  views = fs.mkdtempSync(path.join(os.tmpdir(), 'djust-broadcast-'));
  fs.writeFileSync(path.join(views, 'order.njk'), '<title>{{ page_title }}</title><main dj-root><p>{{ status }}</p></main>{% djust_scripts %}');
  // The web process: the page lives here.
  webPubsub = redisPubSub({ url: redis.url, logger: quiet });
  web = djustLite({ views, secret: SECRET, pubsub: webPubsub, logger: quiet });
  web.route('/orders/7', OrderView);
  app = express();
  app.use(web);
  // A worker process: no routes, no server, only the adapter to reach the others.
  const workerPubsub = redisPubSub({ url: redis.url, logger: quiet });
  worker = djustLite({ views, secret: SECRET, pubsub: workerPubsub, logger: quiet });
  await Promise.all([webPubsub.ready, workerPubsub.ready]);
});
afterEach(async () => {
  await Promise.all(pages.splice(0).map((page) => page.close()));
});
afterAll(async () => {
  await worker?.close();
  await web?.close();
  await redis?.stop();
  if (views) fs.rmSync(views, { recursive: true, force: true });
});

async function openOrder(): Promise<LiveTestView> {
  const page = await liveTest(app, '/orders/7');
  pages.push(page);
  return page;
}

/** Broadcasts every 100 ms until the page's title is `title` (a fresh subscription takes a moment to reach Redis); at most 5 s. */
async function broadcastUntil(send: () => void, page: LiveTestView, title: string): Promise<void> {
  const end = Date.now() + 5000;
  for (let tick = 0; page.title !== title; tick += 1) {
    if (Date.now() > end) throw new Error(`the page still shows "${page.title}", not "${title}"`);
    if (tick % 10 === 0) send();
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('Broadcast from anywhere, across processes through Redis', () => {
  it('a worker with no views and no server reaches the page with live.broadcast', async () => {
    const page = await openOrder();
    expect(page.title).toBe('Order 7: placed');
    await broadcastUntil(() => worker.broadcast('order:7', { status: 'shipped' }), page, 'Order 7: shipped');
    expect(page.html()).toContain('<p>shipped</p>');
    // The worker has no views: it reached none of its own.
    expect(worker.broadcast('order:7', { status: 'shipped' })).toBe(0);
  });

  it('the data layer holding only the adapter reaches the page with adapter.broadcast, as live.broadcast does', async () => {
    const page = await openOrder();
    // The view subscribed in this process when it mounted: the adapter reaches it at once.
    expect(webPubsub.broadcast('order:7', { status: 'packed' })).toBe(1);
    await page.waitFor((view) => view.title === 'Order 7: packed');
    expect(page.html()).toContain('<p>packed</p>');
  });
});
