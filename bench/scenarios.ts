/**
 * The measurements, each bounded in count and time: closed-loop round trips (latency and
 * events/s), idle connections (server RSS per connection), bytes per update.
 */
import type { LiveClient, EventKind, Page, SystemClient } from './client';
import { machineBusyMicros, type ServerProcess } from './spawn';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A round trip slower than this counts as failed (the watchdog's limit). */
const EVENT_TIMEOUT_MS = 10000;

/** Runs `task` over `items` with at most `limit` at a time. */
async function pool<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await task(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** Opens `count` live connections; each loads its own page unless `page` is shared. */
export async function openClients(system: SystemClient, base: string, count: number, page?: Page, concurrency = 50): Promise<LiveClient[]> {
  const clients: LiveClient[] = [];
  try {
    await pool(Array.from({ length: count }, (_, i) => i), concurrency, async () => {
      const client = await system.connect(base, page ?? (await system.page(base)));
      clients.push(client);
    });
  } catch (err) {
    for (const client of clients) client.close();
    throw err;
  }
  return clients;
}

export interface LoopResult {
  connections: number;
  measuredMs: number;
  /** Round trips completed inside the measured window. */
  events: number;
  eventsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
  maxMs: number;
  samples: number;
  errors: number;
  firstError?: string;
  /** CPU use of the server process over the window, % of one core. */
  serverCpuPct: number;
  /** CPU use of the load-generating (this) process over the window, % of one core. */
  clientCpuPct: number;
  /**
   * CPU used by everything else on the machine over the window (other processes, and kernel
   * work not charged to the two), % of one core. High values mean a noisy run.
   */
  otherCpuPct: number;
  /** Server CPU time (user + system) per round trip completed in the window, µs. */
  serverMicrosPerEvent: number;
  /** The load generator's CPU time per round trip, µs (what a click costs the client side). */
  clientMicrosPerEvent: number;
  /** Windows run to get this one (noisy ones are run again). */
  attempts?: number;
  /** Events/s of every round at this connection count; this window is their median. */
  rounds?: number[];
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] as number;
}

export interface LoopOptions {
  warmupMs: number;
  durationMs: number;
  /** Upper bound on round trips per connection, whatever the duration. */
  maxEventsPerConnection: number;
}

/**
 * Closed loop: every connection sends an event, waits for its update, sends the next — a
 * user clicking as fast as the page answers. Latency = send → awaited update; events/s =
 * round trips completed in the window after the warm-up.
 */
export async function closedLoop(clients: readonly LiveClient[], kind: EventKind, server: ServerProcess, options: LoopOptions): Promise<LoopResult> {
  const { warmupMs, durationMs, maxEventsPerConnection } = options;
  const start = performance.now();
  const from = start + warmupMs;
  const end = from + durationMs;
  const samples: number[] = [];
  let completed = 0;
  let errors = 0;
  let firstError: string | undefined;
  const watchdog = setInterval(() => {
    const now = performance.now();
    for (const client of clients) client.expire(now, EVENT_TIMEOUT_MS);
  }, 250);

  type CpuMark = { at: number; server: number; client: NodeJS.CpuUsage; machine: number | null };
  let cpuStart: CpuMark | null = null;
  const cpuTimer = setTimeout(() => {
    void server.cpu().then((s) => {
      cpuStart = { at: performance.now(), server: s.micros, client: process.cpuUsage(), machine: machineBusyMicros() };
    });
  }, warmupMs);

  await Promise.all(clients.map(async (client) => {
    for (let n = 0; n < maxEventsPerConnection; n++) {
      const t0 = performance.now();
      if (t0 >= end) return;
      try {
        await client.send(kind);
      } catch (err) {
        errors += 1;
        firstError ??= (err as Error).message;
        return;
      }
      const t1 = performance.now();
      if (t1 >= from && t1 <= end) completed += 1;
      if (t0 >= from && t1 <= end) samples.push(t1 - t0);
    }
  }));
  const stopped = performance.now();
  clearInterval(watchdog);
  clearTimeout(cpuTimer);
  const serverEnd = await server.cpu();
  const machineEnd = machineBusyMicros();
  let serverCpuPct = Number.NaN;
  let clientCpuPct = Number.NaN;
  let otherCpuPct = Number.NaN;
  let serverMicrosPerEvent = Number.NaN;
  let clientMicrosPerEvent = Number.NaN;
  const began = cpuStart as CpuMark | null;
  if (began) {
    const wallMicros = (stopped - began.at) * 1000;
    const serverMicros = serverEnd.micros - began.server;
    const c = process.cpuUsage(began.client);
    serverCpuPct = (100 * serverMicros) / wallMicros;
    clientCpuPct = (100 * (c.user + c.system)) / wallMicros;
    if (completed > 0) {
      serverMicrosPerEvent = serverMicros / completed;
      clientMicrosPerEvent = (c.user + c.system) / completed;
    }
    if (began.machine !== null && machineEnd !== null) {
      otherCpuPct = Math.max(0, (100 * (machineEnd - began.machine - serverMicros - c.user - c.system)) / wallMicros);
    }
  }

  const sorted = Float64Array.from(samples).sort();
  const measuredMs = Math.min(stopped, end) - from;
  let sum = 0;
  for (const s of sorted) sum += s;
  return {
    connections: clients.length,
    measuredMs,
    events: completed,
    eventsPerSec: measuredMs > 0 ? (completed * 1000) / measuredMs : 0,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    meanMs: sorted.length ? sum / sorted.length : Number.NaN,
    maxMs: sorted.length ? (sorted[sorted.length - 1] as number) : Number.NaN,
    samples: sorted.length,
    errors,
    firstError,
    serverCpuPct,
    clientCpuPct,
    otherCpuPct,
    serverMicrosPerEvent,
    clientMicrosPerEvent,
  };
}

export interface IdleStep {
  connections: number;
  /** Server RSS growth over the baseline, bytes per idle connection (after GC). */
  rssPerConn: number;
  /** JS heap + external (ArrayBuffers, native buffers) growth per connection, bytes. */
  heapPerConn: number;
  rssBytes: number;
  baselineRss: number;
  openMs: number;
}

export interface IdleResult {
  steps: IdleStep[];
  /** Ladder steps not run, with why (e.g. the open-file limit). */
  skipped: { connections: number; reason: string }[];
  gc: boolean;
}

/**
 * Opens idle live connections up the ladder on a fresh server and measures its RSS after GC
 * at each step against a baseline taken after a short warm-up (template compiled, code hot).
 * With `pages: 'own'` each connection first loads its own page, as a browser tab does, so what
 * a page view leaves on the server (a session, for LiveViewJS) counts too; with `'shared'`
 * they share one page load and only the live connection is measured. Page requests close
 * their socket when answered (no keep-alive socket is left open).
 */
export async function idleLadder(system: SystemClient, server: ServerProcess, ladder: readonly number[], maxConnections: number, limitReason: string, pages: 'own' | 'shared' = 'own'): Promise<IdleResult> {
  const base = server.base;
  const shared = await system.page(base);
  const page = pages === 'shared' ? shared : undefined;
  const warm = await openClients(system, base, 20, page);
  for (const client of warm) client.close();
  await sleep(300);
  const baseline = await server.mem();
  const baseHeap = baseline.heapUsed + baseline.external;
  const clients: LiveClient[] = [];
  const steps: IdleStep[] = [];
  const skipped: { connections: number; reason: string }[] = [];
  try {
    for (const target of ladder) {
      if (target > maxConnections) {
        skipped.push({ connections: target, reason: limitReason });
        continue;
      }
      const t0 = performance.now();
      clients.push(...(await openClients(system, base, target - clients.length, page, 100)));
      const openMs = performance.now() - t0;
      await sleep(500);
      const m = await server.mem();
      steps.push({
        connections: target,
        rssPerConn: (m.rss - baseline.rss) / target,
        heapPerConn: (m.heapUsed + m.external - baseHeap) / target,
        rssBytes: m.rss,
        baselineRss: baseline.rss,
        openMs,
      });
    }
  } finally {
    for (const client of clients) client.close();
  }
  return { steps, skipped, gc: baseline.gc };
}

export interface BytesResult {
  /** Server → client bytes on the wire per update (TCP payload: all framing included). */
  down: number;
  /** Client → server bytes on the wire per event. */
  up: number;
  /** Server → client application bytes (JSON text only). */
  messages: number;
}

/** Average wire bytes of `count` sequential events of each kind, on one connection per kind. */
export async function wireBytes(system: SystemClient, base: string, kinds: readonly EventKind[], count: number): Promise<Partial<Record<EventKind, BytesResult>>> {
  const out: Partial<Record<EventKind, BytesResult>> = {};
  for (const kind of kinds) {
    const [client] = await openClients(system, base, 1);
    if (!client) throw new Error('no client');
    // every wait bounded: an answer that never comes fails the event (as in closedLoop)
    const watchdog = setInterval(() => client.expire(performance.now(), EVENT_TIMEOUT_MS), 250);
    try {
      for (let i = 0; i < 3; i++) await client.send(kind);
      await sleep(100);
      const before = client.wire();
      for (let i = 0; i < count; i++) await client.send(kind);
      await sleep(150);
      const after = client.wire();
      out[kind] = {
        down: (after.read - before.read) / count,
        up: (after.written - before.written) / count,
        messages: (after.messages - before.messages) / count,
      };
    } finally {
      clearInterval(watchdog);
      client.close();
    }
  }
  return out;
}
