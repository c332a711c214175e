/**
 * The two timers of the soak, each on a worker thread of its own so that the flood the main
 * thread sends never delays them: the HTTP prober (GET /ping every ~5 ms; the longest time
 * without an answer) and the neighbour (one EchoView over WebSocket, one `ok` event at a time,
 * each round trip from sending the event to its new title). Plain JS run with `eval`, so the
 * same code runs compiled (`npm run soak`) and under jest.
 */
import { Worker } from 'node:worker_threads';

/** What the prober measured. `maxGapMs`: longest time between two answers (or from start to the first). */
export interface ProbeResult {
  requests: number;
  failures: number;
  maxGapMs: number;
  maxLatencyMs: number;
  p99LatencyMs: number;
}

/** Round trips of the neighbour over one window. */
export interface NeighbourWindow {
  count: number;
  p50: number;
  p99: number;
  max: number;
  errors: number;
  closed: boolean;
  /** ms the neighbour's thread sat runnable waiting for a CPU over the window (Linux; NaN elsewhere). */
  runQueueWaitMs?: number;
  /** Every round trip of the window, ms, sorted (only when `measure` was asked for them). */
  latencies?: number[];
}

const PROBER_JS = `
const { parentPort, workerData } = require('node:worker_threads');
const http = require('node:http');
const { base, intervalMs, maxMs } = workerData;
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
let stop = false;
parentPort.on('message', () => { stop = true; });
function get() {
  return new Promise((resolve) => {
    const req = http.get(base + '/ping', { agent, timeout: 10000 }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode === 200)); });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(false));
  });
}
(async () => {
  const started = performance.now();
  let last = started, maxGap = 0, failures = 0;
  const latencies = [];
  while (!stop && performance.now() - started < maxMs && latencies.length < 1e6) {
    const t0 = performance.now();
    const ok = await get();
    const t1 = performance.now();
    latencies.push(t1 - t0);
    if (ok) { maxGap = Math.max(maxGap, t1 - last); last = t1; } else failures += 1;
    const wait = intervalMs - (t1 - t0);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  maxGap = Math.max(maxGap, performance.now() - last - intervalMs);
  latencies.sort((a, b) => a - b);
  agent.destroy();
  parentPort.postMessage({ requests: latencies.length, failures, maxGapMs: maxGap, maxLatencyMs: latencies.at(-1) ?? 0, p99LatencyMs: latencies[Math.floor(latencies.length * 0.99)] ?? 0 });
})();
`;

const NEIGHBOUR_JS = `
const { parentPort, workerData } = require('node:worker_threads');
const http = require('node:http');
const WebSocket = require(workerData.wsPath);
const { base, intervalMs } = workerData;
let ws, closed = false, ref = 0, waiting = null, errors = 0;
function page() {
  return new Promise((resolve, reject) => {
    http.get(base + '/echo?c=neighbour', (res) => {
      let body = ''; res.setEncoding('utf8'); res.on('data', (c) => (body += c));
      res.on('end', () => { const m = /data-djust-token="([^"]+)"/.exec(body); m ? resolve(m[1]) : reject(new Error('no token: ' + body.slice(0, 200))); });
    }).on('error', reject);
  });
}
function onMessage(data) {
  const frame = JSON.parse(String(data));
  for (const m of Array.isArray(frame) ? frame : [frame]) onEnvelope(m);
}
function onEnvelope(m) {
  if (m.type === 'error') { errors += 1; if (waiting && m.ref === waiting.ref) waiting.done(); return; }
  if (m.type === 'mounted' && waiting && waiting.ref === 0) return waiting.done();
  if (m.type === 'page_metadata' && m.action === 'title' && waiting && waiting.ref > 0) waiting.done();
}
function roundTrip(message, r) {
  return new Promise((resolve) => {
    const timer = setTimeout(() => { waiting = null; errors += 1; resolve(); }, 15000);
    waiting = { ref: r, done: () => { clearTimeout(timer); waiting = null; resolve(); } };
    ws.send(JSON.stringify(message));
  });
}
function waitNs() {
  try { return Number(require('node:fs').readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[1]); } catch { return NaN; }
}
async function windowOf(ms, raw) {
  const lat = []; const e0 = errors; const end = performance.now() + ms; const w0 = waitNs();
  while (!closed && performance.now() < end && lat.length < 1e6) {
    const t0 = performance.now();
    ref += 1;
    await roundTrip({ type: 'event', ref, event: 'ok' }, ref);
    const t1 = performance.now();
    lat.push(t1 - t0);
    const wait = intervalMs - (t1 - t0);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  lat.sort((a, b) => a - b);
  const q = (p) => lat[Math.min(lat.length - 1, Math.floor(lat.length * p))] ?? 0;
  return { count: lat.length, p50: q(0.5), p99: q(0.99), max: lat.at(-1) ?? 0, errors: errors - e0, closed, runQueueWaitMs: (waitNs() - w0) / 1e6, ...(raw ? { latencies: lat } : {}) };
}
(async () => {
  const token = await page();
  ws = new WebSocket(base.replace(/^http/, 'ws') + '/djust/ws', { perMessageDeflate: false });
  ws.on('message', onMessage);
  ws.on('close', () => { closed = true; if (waiting) waiting.done(); });
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  await roundTrip({ type: 'mount', token, url: '/echo?c=neighbour' }, 0);
  parentPort.postMessage({ ready: true });
  parentPort.on('message', async (cmd) => {
    if (cmd.stop) { ws.terminate(); parentPort.close(); return; }
    parentPort.postMessage(await windowOf(cmd.ms, cmd.raw === true));
  });
})().catch((err) => parentPort.postMessage({ failed: String(err && err.stack || err) }));
`;

function once<T>(worker: Worker, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`soak worker: no answer within ${timeoutMs} ms`)), timeoutMs);
    const done = (message: T & { failed?: string }): void => {
      clearTimeout(timer);
      worker.off('error', fail);
      if (message.failed) reject(new Error(message.failed));
      else resolve(message);
    };
    const fail = (err: Error): void => {
      clearTimeout(timer);
      worker.off('message', done);
      reject(err);
    };
    worker.once('message', done);
    worker.once('error', fail);
  });
}

/**
 * Starts the prober; `stop()` ends it and resolves with what it saw. It stops by itself after
 * `maxMs` (default 120 s) whatever happens.
 */
export function startProber(base: string, intervalMs = 5, maxMs = 120_000): { stop(): Promise<ProbeResult> } {
  const worker = new Worker(PROBER_JS, { eval: true, workerData: { base, intervalMs, maxMs } });
  const result = once<ProbeResult>(worker, maxMs + 15_000).finally(() => void worker.terminate());
  result.catch(() => {});
  return {
    stop: () => {
      worker.postMessage('stop');
      return result;
    },
  };
}

/** The neighbour: mounted and ready; `measure(ms)` runs one closed-loop window. */
export interface Neighbour {
  /** One window of `ms`; with `raw`, its round trips too (`latencies`). */
  measure(ms: number, raw?: boolean): Promise<NeighbourWindow>;
  stop(): Promise<void>;
}

/** Opens the neighbour's page and WebSocket; one event at a time, at most one per `intervalMs`. */
export async function startNeighbour(base: string, intervalMs = 8): Promise<Neighbour> {
  const worker = new Worker(NEIGHBOUR_JS, { eval: true, workerData: { base, intervalMs, wsPath: require.resolve('ws') } });
  try {
    await once<{ ready: true }>(worker, 20_000);
  } catch (err) {
    await worker.terminate();
    throw err;
  }
  return {
    measure: (ms, raw = false) => {
      const answer = once<NeighbourWindow>(worker, ms + 30_000);
      worker.postMessage({ ms, raw });
      return answer;
    },
    stop: async () => {
      worker.postMessage({ stop: true });
      await worker.terminate();
    },
  };
}
