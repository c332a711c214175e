/**
 * `npm run bench -- --uploads`: uploads measured against a plain Express raw-body POST of the
 * same file, same server process, same run (bench/server-upload.ts):
 * - MB/s of a BENCH_UPLOAD_MB (20) MB file over WebSocket, over SSE, and as one raw POST
 *   (median of BENCH_UPLOAD_ROUNDS, 3); target: WebSocket ≥ 0.7× the raw POST;
 * - the server's RSS growth during a WebSocket upload (sampled every 10 ms from /proc, after a
 *   warm-up upload; an untimed upload of its own, as the sampling costs both sides CPU); target
 *   ≤ 2 × chunk size × concurrent uploads;
 * - a neighbour's click round trip (the counter, WebSocket) quiet, then during 10 parallel
 *   uploads run by a child process (bench/upload-load.ts), then quiet again; target p99 ≤ 2× quiet;
 * - the CPU of one WebSocket upload in the server and in this process (the client's side).
 * Prints a table and writes bench/results/upload-latest.json.
 */
import http from 'node:http';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { exactRss, procStatusBytes, ServerProcess } from './spawn';
import { BenchPage } from './upload-page';
import { UploadLoad } from './upload-load';

const MB = 1024 * 1024;
const CHUNK = Number(process.env.BENCH_UPLOAD_CHUNK ?? 256_000);
/**
 * BENCH_UPLOAD_SERVER_JS_MASK=1: the server unmasks frames in JavaScript (ws's WS_NO_BUFFER_UTIL)
 * even where this process has the native `bufferutil` (NODE_PATH): the client's masking then
 * costs what a browser's does (native), the server's what a default install's does.
 */
const SERVER_WS_ENV: Record<string, string> = process.env.BENCH_UPLOAD_SERVER_JS_MASK ? { WS_NO_BUFFER_UTIL: '1' } : {};
/**
 * How long the 10 parallel uploaders run (BENCH_UPLOAD_LOAD_SECONDS, 15): each sends its quarter
 * of the file again and again, at most BENCH_UPLOAD_LOAD_ROUNDS (1,000) times. A time, not a
 * number of rounds, so the neighbour's clicks are sampled for as long whatever speed the uploads
 * are allowed (at full speed 16 rounds took ~3 s; held to sharedUploadBytesPerSecond, ~100 s).
 */
const LOAD_SECONDS = Number(process.env.BENCH_UPLOAD_LOAD_SECONDS ?? 15);
const LOAD_ROUNDS = Number(process.env.BENCH_UPLOAD_LOAD_ROUNDS ?? 1_000);
/**
 * The neighbour's quiet clicks before and after the load (BENCH_UPLOAD_QUIET_CLICKS, 1,000 each,
 * ~6 s): the p99 of 200 was their second slowest, and on a shared VM it swung from 2 to 17 ms.
 */
const QUIET_CLICKS = Number(process.env.BENCH_UPLOAD_QUIET_CLICKS ?? 1_000);
/**
 * CPU per upload to the millisecond (BENCH_UPLOAD_CPU_UPLOADS, 10): after the timed rounds, that
 * many raw POSTs back to back, then as many WebSocket uploads, each batch's CPU (server and this
 * process) divided by its count. /proc counts in 10 ms ticks, so one upload's 40–60 ms read
 * alone is ±10 ms, too coarse to tell a change of a few ms per upload; 0 skips it.
 */
const CPU_UPLOADS = Number(process.env.BENCH_UPLOAD_CPU_UPLOADS ?? 10);

function rawPost(origin: string, bytes: Buffer): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request(`${origin}/raw`, { method: 'POST', headers: { 'content-type': 'application/octet-stream', 'content-length': bytes.length } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 204 ? resolve(performance.now() - started) : reject(new Error(`bench: POST /raw answered ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(bytes);
  });
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const p99 = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(xs.length * 0.99) - 1)] as number;

/** Click round trips of `page` (the counter's `inc`) until `stop()` or `count`, in ms. */
async function clicks(page: BenchPage, count: number, stop: () => boolean = () => false): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < count && !stop(); i += 1) {
    const started = performance.now();
    await page.event('inc');
    times.push(performance.now() - started);
    page.messages.length = 0;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return times;
}

export async function runUploads(options: { results: string; serverScript: string; env: Record<string, string>; log: (m: string) => void }): Promise<void> {
  const { log } = options;
  const size = Number(process.env.BENCH_UPLOAD_MB ?? 20) * MB;
  const rounds = Number(process.env.BENCH_UPLOAD_ROUNDS ?? 3);
  const bytes = Buffer.alloc(size, 0x5a);
  const server = await ServerProcess.start('djust-lite uploads', options.serverScript, { env: { ...options.env, BENCH_UPLOAD_CHUNK: String(CHUNK), BENCH_UPLOAD_MAX_CHUNK: process.env.BENCH_UPLOAD_MAX_CHUNK ?? '', BENCH_UPLOAD_SHARED_RATE: process.env.BENCH_UPLOAD_SHARED_RATE ?? '', ...SERVER_WS_ENV } });
  try {
    const origin = server.base;
    const ws = await BenchPage.open(origin, '/upload', 'websocket');
    const sse = await BenchPage.open(origin, '/upload', 'sse');
    // Warm-up: one of each.
    await rawPost(origin, bytes);
    await ws.upload(bytes);
    await sse.upload(bytes);
    const raw: number[] = [];
    const overWs: number[] = [];
    const overSse: number[] = [];
    const rssGrowths: number[] = [];
    const rawServerCpuMs: number[] = [];
    const wsServerCpuMs: number[] = [];
    const wsHarnessCpuMs: number[] = [];
    for (let round = 0; round < rounds; round += 1) {
      const rawCpu0 = (await server.cpu()).micros;
      raw.push(await rawPost(origin, bytes));
      rawServerCpuMs.push(((await server.cpu()).micros - rawCpu0) / 1000);
      const serverCpu0 = (await server.cpu()).micros;
      const harnessCpu0 = process.cpuUsage();
      overWs.push(await ws.upload(bytes));
      const harnessCpu = process.cpuUsage(harnessCpu0);
      wsServerCpuMs.push(((await server.cpu()).micros - serverCpu0) / 1000);
      wsHarnessCpuMs.push((harnessCpu.user + harnessCpu.system) / 1000);
      // RSS in an upload of its own, untimed: reading smaps_rollup every 10 ms blocks this
      // process (the client) and takes the server's memory-map lock, which the raw POST beside
      // it did not pay.
      const before = exactRss(server.pid) ?? procStatusBytes(server.pid, 'VmRSS') ?? 0;
      let peak = before;
      const sampler = setInterval(() => (peak = Math.max(peak, exactRss(server.pid) ?? 0)), 10);
      try {
        await ws.upload(bytes);
      } finally {
        clearInterval(sampler);
      }
      rssGrowths.push(Math.max(0, peak - before));
      overSse.push(await sse.upload(bytes));
      log(`round ${round + 1}: raw ${raw.at(-1)?.toFixed(0)} ms, ws ${overWs.at(-1)?.toFixed(0)} ms (cpu: server ${wsServerCpuMs.at(-1)?.toFixed(0)} ms, harness ${wsHarnessCpuMs.at(-1)?.toFixed(0)} ms), sse ${overSse.at(-1)?.toFixed(0)} ms`);
    }
    // CPU per upload over a batch of each, back to back (CPU_UPLOADS): to the millisecond.
    const batch = { rawServerCpuMs: 0, wsServerCpuMs: 0, wsHarnessCpuMs: 0, rawHarnessCpuMs: 0 };
    if (CPU_UPLOADS > 0) {
      let server0 = (await server.cpu()).micros;
      let harness0 = process.cpuUsage();
      for (let i = 0; i < CPU_UPLOADS; i += 1) await rawPost(origin, bytes);
      let harness = process.cpuUsage(harness0);
      batch.rawServerCpuMs = ((await server.cpu()).micros - server0) / 1000 / CPU_UPLOADS;
      batch.rawHarnessCpuMs = (harness.user + harness.system) / 1000 / CPU_UPLOADS;
      server0 = (await server.cpu()).micros;
      harness0 = process.cpuUsage();
      for (let i = 0; i < CPU_UPLOADS; i += 1) await ws.upload(bytes);
      harness = process.cpuUsage(harness0);
      batch.wsServerCpuMs = ((await server.cpu()).micros - server0) / 1000 / CPU_UPLOADS;
      batch.wsHarnessCpuMs = (harness.user + harness.system) / 1000 / CPU_UPLOADS;
    }
    await ws.close();
    await sse.close();

    // A neighbour's clicks, quiet and during 10 parallel uploads of a quarter of the file.
    const neighbour = await BenchPage.open(origin, '/counter', 'websocket');
    await clicks(neighbour, 20);
    const quiet = await clicks(neighbour, QUIET_CLICKS);
    // The uploaders run in a process of their own (bench/upload-load.ts): this one holds only the neighbour.
    const load = await UploadLoad.start(path.join(__dirname, 'upload-load.js'), origin, { pages: 10, bytes: Math.max(MB, size / 4), rounds: LOAD_ROUNDS, ms: LOAD_SECONDS * 1000 });
    let uploading = true;
    const busyRun = load.run(300_000).finally(() => (uploading = false));
    let busy: number[];
    let loadRun: { ms: number; cpuMs: number; bytes: number };
    try {
      busy = await clicks(neighbour, 100_000, () => !uploading);
      loadRun = await busyRun;
    } finally {
      load.stop();
    }
    const quietAfter = await clicks(neighbour, QUIET_CLICKS);
    await neighbour.close();

    const mbps = (ms: number): number => size / MB / (ms / 1000);
    const result = {
      sizeMB: size / MB,
      chunkBytes: CHUNK,
      rounds,
      rawPostMBps: mbps(median(raw)),
      websocketMBps: mbps(median(overWs)),
      sseMBps: mbps(median(overSse)),
      websocketVsRaw: median(raw) / median(overWs),
      rssGrowthBytes: median(rssGrowths),
      rssGrowthMaxBytes: Math.max(...rssGrowths),
      rssTargetBytes: 2 * CHUNK * 1,
      rawServerCpuMs: median(rawServerCpuMs),
      wsServerCpuMs: median(wsServerCpuMs),
      wsHarnessCpuMs: median(wsHarnessCpuMs),
      cpuBatchUploads: CPU_UPLOADS,
      rawServerCpuMsBatch: batch.rawServerCpuMs,
      rawHarnessCpuMsBatch: batch.rawHarnessCpuMs,
      wsServerCpuMsBatch: batch.wsServerCpuMs,
      wsHarnessCpuMsBatch: batch.wsHarnessCpuMs,
      neighbourQuietP99Ms: p99(quiet),
      neighbourQuietAfterP99Ms: p99(quietAfter),
      neighbourBusyP99Ms: p99(busy),
      neighbourQuietP50Ms: median(quiet),
      neighbourBusyP50Ms: median(busy),
      neighbourBusyClicks: busy.length,
      loadUploadsMs: loadRun.ms,
      loadUploaderCpuMs: loadRun.cpuMs,
      loadUploadsMBps: loadRun.bytes / MB / (loadRun.ms / 1000),
    };
    const pass = (ok: boolean): string => (ok ? 'PASS' : 'FAIL');
    const lines = [
      '',
      `uploads — ${result.sizeMB} MB file, ${CHUNK}-byte chunks, median of ${rounds} (server: bench/server-upload.ts)`,
      `  raw Express POST (express.raw → writeFile)  ${result.rawPostMBps.toFixed(1)} MB/s`,
      `  djust-lite over WebSocket                   ${result.websocketMBps.toFixed(1)} MB/s  (${result.websocketVsRaw.toFixed(2)}× raw; target ≥ 0.7: ${pass(result.websocketVsRaw >= 0.7)})`,
      `  djust-lite over SSE (POST per chunk)        ${result.sseMBps.toFixed(1)} MB/s  (${(median(raw) / median(overSse)).toFixed(2)}× raw; no target)`,
      `  CPU per WS upload: server ${result.wsServerCpuMs.toFixed(0)} ms (raw POST: ${result.rawServerCpuMs.toFixed(0)} ms), harness (the client) ${result.wsHarnessCpuMs.toFixed(0)} ms (medians; /proc, 10 ms ticks)`,
      ...(CPU_UPLOADS > 0 ? [`  CPU per upload, ${CPU_UPLOADS} back to back: WS server ${result.wsServerCpuMsBatch.toFixed(1)} ms, client ${result.wsHarnessCpuMsBatch.toFixed(1)} ms; raw POST server ${result.rawServerCpuMsBatch.toFixed(1)} ms, client ${result.rawHarnessCpuMsBatch.toFixed(1)} ms`] : []),
      `  server RSS growth during a WS upload        median ${(result.rssGrowthBytes / 1024).toFixed(0)} KiB, max ${(result.rssGrowthMaxBytes / 1024).toFixed(0)} KiB of ${rounds}  (target ≤ 2 × chunk × 1 upload = ${(result.rssTargetBytes / 1024).toFixed(0)} KiB: ${pass(result.rssGrowthBytes <= result.rssTargetBytes)})`,
      `  neighbour click p99: quiet ${result.neighbourQuietP99Ms.toFixed(2)} ms (after: ${result.neighbourQuietAfterP99Ms.toFixed(2)}), during 10 uploads ${result.neighbourBusyP99Ms.toFixed(2)} ms (${busy.length} clicks over ${(loadRun.ms / 1000).toFixed(1)} s; uploaders in their own process; target ≤ 2× quiet: ${pass(result.neighbourBusyP99Ms <= 2 * result.neighbourQuietP99Ms)})`,
      `  neighbour click median: quiet ${result.neighbourQuietP50Ms.toFixed(2)} ms, during 10 uploads ${result.neighbourBusyP50Ms.toFixed(2)} ms (no target)`,
      `  the 10 uploads meanwhile: ${result.loadUploadsMBps.toFixed(1)} MB/s together (${(loadRun.bytes / MB).toFixed(0)} MB; no target)`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    writeFileSync(path.join(options.results, 'upload-latest.json'), JSON.stringify({ date: new Date().toISOString(), ...result }, null, 2));
  } finally {
    await server.stop();
  }
}
