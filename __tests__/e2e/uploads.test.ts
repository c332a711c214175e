/**
 * Uploads in Chromium (demo/uploads.ts, docs/uploads.md) over WebSocket and SSE: files picked
 * with setInputFiles and dropped on the drop target, previews from object URLs, progress, cancel,
 * validation errors, the avatar's autoUpload, the uploads module loaded only where needed, and
 * a connection that drops mid-upload (the upload fails cleanly, nothing is left on the server), and
 * a file over several windows (each chunk answered once, answers of one write sharing a frame).
 */
import http from 'node:http';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import { randomBytes } from 'node:crypto';
import { djustLite, eventHandler, LiveView, type DjustLiteOptions } from '../../lib';
import { strictCsp } from './support/forms-app';
import { memoryEnvironment } from '../helpers/memory-templates';
import { useBrowser } from './support/browser';
import { bigPng, PNG } from './support/png';
import { runSession, TRANSPORTS } from './support/session';
import type { AppFactory } from './support/demo-server';

const browser = useBrowser();

/** A PNG over two 256,000-byte chunks. */
const BIG_PNG = bigPng(300_000);

describe.each(TRANSPORTS)('uploads over $name', (transport) => {
  test('gallery: pick, preview, cancel, drop, upload on submit; avatar uploads as soon as it is picked', () =>
    runSession(browser(), transport, async ({ open, context }) => {
      const loaded: string[] = [];
      context.on('request', (req) => {
        if (req.url().includes('/djust/djust-up.min.js')) loaded.push(new URL(req.url()).pathname);
      });
      await open('/');
      expect(loaded).toEqual([]); // a page without dj-upload does not load the module
      const page = await open('/uploads');
      await page.waitForFunction(() => performance.getEntriesByType('resource').some((r) => r.name.includes('djust-up.min.js')));
      expect(loaded).toEqual(['/djust/djust-up.min.js']);

      await page.setInputFiles('#photos-input', [
        { name: 'one.png', mimeType: 'image/png', buffer: BIG_PNG },
        { name: 'two.png', mimeType: 'image/png', buffer: PNG },
      ]);
      const entries = page.locator('ul.entries li.entry');
      await page.waitForFunction(() => document.querySelectorAll('ul.entries li.entry').length === 2);
      // Previews: object URLs, before any byte is sent.
      await page.waitForFunction(() => [...document.querySelectorAll('[dj-upload-preview]')].every((img) => (img as HTMLImageElement).src.startsWith('blob:')));
      expect(await page.locator('ul.entries progress').first().getAttribute('value')).toBe('0');

      // Cancel the second: it leaves the list.
      await page.click('li.entry:has-text("two.png") button');
      await page.waitForFunction(() => document.querySelectorAll('ul.entries li.entry').length === 1);

      // Drop a third on the drop target.
      const dataTransfer = await page.evaluateHandle((bytes) => {
        const dt = new DataTransfer();
        dt.items.add(new File([new Uint8Array(bytes)], 'three.png', { type: 'image/png' }));
        return dt;
      }, [...PNG]);
      await page.dispatchEvent('#drop', 'drop', { dataTransfer });
      await page.waitForFunction(() => document.querySelectorAll('ul.entries li.entry').length === 2);
      expect(await entries.allTextContents()).toEqual([expect.stringContaining('one.png'), expect.stringContaining('three.png')]);

      // Submit: the files are sent (progress), then save consumes them into the gallery.
      await page.click('#gallery-save');
      await page.waitForFunction(() => document.querySelectorAll('#gallery img').length === 2);
      expect(await entries.count()).toBe(0);
      const sizes = await page.$$eval('#gallery img', (imgs) => imgs.map((img) => (img as HTMLImageElement).naturalWidth));
      expect(sizes).toEqual([1, 1]); // the stored bytes are the PNGs picked

      // Not accepted: refused before a byte is sent, shown in the template.
      await page.setInputFiles('#photos-input', [{ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hi') }]);
      await page.locator('li.entry:has-text("notes.txt") .field-error').filter({ hasText: 'not_accepted' }).waitFor();

      // Avatar: autoUpload, consumed by its progress callback.
      await page.setInputFiles('#avatar-input', [{ name: 'me.png', mimeType: 'image/png', buffer: PNG }]);
      await page.locator('#avatar').waitFor();
      expect(await page.$eval('#avatar', (img) => (img as HTMLImageElement).naturalWidth)).toBe(1);
    }));
});

/** The stand-in for object storage: takes presigned-style POST forms on 127.0.0.1, with CORS; what it received, by key. */
function storage(): Promise<{ url: string; received: Map<string, { bytes: number; type: string }>; close(): Promise<void> }> {
  const received = new Map<string, { bytes: number; type: string }>();
  const server = http.createServer((req, res) => {
    res.setHeader('Access-Control-Allow-Origin', '*');
    if (req.method === 'OPTIONS') {
      res.setHeader('Access-Control-Allow-Headers', '*');
      return void res.writeHead(204).end();
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('latin1');
      const key = /name="key"\r\n\r\n([^\r]*)/.exec(body)?.[1];
      const file = /name="file"; filename="[^"]*"\r\nContent-Type: ([^\r]*)\r\n\r\n([\s\S]*)\r\n--/.exec(body);
      if (!key || !file) return void res.writeHead(400).end('missing key or file');
      received.set(key, { bytes: Buffer.byteLength(file[2] as string, 'latin1'), type: file[1] as string });
      res.writeHead(204).end();
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/bucket`,
    received,
    close: () => new Promise((done) => server.close(() => done())),
  })));
}

describe('external uploads in Chromium', () => {
  test('the browser sends the file straight to the storage URL with its fields; the view sees it done and consumes its meta', async () => {
    const bucket = await storage();
    const consumed: string[] = [];
    class ExternalView extends LiveView {
      static template = 'ext.njk';
      mount() {
        this.allowUpload('doc', { accept: ['.pdf'], autoUpload: true, external: (entry) => ({ url: bucket.url, fields: { key: `docs/${entry.ref}`, policy: 'signed' } }) });
      }
      @eventHandler() validate() {}
      @eventHandler() async save() {
        consumed.push(...await this.consumeUploadedEntries('doc', ({ url, fields }, entry) => `${entry.name} → ${url} ${fields?.key ?? ''}`));
      }
    }
    const templates = {
      'ext.njk': '<!doctype html><html><head>{% djust_head %}</head><body><main dj-root><form dj-change="validate" dj-submit="save">' +
        '<input type="file" id="doc" dj-upload="doc"><button id="save">Save</button></form>' +
        '{% for e in uploads.doc.entries %}<p class="entry" data-done="{{ e.done }}">{{ e.name }} {{ e.progress }}</p>{% endfor %}</main>{% djust_scripts %}</body></html>',
    };
    const create = (options: DjustLiteOptions) => {
      const live = djustLite({ ...options, env: memoryEnvironment(templates), secret: 'djust-lite-e2e-external-secret-not-for-production' });
      live.route('/ext', ExternalView);
      const app = express();
      app.get('/favicon.ico', (_req, res) => void res.status(204).end());
      app.use(live);
      return { app, live };
    };
    try {
      await runSession(browser(), { name: 'websocket', options: {}, app: create }, async ({ open }) => {
        const page = await open('/ext');
        await page.setInputFiles('#doc', [{ name: 'report.pdf', mimeType: 'application/pdf', buffer: Buffer.alloc(200_000, 3) }]);
        await page.locator('p.entry[data-done="true"]').waitFor();
        expect(await page.textContent('p.entry')).toBe('report.pdf 100');
        const [key] = [...bucket.received.keys()];
        expect(key).toMatch(/^docs\/[A-Za-z0-9_-]+$/);
        expect(bucket.received.get(key as string)).toEqual({ bytes: 200_000, type: 'application/pdf' });
        await page.click('#save');
        await page.waitForFunction(() => document.querySelectorAll('p.entry').length === 0);
        expect(consumed).toEqual([`report.pdf → ${bucket.url} ${key}`]);
      });
    } finally {
      await bucket.close();
    }
  });
});

describe('upload previews under the strict CSP', () => {
  // Without `img-src blob:` this fails: the strict policy's default-src 'self' refuses the preview.
  test('with img-src blob: added, a preview shows and no policy is violated (no eval, no inline script)', async () => {
    class PreviewView extends LiveView {
      static template = 'preview.njk';
      mount() {
        this.allowUpload('pic', { accept: ['image/*'] });
      }
      @eventHandler() validate() {}
    }
    const templates = {
      'preview.njk': '<!doctype html><html><head>{% djust_head %}</head><body><main dj-root><form dj-change="validate">' +
        '<input type="file" id="pic" dj-upload="pic"></form>' +
        '{% for e in uploads.pic.entries %}<img id="preview" dj-upload-preview="{{ e.ref }}" alt="">{% endfor %}</main>{% djust_scripts %}</body></html>',
    };
    const create = (options: DjustLiteOptions) => {
      const app = express();
      app.use((_req, res, next) => {
        res.locals.cspNonce = randomBytes(16).toString('base64');
        res.setHeader('Content-Security-Policy', `${strictCsp(res.locals.cspNonce as string)}; img-src 'self' blob:`);
        next();
      });
      app.get('/favicon.ico', (_req, res) => void res.status(204).end());
      const live = djustLite({ ...options, env: memoryEnvironment(templates), secret: 'djust-lite-e2e-preview-secret-not-for-production' });
      live.route('/preview', PreviewView);
      app.use(live);
      return { app, live };
    };
    await runSession(browser(), { name: 'websocket', options: {}, app: create }, async ({ open, context }) => {
      await context.addInitScript({ content: "window.__csp = []; document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));" });
      const page = await open('/preview');
      await page.setInputFiles('#pic', [{ name: 'dot.png', mimeType: 'image/png', buffer: PNG }]);
      await page.waitForFunction(() => {
        const img = document.getElementById('preview') as HTMLImageElement | null;
        return img !== null && img.src.startsWith('blob:') && img.complete && img.naturalWidth === 1;
      });
      expect(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp)).toEqual([]);
    });
  });
});

/** The app of a one-page upload test: `View` at `route`, its templates in memory, `extra` options on top of the session's. */
function oneViewApp(route: string, View: typeof LiveView, templates: Record<string, string>, extra: DjustLiteOptions): AppFactory {
  return (options) => {
    const live = djustLite({ ...options, env: memoryEnvironment(templates), secret: 'djust-lite-e2e-uploads-secret-not-for-production', ...extra });
    live.route(route, View);
    const app = express();
    app.get('/favicon.ico', (_req, res) => void res.status(204).end());
    app.use(live);
    return { app, live };
  };
}

describe('a connection that drops mid-upload', () => {
  test('the entry fails with djust:upload-error "disconnected", the server deletes its bytes, and the file can be sent again', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'djust-e2e-drop-'));
    const stored: number[] = [];
    class DropView extends LiveView {
      static template = 'drop.njk';
      total = '';
      mount() {
        this.allowUpload('doc', { accept: 'any', autoUpload: true, maxFileSize: 4_000_000 });
      }
      @eventHandler() validate() {}
      @eventHandler() async save() {
        const sizes = await this.consumeUploadedEntries('doc', (_file, entry) => entry.size);
        stored.push(...sizes);
        this.total = sizes.join(',');
      }
    }
    const templates = {
      'drop.njk': '<!doctype html><html><head>{% djust_head %}</head><body><main dj-root><form dj-change="validate" dj-submit="save">' +
        '<input type="file" id="doc" dj-upload="doc"><button id="save">Save</button></form>' +
        '{% for e in uploads.doc.entries %}<p class="entry" data-progress="{{ e.progress }}" data-done="{{ e.done }}">{{ e.name }}</p>{% endfor %}' +
        '<p id="stored">{{ total }}</p></main>{% djust_scripts %}</body></html>',
    };
    const files = (): string[] => readdirSync(dir, { recursive: true, withFileTypes: true }).filter((d) => d.isFile()).map((d) => d.name);
    // Slow enough (about 200 KB/s) that the connection drops while the file is on its way.
    const create = oneViewApp('/drop', DropView, templates, { uploadDir: dir, maxUploadBytesPerSecond: 200_000 });
    try {
      await runSession(browser(), { name: 'websocket', options: {}, app: create }, async ({ open, context }) => {
        // Keep the page's WebSocket at hand, and record the upload errors the client reports.
        await context.addInitScript({ content: `
          window.__errors = [];
          document.addEventListener('djust:upload-error', (e) => window.__errors.push(e.detail.code));
          const Native = window.WebSocket;
          window.WebSocket = class extends Native { constructor(...a) { super(...a); window.__ws = this; } };` });
        const page = await open('/drop');
        const content = Buffer.alloc(3_000_000, 9);
        await page.setInputFiles('#doc', [{ name: 'big.bin', mimeType: 'application/octet-stream', buffer: content }]);
        await page.waitForFunction(() => Number(document.querySelector('p.entry')?.getAttribute('data-progress')) > 0);
        expect(files()).toHaveLength(1); // its bytes so far, in the upload folder
        await page.evaluate(() => (window as unknown as { __ws: WebSocket }).__ws.close());
        await page.waitForFunction(() => (window as unknown as { __errors: string[] }).__errors.includes('disconnected'));
        // Reconnected, the view mounted afresh: the entry is gone, and so are its bytes on the server.
        await page.waitForFunction(() => document.querySelectorAll('p.entry').length === 0);
        for (let i = 0; i < 100 && files().length > 0; i += 1) await new Promise((resolve) => setTimeout(resolve, 50));
        expect(files()).toEqual([]);
        // Picked again, a smaller copy goes through.
        await page.setInputFiles('#doc', [{ name: 'small.bin', mimeType: 'application/octet-stream', buffer: content.subarray(0, 100_000) }]);
        await page.locator('p.entry[data-done="true"]').waitFor();
        await page.click('#save');
        await page.waitForFunction(() => document.getElementById('stored')?.textContent === '100000');
        expect(stored).toEqual([100_000]);
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a file over several windows (WebSocket)', () => {
  test('every chunk is answered exactly once, whether its answer comes alone or in an array frame with others, and the file is stored whole', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'djust-e2e-windows-'));
    const stored: Buffer[] = [];
    class WindowsView extends LiveView {
      static template = 'windows.njk';
      mount() {
        this.allowUpload('doc', { accept: 'any', autoUpload: true, maxFileSize: 4_000_000 });
      }
      @eventHandler() validate() {}
      @eventHandler() async save() {
        await this.consumeUploadedEntries('doc', ({ path: file }) => void stored.push(readFileSync(file)));
      }
    }
    const templates = {
      'windows.njk': '<!doctype html><html><head>{% djust_head %}</head><body><main dj-root><form dj-change="validate" dj-submit="save">' +
        '<input type="file" id="doc" dj-upload="doc"><button id="save">Save</button></form>' +
        '{% for e in uploads.doc.entries %}<p class="entry" data-done="{{ e.done }}">{{ e.name }}</p>{% endfor %}</main>{% djust_scripts %}</body></html>',
    };
    const create = oneViewApp('/windows', WindowsView, templates, { uploadDir: dir });
    try {
      await runSession(browser(), { name: 'websocket', options: {}, app: create }, async ({ open, context }) => {
        // Count the upload answers the page receives, frame by frame (an array frame holds several).
        await context.addInitScript({ content: `
          window.__acks = 0;
          const Native = window.WebSocket;
          window.WebSocket = class extends Native { constructor(...a) { super(...a); this.addEventListener('message', (e) => {
            if (typeof e.data !== 'string') return;
            const data = JSON.parse(e.data);
            window.__acks += (Array.isArray(data) ? data : [data]).filter((m) => m.type === 'upload' && m.action === 'ack').length;
          }); } };` });
        const page = await open('/windows');
        // 12 chunks of 256,000 bytes: three windows of 4.
        const content = randomBytes(12 * 256_000);
        await page.setInputFiles('#doc', [{ name: 'big.bin', mimeType: 'application/octet-stream', buffer: content }]);
        await page.locator('p.entry[data-done="true"]').waitFor();
        expect(await page.evaluate(() => (window as unknown as { __acks: number }).__acks)).toBe(12);
        await page.click('#save');
        for (let i = 0; i < 100 && stored.length === 0; i += 1) await new Promise((resolve) => setTimeout(resolve, 50));
        expect(stored).toHaveLength(1);
        expect((stored[0] as Buffer).equals(content)).toBe(true);
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
