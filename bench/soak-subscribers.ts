/**
 * The fan-out's chat subscribers in a process of their own (as bench/upload-load.ts does for the
 * uploaders): the harness process then holds only the neighbour whose clicks are timed, and what
 * the subscribers' clients cost — 100 sockets taking 10,000 pushes a second — shows as a CPU
 * column of its own instead of hiding in the harness's or "other". Each subscriber is a plain
 * `ws` client that mounts `/chat` and, per frame, counts its patches and reads its title's count
 * (`Chat (n)`) from the text: it does not JSON-parse or apply the patches (a load generator, not
 * a browser; lib/testing's client, which parses every frame, is what `subscribe` in
 * bench/soak-clients.ts uses in-process).
 *
 * Run as a child (`fork`): opens BENCH_SUBS_COUNT sockets on BENCH_SUBS_BASE with
 * BENCH_SUBS_TOKEN, says `ready` once all are mounted, answers `counts` with its counts and CPU,
 * and closes its sockets and exits on `stop`, on a parent that goes away, and after
 * BENCH_SUBS_MAX_MS whatever happens. The parent side (`subscribeInChild`) bounds every wait and
 * kills the child by its pid.
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import WebSocket from 'ws';
import type { Subscribers } from './soak-clients';

type ToParent =
  | { type: 'ready' }
  | { type: 'counts'; received: number; applied: number; cpuMicros: number }
  | { type: 'error'; message: string };

const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

/** Subscribers in a child process; `cpuMicros()` is that process's CPU so far. */
export interface ChildSubscribers extends Subscribers {
  cpuMicros(): number;
  /** Asks the child for its counts (received, applied and CPU read by the methods above). */
  refresh(): Promise<void>;
}

/** Forks the subscribers; resolves once all `count` are mounted (60 s at most). */
export async function subscribeInChild(base: string, token: string, count: number, maxMs = 600_000): Promise<ChildSubscribers> {
  const ts = __filename.endsWith('.ts');
  const child = fork(__filename, [], {
    execArgv: ts ? ['-r', 'ts-node/register/transpile-only'] : [],
    env: { ...process.env, BENCH_SUBS_BASE: base, BENCH_SUBS_TOKEN: token, BENCH_SUBS_COUNT: String(count), BENCH_SUBS_MAX_MS: String(maxMs), TS_NODE_PROJECT: path.join(__dirname, '..', 'tsconfig.json') },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.add(child);
  let exited = false;
  child.once('exit', () => {
    exited = true;
    children.delete(child);
  });
  const next = <T extends ToParent['type']>(type: T, timeoutMs: number): Promise<Extract<ToParent, { type: T }>> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => finish(new Error(`soak subscribers: no "${type}" within ${timeoutMs} ms`)), timeoutMs);
      const onMessage = (m: ToParent): void => {
        if (m.type === 'error') finish(new Error(`soak subscribers: ${m.message}`));
        else if (m.type === type) finish(null, m as Extract<ToParent, { type: T }>);
      };
      const onExit = (): void => finish(new Error('soak subscribers: the child exited'));
      const finish = (err: Error | null, m?: Extract<ToParent, { type: T }>): void => {
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
        if (err) reject(err);
        else resolve(m as Extract<ToParent, { type: T }>);
      };
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
  const kill = async (): Promise<void> => {
    if (exited) return;
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
  };
  try {
    await next('ready', 60_000);
  } catch (err) {
    await kill();
    throw err;
  }
  let last = { received: 0, applied: 0, cpuMicros: 0 };
  return {
    received: () => last.received,
    applied: () => last.applied,
    cpuMicros: () => last.cpuMicros,
    refresh: async () => {
      const answer = next('counts', 10_000);
      child.send('counts');
      last = await answer;
    },
    close: async () => {
      if (exited) return;
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.send('stop');
      const timer = setTimeout(() => void kill(), 10_000);
      await gone;
      clearTimeout(timer);
    },
  };
}

/** The child: `count` sockets, each counting its patches and reading its title's count. */
async function child(): Promise<void> {
  const say = (m: ToParent): void => void process.send?.(m);
  const base = process.env.BENCH_SUBS_BASE as string;
  const token = process.env.BENCH_SUBS_TOKEN as string;
  const count = Math.min(Number(process.env.BENCH_SUBS_COUNT), 10_000);
  setTimeout(() => process.exit(2), Number(process.env.BENCH_SUBS_MAX_MS)).unref();
  process.on('disconnect', () => process.exit(1));
  const url = `${base.replace(/^http/, 'ws')}/djust/ws`;
  const mount = JSON.stringify({ type: 'mount', token, url: '/chat' });
  const sockets: WebSocket[] = [];
  const titles: number[] = [];
  let received = 0;
  const open = (slot: number): Promise<void> =>
    new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { perMessageDeflate: false });
      sockets.push(ws);
      const timer = setTimeout(() => reject(new Error(`subscriber ${slot}: not mounted within 20 s`)), 20_000);
      ws.once('open', () => ws.send(mount));
      ws.once('error', (err) => reject(err));
      ws.on('message', (data: WebSocket.RawData) => {
        const text = String(data);
        if (text.includes('"type":"mounted"')) {
          clearTimeout(timer);
          resolve();
        }
        for (let at = text.indexOf('"type":"patch"'); at >= 0; at = text.indexOf('"type":"patch"', at + 1)) received += 1;
        const title = /Chat \((\d+)\)/.exec(text);
        if (title) titles[slot] = Number(title[1]);
      });
    });
  for (let i = 0; i < count; i += 20) {
    await Promise.all(Array.from({ length: Math.min(20, count - i) }, (_, k) => {
      titles[i + k] = 0;
      return open(i + k);
    }));
  }
  process.on('message', (m: unknown) => {
    if (m === 'counts') {
      const cpu = process.cpuUsage();
      say({ type: 'counts', received, applied: titles.reduce((a, b) => a + b, 0), cpuMicros: cpu.user + cpu.system });
    } else if (m === 'stop') {
      let left = sockets.length;
      const done = (): void => {
        if ((left -= 1) <= 0) process.exit(0);
      };
      if (left === 0) process.exit(0);
      for (const ws of sockets) {
        if (ws.readyState === WebSocket.CLOSED) done();
        else {
          ws.once('close', done);
          ws.close(1000, 'soak done');
        }
      }
      setTimeout(() => process.exit(0), 5000).unref();
    }
  });
  say({ type: 'ready' });
}

if (require.main === module) {
  child().catch((err: unknown) => {
    void process.send?.({ type: 'error', message: String(err) });
    process.exit(1);
  });
}
