/**
 * The 10 parallel uploaders of the upload benchmark (bench/upload.ts), in a process of their
 * own: the harness process then holds only the neighbour whose clicks are timed, so its p99 is
 * the server's, not the uploaders' frame building on the same event loop.
 *
 * Run as a child (`fork`), it opens `BENCH_LOAD_PAGES` upload pages over WebSocket, says
 * `ready`, and on `go` uploads `BENCH_LOAD_BYTES` bytes again and again from each page until
 * `BENCH_LOAD_MS` have passed (a page finishes the upload under way), at most
 * `BENCH_LOAD_ROUNDS` times, then says `done` (with its wall time, CPU and the bytes sent) and exits. The parent side is `UploadLoad`:
 * every wait bounded, the child killed on `stop()`, on a timeout and when the harness exits.
 */
import { fork, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import { BenchPage } from './upload-page';

type ToParent = { type: 'ready' } | { type: 'done'; ms: number; cpuMs: number; bytes: number } | { type: 'error'; message: string };

const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

/** The parent's handle on the uploaders' process. */
export class UploadLoad {
  readonly #child: ChildProcess;
  readonly #messages: ToParent[] = [];
  #wake: (() => void) | null = null;
  #exited = false;

  private constructor(child: ChildProcess) {
    this.#child = child;
    children.add(child);
    child.on('message', (m: ToParent) => {
      this.#messages.push(m);
      this.#wake?.();
    });
    child.on('exit', () => {
      this.#exited = true;
      children.delete(child);
      this.#wake?.();
    });
  }

  /** Forks `script` (this file, compiled) against `origin`; resolves once its pages are open (60 s at most). */
  static async start(script: string, origin: string, options: { pages: number; bytes: number; rounds: number; ms: number }): Promise<UploadLoad> {
    const child = fork(script, [], {
      env: { ...process.env, BENCH_LOAD_ORIGIN: origin, BENCH_LOAD_PAGES: String(options.pages), BENCH_LOAD_BYTES: String(options.bytes), BENCH_LOAD_ROUNDS: String(options.rounds), BENCH_LOAD_MS: String(options.ms) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const load = new UploadLoad(child);
    await load.#next('ready', 60_000);
    return load;
  }

  /** Starts the uploads; resolves when they are done (`timeoutMs` at most), with the child's wall time, CPU and bytes sent. */
  async run(timeoutMs: number): Promise<{ ms: number; cpuMs: number; bytes: number }> {
    this.#child.send('go');
    const done = await this.#next('done', timeoutMs);
    return done.type === 'done' ? { ms: done.ms, cpuMs: done.cpuMs, bytes: done.bytes } : { ms: 0, cpuMs: 0, bytes: 0 };
  }

  async #next(type: 'ready' | 'done', timeoutMs: number): Promise<ToParent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = this.#messages.shift();
      if (m?.type === 'error') throw new Error(`bench: the uploaders' process failed: ${m.message}`);
      if (m?.type === type) return m;
      if (m) continue;
      if (this.#exited) throw new Error(`bench: the uploaders' process exited before '${type}'`);
      if (Date.now() > deadline) {
        this.stop();
        throw new Error(`bench: the uploaders' process did not say '${type}' within ${timeoutMs} ms; killed`);
      }
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        setTimeout(resolve, 500);
      });
      this.#wake = null;
    }
  }

  /** Kills the child if it still runs. */
  stop(): void {
    if (!this.#exited) this.#child.kill('SIGKILL');
  }
}

async function child(): Promise<void> {
  const say = (m: ToParent): void => void process.send?.(m);
  // BENCH_UPLOAD_LOAD_NICE=19: the uploaders yield the CPU to the server and the neighbour (a
  // diagnosis: how much of the neighbour's wait is the uploaders' process competing for the cores).
  if (process.env.BENCH_UPLOAD_LOAD_NICE) os.setPriority(Number(process.env.BENCH_UPLOAD_LOAD_NICE));
  const origin = process.env.BENCH_LOAD_ORIGIN as string;
  const pages = await Promise.all(Array.from({ length: Number(process.env.BENCH_LOAD_PAGES) }, () => BenchPage.open(origin, '/upload', 'websocket')));
  const bytes = Buffer.alloc(Number(process.env.BENCH_LOAD_BYTES), 0x5a);
  const rounds = Number(process.env.BENCH_LOAD_ROUNDS);
  const loadMs = Number(process.env.BENCH_LOAD_MS);
  let sent = 0;
  // The parent going away ends this process too.
  process.on('disconnect', () => process.exit(1));
  process.once('message', () => {
    const started = performance.now();
    const cpu = process.cpuUsage();
    Promise.all(pages.map(async (page) => {
      for (let i = 0; i < rounds && performance.now() - started < loadMs; i += 1) {
        await page.upload(bytes);
        sent += bytes.length;
      }
    }))
      .then(async () => {
        const used = process.cpuUsage(cpu);
        say({ type: 'done', ms: performance.now() - started, cpuMs: (used.user + used.system) / 1000, bytes: sent });
        await Promise.all(pages.map((p) => p.close()));
        process.exit(0);
      })
      .catch((err: unknown) => {
        say({ type: 'error', message: String(err) });
        process.exit(1);
      });
  });
  say({ type: 'ready' });
}

if (require.main === module) {
  child().catch((err: unknown) => {
    void process.send?.({ type: 'error', message: String(err) });
    process.exit(1);
  });
}
