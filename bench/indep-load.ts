/**
 * The load generator of bench/indep.ts, in a process of its own (so its CPU never shows in the
 * server's and its event loop never delays the harness's readings). Driven over IPC:
 * `open` N live connections to one system (each after its own page load), `run` a fixed
 * number of counter clicks closed-loop over them (warm-up first, then waits for `go` so the
 * harness can read the server's CPU between the two), `close` them all. Every wait is bounded
 * by the clients' own watchdog; the process exits when the harness goes away.
 */
import type { LiveClient, SystemClient } from './client';
import { djustWs } from './client-djust';
import { floorClient } from './client-floor';
import { liveviewjs } from './client-lvjs';
import { openClients } from './scenarios';

export type LoadSystem = 'djust' | 'liveviewjs' | 'floor';

/** Harness → load generator. */
export type LoadCommand =
  | { type: 'open'; system: LoadSystem; base: string; count: number; floorBytes?: number }
  | { type: 'run'; warmup: number; events: number }
  | { type: 'go' }
  | { type: 'close' };

/** Load generator → harness. */
export type LoadReply =
  | { type: 'opened'; count: number }
  | { type: 'warm' }
  | { type: 'done'; events: number; ms: number; loadCpuMicros: number }
  | { type: 'closed' }
  | { type: 'failed'; message: string };

const EVENT_TIMEOUT_MS = 10000;

function systemClient(system: LoadSystem, floorBytes: number): SystemClient {
  switch (system) {
    case 'djust':
      return djustWs;
    case 'liveviewjs':
      return liveviewjs;
    case 'floor':
      return floorClient(() => floorBytes);
  }
}

let clients: LiveClient[] = [];
let go: (() => void) | null = null;

function reply(message: LoadReply): void {
  process.send?.(message);
}

/** `events` clicks in all, each connection sending its next one when its last one's title arrived. */
async function clicks(events: number): Promise<void> {
  let sent = 0;
  const watchdog = setInterval(() => {
    const now = performance.now();
    for (const c of clients) c.expire(now, EVENT_TIMEOUT_MS);
  }, 1000);
  try {
    await Promise.all(clients.map(async (client) => {
      while (sent < events) {
        sent += 1;
        await client.send('inc');
      }
    }));
  } finally {
    clearInterval(watchdog);
  }
}

async function handle(command: LoadCommand): Promise<void> {
  switch (command.type) {
    case 'open':
      clients = await openClients(systemClient(command.system, command.floorBytes ?? 120), command.base, command.count, undefined, 50);
      reply({ type: 'opened', count: clients.length });
      return;
    case 'run': {
      await clicks(command.warmup);
      const started = new Promise<void>((resolve) => {
        go = resolve;
      });
      reply({ type: 'warm' });
      await started;
      const cpu = process.cpuUsage();
      const t0 = performance.now();
      await clicks(command.events);
      const used = process.cpuUsage(cpu);
      reply({ type: 'done', events: command.events, ms: performance.now() - t0, loadCpuMicros: used.user + used.system });
      return;
    }
    case 'go':
      go?.();
      go = null;
      return;
    case 'close':
      for (const c of clients) c.close();
      clients = [];
      reply({ type: 'closed' });
      return;
  }
}

if (!process.send) throw new Error('bench/indep-load: start me with child_process.fork (IPC channel needed).');
process.on('message', (raw: unknown) => {
  handle(raw as LoadCommand).catch((err: unknown) => reply({ type: 'failed', message: err instanceof Error ? err.message : String(err) }));
});
process.on('disconnect', () => process.exit(0));
