/**
 * Chromium through a real nginx balancing two djust-lite apps round robin (no sticky sessions),
 * the Redis adapter between them, over SSE (the proxy passes no upgrade): the page's POSTs land
 * on either, and a gallery upload of several chunks arrives whole, the chunks that reach the
 * process not holding the stream forwarded through Redis (docs/scaling.md, docs/uploads.md).
 */
import { redisPubSub, type RedisPubSub } from '../../lib/redis';
import { startNginx, type Nginx } from '../helpers/nginx';
import { RedisServer } from '../helpers/redis-server';
import { useBrowser } from './support/browser';
import { bigPng } from './support/png';
import { startDemo, type DemoServer, type ServerLog } from './support/demo-server';
import { waitLive } from './support/page';

const browser = useBrowser();
/** Five chunks at the default chunk size (256,000 bytes). */
const BIG_PNG = bigPng(1_100_000);

let redis: RedisServer;
const adapters: RedisPubSub[] = [];
const apps: DemoServer[] = [];
const logs: ServerLog[] = [];
let proxy: Nginx;

beforeAll(async () => {
  redis = await RedisServer.start();
  for (let i = 0; i < 2; i += 1) {
    const pubsub = redisPubSub({ url: redis.url, logger: { warn() {}, error() {} } });
    adapters.push(pubsub);
    await pubsub.ready;
    const log: ServerLog = { errors: [], warnings: [] };
    logs.push(log);
    apps.push(await startDemo({ pubsub, transport: 'sse' }, 0, log));
  }
  proxy = await startNginx(apps.map((a) => a.port), [{ mount: '', websocket: false }]);
}, 30_000);

afterAll(async () => {
  await proxy?.stop();
  for (const app of apps) await app.stop();
  for (const adapter of adapters) await adapter.close();
  await redis?.stop();
});

describe('two processes behind nginx round robin, over SSE', () => {
  test('a gallery upload arrives whole while its chunk POSTs land on both processes (the other one forwards)', async () => {
    const context = await browser().newContext();
    try {
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (err) => void errors.push(String(err)));
      expect((await page.goto(`${proxy.origins[0]}/uploads`))?.status()).toBe(200);
      await waitLive(page);

      await page.setInputFiles('#photos-input', [{ name: 'big.png', mimeType: 'image/png', buffer: BIG_PNG }]);
      await page.waitForFunction(() => document.querySelectorAll('ul.entries li.entry').length === 1);
      await page.click('#gallery-save');
      await page.waitForFunction(() => document.querySelectorAll('#gallery img').length === 1, undefined, { timeout: 20_000 });
      // The stored bytes are the PNG picked: it decodes to its one pixel.
      await page.waitForFunction(() => (document.querySelector('#gallery img') as HTMLImageElement).naturalWidth === 1);

      // What nginx sent where: SSE POSTs (envelopes, chunks), by the app that answered them.
      const posts = proxy.accessLog().split('\n').filter((line) => line.startsWith('"POST /djust/sse/'));
      const at = (port: number, kind: RegExp) => posts.filter((line) => kind.test(line) && line.endsWith(`127.0.0.1:${port}`));
      const chunks = apps.map((app) => at(app.port, /\/upload HTTP/));
      expect(chunks.flat().length).toBe(5);
      expect(chunks.flat().every((line) => / 202 /.test(line))).toBe(true);
      expect(chunks.every((c) => c.length > 0)).toBe(true); // round robin: some chunks were forwarded
      expect(posts.every((line) => / 202 /.test(line))).toBe(true); // the envelopes too, wherever they landed
      expect(errors).toEqual([]);
      expect(logs.flatMap((l) => l.errors)).toEqual([]);
      expect(adapters.every((a) => a.stats.connected && a.stats.ignored === 0)).toBe(true);
    } finally {
      await context.close();
    }
  }, 60_000);
});
