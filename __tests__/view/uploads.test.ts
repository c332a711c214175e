/**
 * Uploads (lib/view/uploads.ts, lib/connection/upload-channel.ts): allowUpload, validation
 * before any byte is stored, chunked transfer over WebSocket binary frames and SSE POSTs,
 * consume / cancel / disconnect leaving nothing behind, and every refusal — over both transports.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import { djustLite, eventHandler, LiveView, type DjustLite, type MountContext } from '../../lib';
import { liveTest, type LiveTestView } from '../../lib/testing';
import type { UploadMessage } from '../../lib/contract/protocol';
import { memoryEnvironment } from '../helpers/memory-templates';

const TEMPLATES: Record<string, string> = {
  'layout.njk': '<!doctype html><html><head>{% djust_head %}</head><body>{% block content %}{% endblock %}{% djust_scripts %}</body></html>',
  'up.njk': '{% extends "layout.njk" %}{% block content %}<main dj-root><form dj-submit="save" dj-change="validate">' +
    '<input type="file" dj-upload="photos"></form>' +
    '<p id="errors">{{ uploads.photos.errors | join(",") }}</p><ul>{% for e in uploads.photos.entries %}' +
    '<li id="e-{{ e.ref }}" data-progress="{{ e.progress }}" data-done="{{ e.done }}" data-valid="{{ e.valid }}">{{ e.name }} {{ e.errors | join(",") }}</li>' +
    '{% endfor %}</ul><p id="saved">{{ saved | join("|") }}</p></main>{% endblock %}',
};

/** Files the handler consumed, as `name:content`. */
let consumed: string[] = [];
let failConsume = false;

class PhotosView extends LiveView {
  static template = 'up.njk';
  saved: string[] = [];

  mount(ctx: MountContext) {
    const max = Number(ctx.query.max ?? 3);
    this.allowUpload('photos', { accept: ['.png', 'image/jpeg', 'text/plain'], maxEntries: max, maxFileSize: 10_000, chunkSize: 1024 });
  }

  @eventHandler() validate() {}

  @eventHandler()
  async save() {
    const names = await this.consumeUploadedEntries('photos', async ({ path: file }, entry) => {
      if (failConsume) throw new Error('storage down');
      consumed.push(`${entry.name}:${readFileSync(file, 'utf8')}`);
      return entry.name;
    });
    this.saved.push(...names);
  }

  @eventHandler()
  cancel({ ref }: { ref?: unknown }) {
    return this.cancelUpload('photos', String(ref));
  }

  @eventHandler()
  entries() {
    const { completed, inProgress } = this.uploadedEntries('photos');
    this.pushReply({ completed: completed.map((e) => e.name), inProgress: inProgress.map((e) => e.name) });
  }
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'djust-up-test-'));
const debugLines: string[] = [];
let live: DjustLite;
let app: express.Express;

/** Every file under the upload folder. */
function storedFiles(): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((d) => d.isFile()).map((d) => d.name);
}

beforeAll(() => {
  live = djustLite({ env: memoryEnvironment(TEMPLATES), uploadDir: dir, logger: { debug: (m) => void debugLines.push(m), warn() {}, error() {} } });
  live.route('/up', PhotosView);
  app = express();
  app.use(live);
});
afterAll(async () => {
  await live.close();
  expect(readdirSync(dir)).toEqual([]); // live.close() removed this process's folder
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  consumed = [];
  failConsume = false;
  debugLines.length = 0;
});

const errorsOf = (view: LiveTestView, id: string): string[] =>
  view.messages.filter((m): m is UploadMessage => m.type === 'upload' && m.id === id && m.action === 'error').map((m) => m.code ?? '');

describe.each(['websocket', 'sse'] as const)('uploads over %s', (transport) => {
  const views: LiveTestView[] = [];
  const open = async (url = '/up') => {
    const view = await liveTest(app, url, { transport });
    views.push(view);
    return view;
  };
  afterEach(async () => {
    await Promise.all(views.splice(0).map((v) => v.close()));
  });

  it('sends files in chunks, shows them done, and consume hands each over then deletes it', async () => {
    const view = await open();
    const big = 'x'.repeat(5000); // five chunks of 1024
    const result = await view.upload('photos', [{ name: 'a.txt', type: 'text/plain', content: 'hello' }, { name: 'b.png', type: 'image/png', content: big }]);
    expect(result.entries.map((e) => [e.valid, e.refused])).toEqual([[true, undefined], [true, undefined]]);
    const [a, b] = result.entries.map((e) => e.ref);
    // The last ack comes after the render that shows the file done.
    expect(view.html()).toContain(`id="e-${a}" data-progress="100" data-done="true"`);
    expect(view.html()).toContain(`id="e-${b}" data-progress="100" data-done="true"`);
    expect(storedFiles()).toHaveLength(2);
    expect((await view.event('entries')).response.payload).toEqual({ completed: ['a.txt', 'b.png'], inProgress: [] });
    await view.event('save');
    expect(consumed).toEqual(['a.txt:hello', `b.png:${big}`]);
    expect(view.html()).toContain('<p id="saved">a.txt|b.png</p>');
    expect(view.html()).not.toContain(`e-${a}`);
    expect(storedFiles()).toEqual([]);
  });

  it('validates type, size and count before any byte is stored, whatever the client claims', async () => {
    const view = await open('/up?max=2');
    const result = await view.upload('photos', [
      { name: 'evil.exe', type: 'application/octet-stream', content: 'MZ' },
      { name: 'huge.png', type: 'image/png', content: 'x', size: 1_000_000_000 },
      { name: 'one.png', type: 'image/png', content: '1' },
      { name: 'two.jpg', type: 'image/jpeg', content: '2' },
      { name: 'three.png', type: 'image/png', content: '3' },
    ]);
    expect(result.entries.map((e) => e.errors)).toEqual([['not_accepted'], ['too_large'], [], [], ['too_many_files']]);
    expect(view.html()).toContain('<p id="errors">too_many_files</p>');
    expect(view.html()).toContain('evil.exe not_accepted');
    expect(view.html()).toContain('huge.png too_large');
    expect(storedFiles()).toHaveLength(2);
  });

  it('takes a zero-byte file as done without a chunk', async () => {
    const view = await open();
    const [entry] = (await view.upload('photos', [{ name: 'empty.txt', type: 'text/plain', content: '' }])).entries;
    expect(view.html()).toContain(`id="e-${entry?.ref}" data-progress="100" data-done="true"`);
    await view.event('save');
    expect(consumed).toEqual(['empty.txt:']);
  });

  it('cuts off a file that grows past what it announced, deleting its bytes', async () => {
    const view = await open();
    const [entry] = (await view.upload('photos', [{ name: 'liar.txt', type: 'text/plain', content: 'y'.repeat(3000), size: 1500 }])).entries;
    expect(entry?.refused?.code).toBe('too_large');
    expect(view.html()).toContain('liar.txt too_large');
    expect(storedFiles()).toEqual([]);
    expect(debugLines.some((l) => l.includes('cut off at 2048 bytes'))).toBe(true);
  });

  it('refuses names that are paths, and forged refs, with bad_params: nothing is stored', async () => {
    const view = await open();
    for (const name of ['../../etc/passwd', 'a/b.png', 'c:\\x.png', '..']) {
      await expect(view.upload('photos', [{ name, type: 'image/png', content: 'x' }])).rejects.toThrow(/a file name, not a path/);
    }
    await expect(view.event('dj:upload', { name: 'photos', entries: [{ ref: '<script>', name: 'a.png', size: 1, type: 'image/png' }] })).rejects.toThrow(/ref must be/);
    await expect(view.event('dj:upload', { name: 'nope', entries: [{ ref: 'r1', name: 'a.png', size: 1, type: 'image/png' }] })).rejects.toThrow(/no upload "nope"/);
    expect(storedFiles()).toEqual([]);
  });

  it('refuses forged ids, another view\'s ids, wrong offsets and chunks after cancel', async () => {
    const view = await open();
    const other = await open();
    const answer = await view.event('dj:upload', { name: 'photos', entries: [{ ref: 'r1', name: 'a.txt', size: 2000, type: 'text/plain' }] });
    const id = String((answer.response.payload?.entries as { id: string }[])[0]?.id);
    await view.sendUploadFrame('AAAAAAAAAAAAAAAAAAAAAA', 0, Buffer.from('x'));
    await view.waitFor(() => errorsOf(view, 'AAAAAAAAAAAAAAAAAAAAAA').includes('upload_unknown'));
    await other.sendUploadFrame(id, 0, Buffer.from('x')); // a chunk for another view's entry
    await other.waitFor(() => errorsOf(other, id).includes('upload_unknown'));
    await view.sendUploadFrame(id, 5, Buffer.from('x'));
    await view.waitFor(() => errorsOf(view, id).includes('upload_offset'));
    await view.sendUploadFrame(id, 0, Buffer.alloc(1000, 1));
    await view.waitFor(() => view.messages.some((m) => m.type === 'upload' && m.id === id && m.action === 'ack'));
    expect(storedFiles()).toHaveLength(1);
    await view.event('cancel', { ref: 'r1' });
    expect(storedFiles()).toEqual([]);
    await view.sendUploadFrame(id, 1000, Buffer.alloc(1000, 1));
    await view.waitFor(() => errorsOf(view, id).filter((c) => c === 'upload_unknown').length === 1);
    expect(storedFiles()).toEqual([]);
    expect(debugLines.some((l) => l.includes('upload_unknown'))).toBe(true);
  });

  it('deletes what was stored when the connection ends mid-upload', async () => {
    const view = await open();
    const answer = await view.event('dj:upload', { name: 'photos', entries: [{ ref: 'r1', name: 'a.txt', size: 4000, type: 'text/plain' }] });
    const id = String((answer.response.payload?.entries as { id: string }[])[0]?.id);
    await view.sendUploadFrame(id, 0, Buffer.alloc(1024, 1));
    await view.waitFor(() => view.messages.some((m) => m.type === 'upload' && m.action === 'ack'));
    expect(storedFiles()).toHaveLength(1);
    await view.close();
    const until = Date.now() + 5000;
    while (storedFiles().length > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    expect(storedFiles()).toEqual([]);
  });

  it('deletes the files when the consume callback throws', async () => {
    const view = await open();
    await view.upload('photos', [{ name: 'a.txt', type: 'text/plain', content: 'hello' }]);
    expect(storedFiles()).toHaveLength(1);
    failConsume = true;
    await expect(view.event('save')).rejects.toThrow(/handler_failed/);
    expect(storedFiles()).toEqual([]);
  });
});

describe('upload limits and folders', () => {
  it('sweeps the folders of exited processes at start, and keeps live ones', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'djust-sweep-'));
    const stale = path.join(root, 'djust-lite-uploads-999999999-abc');
    const alive = path.join(root, `djust-lite-uploads-${process.ppid}-def`);
    mkdirSync(stale);
    writeFileSync(path.join(stale, 'half'), 'x');
    mkdirSync(alive);
    const other = djustLite({ env: memoryEnvironment(TEMPLATES), uploadDir: root, logger: { warn() {}, error() {} } });
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(alive)).toBe(true);
    await other.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('refuses a bad uploadDir and allowUpload options, naming them', () => {
    expect(() => djustLite({ uploadDir: '' as string })).toThrow(/option "uploadDir" must be a folder path string/);
    const view = new PhotosView();
    expect(() => view.allowUpload('photos', { accept: [] })).toThrow(/accept must be/);
    expect(() => view.allowUpload('photos', { accept: 'any', maxEntries: 0 })).toThrow(/maxEntries must be an integer from 1/);
    expect(() => view.allowUpload('photos', { accept: 'any', chunkSize: 10 })).toThrow(/chunkSize must be/);
    expect(() => view.allowUpload('../x', { accept: 'any' })).toThrow(/name must be a name like "avatar"/);
    expect(() => view.uploadedEntries('photos')).toThrow(/call this.allowUpload\("photos"/);
  });

  it('says which limit a WebSocket frame over maxMessageBytes broke (pushEvent over 64 KiB)', async () => {
    const view = await liveTest(app, '/up', { transport: 'websocket' });
    await view.send({ type: 'event', ref: 1, event: 'validate', params: { blob: 'x'.repeat(70 * 1024) } }).catch(() => undefined);
    await view.waitFor(() => debugLines.some((l) => l.includes('option maxMessageBytes')), 'the debug line').catch(() => undefined);
    await view.close().catch(() => undefined);
    expect(debugLines.find((l) => l.includes('maxMessageBytes'))).toMatch(/a text frame was over 65536 bytes \(option maxMessageBytes\); closed 1009/);
  });

  it('cuts a chunkSize over maxUploadChunkBytes to fit a frame, so a big upload does not close the socket', async () => {
    class BigChunks extends PhotosView {
      override mount() {
        this.allowUpload('photos', { accept: 'any', maxFileSize: 1_000_000, chunkSize: 1_000_000 });
      }
    }
    live.route('/big', BigChunks);
    const view = await liveTest(app, '/big', { transport: 'websocket' });
    const answer = await view.event('dj:upload', { name: 'photos', entries: [{ ref: 'b1', name: 'a.bin', size: 1, type: '' }] });
    expect(answer.response.payload?.chunkSize).toBe(256 * 1024 - 81);
    const result = await view.upload('photos', [{ name: 'b.bin', content: Buffer.alloc(600_000, 2) }]);
    expect(result.entries[0]?.refused).toBeUndefined();
    expect(view.html()).toMatch(/b\.bin/);
    await view.close();
  });

  it('charges upload bytes to maxUploadBytesPerSecond and retries what it refused', async () => {
    const slow = djustLite({ env: memoryEnvironment(TEMPLATES), uploadDir: dir, maxUploadBytesPerSecond: 4096, logger: { debug: (m) => void debugLines.push(m), warn() {}, error() {} } });
    slow.route('/up', PhotosView);
    const slowApp = express().use(slow);
    const view = await liveTest(slowApp, '/up', { transport: 'websocket' });
    const result = await view.upload('photos', [{ name: 'a.txt', type: 'text/plain', content: 'z'.repeat(9000) }]);
    expect(result.entries[0]?.refused).toBeUndefined();
    expect(view.messages.some((m) => m.type === 'upload' && m.code === 'rate_limited')).toBe(true);
    expect(debugLines.some((l) => l.includes('option maxUploadBytesPerSecond'))).toBe(true);
    await view.close();
    await slow.close();
  });
});
