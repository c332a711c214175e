/**
 * `npm run demo -- --workers 2`: the demo on several processes (node:cluster), sharing the port
 * and one Redis (`REDIS_URL`, default redis://127.0.0.1:6379) for broadcasts and SSE routing.
 * The primary restarts a worker that dies (at most 5 times a minute) and stops them all on
 * SIGINT/SIGTERM.
 */
import cluster from 'node:cluster';

/** `--workers N` from the command line, or null. */
export function workersFlag(argv: readonly string[]): number | null {
  const at = argv.indexOf('--workers');
  const text = at >= 0 ? argv[at + 1] : argv.find((a) => a.startsWith('--workers='))?.slice('--workers='.length);
  if (text === undefined) return null;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new RangeError(`--workers must be a whole number from 1 to 64, got ${JSON.stringify(text)}.`);
  return n;
}

/** Runs `worker` in `count` cluster workers (this process is the primary). */
export function runPrimary(count: number): void {
  const restarts: number[] = [];
  let stopping = false;
  console.log(`djust-lite demo: primary ${process.pid} starting ${count} workers (REDIS_URL=${process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'})`);
  // Under ts-node (npm run demo) the workers need it too.
  if (/\.ts$/.test(process.argv[1] ?? '')) cluster.setupPrimary({ execArgv: [...process.execArgv, '-r', 'ts-node/register/transpile-only'] });
  for (let i = 0; i < count; i += 1) cluster.fork();
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    const now = Date.now();
    while (restarts.length > 0 && (restarts[0] as number) < now - 60_000) restarts.shift();
    if (restarts.length >= 5) {
      console.error(`djust-lite demo: worker ${worker.process.pid} exited (${signal ?? code}); 5 restarts in a minute already, not restarting.`);
      return;
    }
    restarts.push(now);
    console.warn(`djust-lite demo: worker ${worker.process.pid} exited (${signal ?? code}); starting another.`);
    cluster.fork();
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      stopping = true;
      for (const worker of Object.values(cluster.workers ?? {})) worker?.kill('SIGTERM');
      setTimeout(() => process.exit(0), 5000).unref();
      cluster.on('exit', () => {
        if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      });
    });
  }
}
