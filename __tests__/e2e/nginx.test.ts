/**
 * Chromium through a real nginx (the README's config) in front of an app mounted at `/app`
 * with `trust proxy`: the tab's title and meta follow the view over WebSocket, and over SSE
 * where the proxy does not pass the upgrade.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { Page } from 'playwright-core';
import { djustLite, type DjustLite } from '../../lib';
import { startNginx, type Nginx } from '../helpers/nginx';
import { DEPLOY_VIEWS, StoreView } from '../deploy/store-app';
import { useBrowser } from './support/browser';
import { metaByKey, metaTags, waitForTitle, waitLive } from './support/page';

const browser = useBrowser();
let live: DjustLite;
let server: http.Server;
let proxy: Nginx;
const serverErrors: string[] = [];

beforeAll(async () => {
  live = djustLite({ views: DEPLOY_VIEWS, secret: 'e2e-nginx-secret-0123456789abcdef0123456', logger: { warn: (m) => void serverErrors.push(m), error: (m) => void serverErrors.push(m) } });
  live.route('/store/:id', StoreView);
  const app = express();
  app.set('trust proxy', 'loopback');
  app.use('/app', live);
  server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  live.attach(server);
  proxy = await startNginx((server.address() as AddressInfo).port, [{ mount: '/app' }, { mount: '/app', websocket: false }]);
});

afterAll(async () => {
  await proxy?.stop();
  await live?.close();
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
});

/** Opens `url` in a fresh context; records page errors, WebSockets opened and SSE streams requested. */
async function openPage(url: string): Promise<{ page: Page; errors: string[]; websockets: string[]; streams: string[]; close(): Promise<void> }> {
  const context = await browser().newContext();
  const page = await context.newPage();
  const errors: string[] = [];
  const websockets: string[] = [];
  const streams: string[] = [];
  page.on('pageerror', (err) => void errors.push(String(err)));
  page.on('websocket', (ws) => ws.on('framereceived', () => void (websockets.includes(ws.url()) || websockets.push(ws.url()))));
  page.on('request', (req) => {
    if (req.method() === 'GET' && new URL(req.url()).pathname.startsWith('/app/djust/sse/')) streams.push(req.url());
  });
  const response = await page.goto(url);
  expect(response?.status()).toBe(200);
  return { page, errors, websockets, streams, close: () => context.close() };
}

async function clickAndCheckHead(page: Page, n: number): Promise<void> {
  await page.click('#click');
  await waitForTitle(page, `Item 1 (${n})`);
  expect(metaByKey(await metaTags(page)).description).toEqual([`Clicked ${n}`]);
}

describe('Chromium through nginx, app mounted at /app', () => {
  it('title and meta update over WebSocket', async () => {
    const tab = await openPage(`${proxy.origins[0]}/app/store/1`);
    try {
      await waitLive(tab.page);
      expect(await tab.page.title()).toBe('Item 1');
      await clickAndCheckHead(tab.page, 1);
      await clickAndCheckHead(tab.page, 2);
      expect(tab.websockets).toEqual([`${proxy.origins[0]?.replace('http', 'ws')}/app/djust/ws`]);
      expect(tab.streams).toEqual([]);
      expect(tab.errors).toEqual([]);
    } finally {
      await tab.close();
    }
  });

  it('title and meta update over SSE where the proxy does not pass the upgrade', async () => {
    const tab = await openPage(`${proxy.origins[1]}/app/store/1`);
    try {
      await waitLive(tab.page, 15000); // the client gives up on WebSocket first
      await clickAndCheckHead(tab.page, 1);
      await clickAndCheckHead(tab.page, 2);
      expect(tab.websockets).toEqual([]);
      expect(tab.streams.length).toBeGreaterThan(0);
      expect(tab.errors).toEqual([]);
    } finally {
      await tab.close();
    }
    expect(serverErrors).toEqual([]);
  });
});
