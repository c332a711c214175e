/**
 * The upload benchmark's server (bench/upload.ts), in its own process: djust-lite with an
 * upload view (`/upload`, files stream to temp files and are consumed by `store`) and the
 * counter (`/counter`, the neighbour whose clicks are timed), and beside it a plain Express
 * route taking the same file as a raw-body POST (`POST /raw`, express.raw → writeFile), the
 * usual way without djust-lite.
 */
import { rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import { djustLite } from '../lib';
import { eventHandler } from '../lib/view/decorators';
import { LiveView } from '../lib/view/live-view';
import { CounterView } from './counter-view';
import { listenForParent } from './server-child';
import { logTurns } from './turn-log';

class UploadView extends LiveView {
  static override template = 'upload.njk';
  stored = 0;

  override mount(): void {
    this.allowUpload('file', { accept: 'any', maxEntries: 10, maxFileSize: 100_000_000, chunkSize: Number(process.env.BENCH_UPLOAD_CHUNK ?? 256_000) });
  }

  @eventHandler()
  async store(): Promise<void> {
    const done = await this.consumeUploadedEntries('file', () => 1);
    this.stored += done.length;
  }
}

const live = djustLite({
  views: process.env.BENCH_VIEWS ?? path.join(__dirname, '..', '..', '..', 'bench', 'views'),
  secret: 'bench-secret-bench-secret-bench-secret-0123456789',
  maxEventsPerSecond: 1_000_000,
  ...(process.env.BENCH_UPLOAD_MAX_CHUNK ? { maxUploadChunkBytes: Number(process.env.BENCH_UPLOAD_MAX_CHUNK) } : {}),
  ...(process.env.BENCH_UPLOAD_SHARED_RATE ? { sharedUploadBytesPerSecond: Number(process.env.BENCH_UPLOAD_SHARED_RATE) } : {}),
  maxConnections: 100_000,
  maxConnectionsPerClient: 100_000,
  logger: { warn: (m) => console.warn(m), error: (m, e) => console.error(m, e) },
});
live.route('/upload', UploadView);
live.route('/counter', CounterView);

const app = express();
let n = 0;
app.post('/raw', express.raw({ type: '*/*', limit: '100mb' }), async (req, res) => {
  const file = path.join(os.tmpdir(), `djust-bench-raw-${process.pid}-${n++}`);
  await writeFile(file, req.body as Buffer);
  await rm(file, { force: true });
  res.status(204).end();
});
app.use(live);
listenForParent(app, live);
logTurns('server');
