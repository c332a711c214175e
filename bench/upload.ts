/**
 * `npm run bench -- --uploads`: uploads measured against a plain Express raw-body POST of the
 * same file, same server process, same run (bench/server-upload.ts):
 * - MB/s of a BENCH_UPLOAD_MB (20) MB file over WebSocket, over SSE, and as one raw POST
 *   (median of BENCH_UPLOAD_ROUNDS, 3); target: WebSocket ≥ 0.7× the raw POST;
 * - the server's RSS growth during the WebSocket upload (sampled every 10 ms from /proc, after a
 *   warm-up upload); target ≤ 2 × chunk size × concurrent uploads;
 * - a neighbour's click round trip (the counter, WebSocket) quiet, then during 10 parallel
 *   uploads; target p99 ≤ 2× quiet.
 * Prints a table and writes bench/results/upload-latest.json.
 */
import http from 'node:http';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ServerMessage } from '../lib/contract/protocol';
import { openSse, openWebSocket, type Channel } from '../lib/testing/channels';
import { envelope } from '../lib/testing/messages';
import { openPage } from '../lib/testing/page';
import { uploadFiles } from '../lib/testing/upload-driver';
import { exactRss, procStatusBytes, ServerProcess } from './spawn';

const MB = 1024 * 1024;
const CHUNK = Number(process.env.BENCH_UPLOAD_CHUNK ?? 64_000);

/** One live page over a channel, enough to drive uploads and clicks. */
class BenchPage {
  readonly messages: ServerMessage[] = [];
  #channel: Channel | null = null;
  #ref = 0;
  #wake: (() => void)[] = [];

  static async open(origin: string, path: string, transport: 'websocket' | 'sse'): Promise<BenchPage> {
    const agent = new http.Agent({ keepAlive: true });
    const page = await openPage(origin, path, {}, agent);
    const view = new BenchPage();
    const target = { origin, prefix: page.prefix, token: page.token, url: page.url, agent, timeoutMs: 60_000 };
    const events = { message: (m: ServerMessage) => view.#receive(m), closed: () => undefined };
    view.#channel = await (transport === 'sse' ? openSse(target, events) : openWebSocket(target, events));
    await view.until(() => view.messages.some((m) => m.type === 'mounted'), 'mounted');
    return view;
  }

  #receive(message: ServerMessage): void {
    if (message.type !== 'pong') this.messages.push(message);
    for (const wake of this.#wake.splice(0)) wake();
  }

  /** Waits (bounded: 60 s) until `test()` holds, checking after each message. */
  async until(test: () => boolean, what: string): Promise<void> {
    const deadline = Date.now() + 60_000;
    while (!test()) {
      if (Date.now() > deadline) throw new Error(`bench: ${what} did not come within 60 s`);
      await new Promise<void>((resolve) => {
        this.#wake.push(resolve);
        setTimeout(resolve, 1000);
      });
    }
  }

  /** Sends an event; resolves with its answer (patch, reply or error). */
  async event(name: string, params: Record<string, never> | object = {}): Promise<Extract<ServerMessage, { type: 'patch' | 'reply' | 'error' }>> {
    const ref = ++this.#ref;
    const from = this.messages.length;
    await (this.#channel as Channel).send(envelope.event(ref, name, params as never));
    let answer: ServerMessage | undefined;
    await this.until(() => (answer = this.messages.slice(from).find((m) => (m.type === 'patch' || m.type === 'reply' || m.type === 'error') && m.ref === ref)) !== undefined, `answer to ${name}`);
    return answer as Extract<ServerMessage, { type: 'patch' | 'reply' | 'error' }>;
  }

  /** Uploads `bytes` as one file and consumes it; the time from the announcement to the last ack, ms. */
  async upload(bytes: Buffer): Promise<number> {
    const started = performance.now();
    const result = await uploadFiles({
      event: async (event, params) => {
        const response = await this.event(event, params);
        if (response.type === 'error') throw new Error(`bench: ${event}: ${response.code}: ${response.message}`);
        return { response } as never;
      },
      frame: (frame) => (this.#channel as Channel).upload(frame),
      messages: this.messages,
      until: (test, what) => this.until(test, what),
    }, 'file', [{ name: 'bench.bin', type: 'application/octet-stream', content: bytes }]);
    const ms = performance.now() - started;
    const refused = result.entries[0]?.refused;
    if (refused) throw new Error(`bench: upload refused: ${refused.code}: ${refused.message}`);
    await this.event('store');
    this.messages.length = 0; // keep the waits' scans short
    return ms;
  }

  close(): Promise<void> {
    return this.#channel?.close() ?? Promise.resolve();
  }
}

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
  const server = await ServerProcess.start('djust-lite uploads', options.serverScript, { env: { ...options.env, BENCH_UPLOAD_CHUNK: String(CHUNK), BENCH_UPLOAD_MAX_MESSAGE: process.env.BENCH_UPLOAD_MAX_MESSAGE ?? '' } });
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
    let rssGrowth = 0;
    const wsServerCpuMs: number[] = [];
    const wsHarnessCpuMs: number[] = [];
    for (let round = 0; round < rounds; round += 1) {
      raw.push(await rawPost(origin, bytes));
      const before = exactRss(server.pid) ?? procStatusBytes(server.pid, 'VmRSS') ?? 0;
      let peak = before;
      const sampler = setInterval(() => (peak = Math.max(peak, exactRss(server.pid) ?? 0)), 10);
      const serverCpu0 = (await server.cpu()).micros;
      const harnessCpu0 = process.cpuUsage();
      overWs.push(await ws.upload(bytes));
      const harnessCpu = process.cpuUsage(harnessCpu0);
      wsServerCpuMs.push(((await server.cpu()).micros - serverCpu0) / 1000);
      wsHarnessCpuMs.push((harnessCpu.user + harnessCpu.system) / 1000);
      clearInterval(sampler);
      rssGrowth = Math.max(rssGrowth, peak - before);
      overSse.push(await sse.upload(bytes));
      log(`round ${round + 1}: raw ${raw.at(-1)?.toFixed(0)} ms, ws ${overWs.at(-1)?.toFixed(0)} ms (cpu: server ${wsServerCpuMs.at(-1)?.toFixed(0)} ms, harness ${wsHarnessCpuMs.at(-1)?.toFixed(0)} ms), sse ${overSse.at(-1)?.toFixed(0)} ms`);
    }
    await ws.close();
    await sse.close();

    // A neighbour's clicks, quiet and during 10 parallel uploads of a quarter of the file.
    const neighbour = await BenchPage.open(origin, '/counter', 'websocket');
    await clicks(neighbour, 20);
    const quiet = await clicks(neighbour, 200);
    const uploaders = await Promise.all(Array.from({ length: 10 }, () => BenchPage.open(origin, '/upload', 'websocket')));
    let uploading = true;
    const part = bytes.subarray(0, Math.max(MB, size / 4));
    const busyRun = Promise.all(uploaders.map(async (p) => {
      for (let i = 0; i < 2; i += 1) await p.upload(part);
    })).finally(() => (uploading = false));
    const busy = await clicks(neighbour, 10_000, () => !uploading);
    await busyRun;
    await Promise.all([...uploaders, neighbour].map((p) => p.close()));

    const mbps = (ms: number): number => size / MB / (ms / 1000);
    const result = {
      sizeMB: size / MB,
      chunkBytes: CHUNK,
      rounds,
      rawPostMBps: mbps(median(raw)),
      websocketMBps: mbps(median(overWs)),
      sseMBps: mbps(median(overSse)),
      websocketVsRaw: median(raw) / median(overWs),
      rssGrowthBytes: rssGrowth,
      rssTargetBytes: 2 * CHUNK * 1,
      neighbourQuietP99Ms: p99(quiet),
      neighbourBusyP99Ms: p99(busy),
      neighbourBusyClicks: busy.length,
    };
    const pass = (ok: boolean): string => (ok ? 'PASS' : 'FAIL');
    const lines = [
      '',
      `uploads — ${result.sizeMB} MB file, ${CHUNK}-byte chunks, median of ${rounds} (server: bench/server-upload.ts)`,
      `  raw Express POST (express.raw → writeFile)  ${result.rawPostMBps.toFixed(1)} MB/s`,
      `  djust-lite over WebSocket                   ${result.websocketMBps.toFixed(1)} MB/s  (${result.websocketVsRaw.toFixed(2)}× raw; target ≥ 0.7: ${pass(result.websocketVsRaw >= 0.7)})`,
      `  djust-lite over SSE (POST per chunk)        ${result.sseMBps.toFixed(1)} MB/s  (${(median(raw) / median(overSse)).toFixed(2)}× raw; no target)`,
      `  server RSS growth during a WS upload        ${(rssGrowth / 1024).toFixed(0)} KiB  (target ≤ 2 × chunk × 1 upload = ${(result.rssTargetBytes / 1024).toFixed(0)} KiB: ${pass(rssGrowth <= result.rssTargetBytes)})`,
      `  neighbour click p99: quiet ${result.neighbourQuietP99Ms.toFixed(2)} ms, during 10 uploads ${result.neighbourBusyP99Ms.toFixed(2)} ms (${busy.length} clicks; target ≤ 2× quiet: ${pass(result.neighbourBusyP99Ms <= 2 * result.neighbourQuietP99Ms)})`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    writeFileSync(path.join(options.results, 'upload-latest.json'), JSON.stringify({ date: new Date().toISOString(), ...result }, null, 2));
  } finally {
    await server.stop();
  }
}
