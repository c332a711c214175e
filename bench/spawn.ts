/**
 * The parent side of a benchmark server: forks it (its own process, so the load generator
 * never shares its event loop), waits for its port, asks it for memory (after GC) and CPU
 * over IPC, reads VmRSS from /proc, and stops it. Every child started here is ended when
 * the harness exits, whatever the reason.
 */
import { createServer } from 'node:net';
import { fork, type ChildProcess } from 'node:child_process';
import { appendFileSync, readFileSync } from 'node:fs';
import type { ChildMessage, ParentMessage } from './server-child';

export interface MemSample {
  /** Resident set of the server process from /proc/PID/smaps_rollup (bytes); falls back to VmRSS, then its own report. */
  rss: number;
  heapUsed: number;
  /** Bytes V8 holds for its heap (committed), and per space (new, old, code…) when the server says. */
  heapTotal: number;
  spaces?: Record<string, number>;
  /** Per space: bytes in live objects, and bytes resident (V8's physical_space_size). */
  spacesUsed?: Record<string, number>;
  spacesPhysical?: Record<string, number>;
  external: number;
  arrayBuffers: number;
  /** Whether the server ran a full GC before measuring (needs --expose-gc). */
  gc: boolean;
}

export interface CpuSample {
  /** User + system CPU time of the process so far, in microseconds. */
  micros: number;
}

export interface StartOptions {
  /** Extra node flags, e.g. `['--cpu-prof', '--cpu-prof-dir', dir]`. */
  nodeFlags?: string[];
  env?: Record<string, string>;
  /** Working directory of the child (module resolution of a plain-JS server starts at its file anyway). */
  cwd?: string;
  startTimeoutMs?: number;
}

const live = new Set<ChildProcess>();
function killAll(): void {
  for (const child of live) {
    if (child.exitCode === null && child.pid !== undefined) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}
process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killAll();
    process.exit(130);
  });
}

/**
 * The exact resident set of a process (bytes), from /proc/PID/smaps_rollup; null when
 * unavailable. Not VmRSS: the kernel updates that counter per thread in batches of up to 64
 * pages, so with Node's threads it can be off by a few MB — several KB per connection at 1,000.
 */
export function exactRss(pid: number): number | null {
  try {
    const match = /^Rss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** Reads a `Name:   123 kB` line of /proc/PID/status, in bytes; null when unavailable. */
export function procStatusBytes(pid: number, field: 'VmRSS' | 'VmHWM'): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** Soft "Max open files" of a process (`self` or a pid), or null. */
export function openFileLimit(pid: number | 'self' = 'self'): number | null {
  try {
    const limits = readFileSync(`/proc/${pid}/limits`, 'utf8');
    const match = /^Max open files\s+(\d+|unlimited)/m.exec(limits);
    if (!match) return null;
    return match[1] === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(match[1]);
  } catch {
    return null;
  }
}

/**
 * Busy CPU time of the whole machine so far (µs, all cores: user, nice, system, irq, softirq,
 * steal), from /proc/stat; null when unavailable. Minus the server's and the harness's own
 * time, it shows how much else ran during a measurement (a noisy neighbour skews numbers).
 */
export function machineBusyMicros(): number | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] as string;
    const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
    return (((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) * 1e6) / 100;
  } catch {
    return null;
  }
}

/** CPU time (user + system, µs) of a process from /proc/PID/stat; null when unavailable. */
function procCpuMicros(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14, 15)
    return (ticks * 1e6) / 100; // USER_HZ is 100 on Linux
  } catch {
    return null;
  }
}

/** Extra Node flags for every server child (env BENCH_NODE_FLAGS, space-separated), e.g. GC tuning. */
const SERVER_NODE_FLAGS = (process.env.BENCH_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean);

export class ServerProcess {
  readonly name: string;
  readonly port: number;
  readonly #child: ChildProcess;
  readonly #output: string[];
  #nextId = 1;
  readonly #waiting = new Map<number, (message: ChildMessage) => void>();

  private constructor(name: string, port: number, child: ChildProcess, output: string[]) {
    this.name = name;
    this.port = port;
    this.#child = child;
    this.#output = output;
    child.on('message', (raw) => {
      const message = raw as ChildMessage;
      if (message.type === 'ready') return;
      const done = this.#waiting.get(message.id);
      if (done) {
        this.#waiting.delete(message.id);
        done(message);
      }
    });
  }

  /** Forks `script` with --expose-gc (and BENCH_NODE_FLAGS) and resolves once it listens on 127.0.0.1. */
  static start(name: string, script: string, options: StartOptions = {}): Promise<ServerProcess> {
    const output: string[] = [];
    const child = fork(script, [], {
      cwd: options.cwd,
      execArgv: ['--expose-gc', ...(options.nodeFlags ?? []), ...SERVER_NODE_FLAGS],
      env: { ...process.env, NODE_ENV: 'benchmark', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    live.add(child);
    // BENCH_SERVER_OUT=<file>: every line the servers print appended there too (e.g. BENCH_NODE_FLAGS=--trace-gc).
    const copyTo = process.env.BENCH_SERVER_OUT;
    const keep = (chunk: Buffer): void => {
      if (copyTo) appendFileSync(copyTo, chunk);
      output.push(chunk.toString('utf8'));
      if (output.length > 50) output.shift();
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.once('exit', () => live.delete(child));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`${name}: server did not start within ${options.startTimeoutMs ?? 20000} ms.\n${output.join('')}`));
      }, options.startTimeoutMs ?? 20000);
      child.on('message', function onReady(raw) {
        const message = raw as ChildMessage;
        if (message.type !== 'ready') return;
        clearTimeout(timer);
        child.off('message', onReady);
        resolve(new ServerProcess(name, message.port, child, output));
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${name}: server exited during start (code ${code}, signal ${signal}).\n${output.join('')}`));
      });
    });
  }

  get pid(): number {
    return this.#child.pid as number;
  }

  get base(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Recent stdout/stderr of the server (for error reports). */
  get output(): string {
    return this.#output.join('');
  }

  #ask(type: 'mem' | 'cpu' | 'heap', timeoutMs = 30000, file = '', fill = true): Promise<ChildMessage> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(id);
        reject(new Error(`${this.name}: no ${type} answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#waiting.set(id, (message) => {
        clearTimeout(timer);
        resolve(message);
      });
      this.#child.send((type === 'heap' ? { type, id, file } : type === 'mem' ? { type, id, fill } : { type, id }) satisfies ParentMessage);
    });
  }

  /**
   * Memory after full GCs in the server; RSS read from /proc/PID/smaps_rollup right after. `fill` (default): the young generation grown to its largest first,
   * as every bench reading does; false: a plain full GC (bench/indep.ts shows both).
   */
  async mem(fill = true): Promise<MemSample> {
    const reply = await this.#ask('mem', 30000, '', fill);
    if (reply.type !== 'mem') throw new Error('unexpected reply');
    const rss = exactRss(this.pid) ?? procStatusBytes(this.pid, 'VmRSS') ?? reply.rss;
    return { rss, heapUsed: reply.heapUsed, heapTotal: reply.heapTotal, spaces: reply.spaces, spacesUsed: reply.spacesUsed, spacesPhysical: reply.spacesPhysical, external: reply.external, arrayBuffers: reply.arrayBuffers, gc: reply.gc };
  }

  /** Writes a heap snapshot of the server (after a full GC) to `file`; resolves with its path. */
  async heapSnapshot(file: string): Promise<string> {
    const reply = await this.#ask('heap', 300000, file);
    if (reply.type !== 'heap') throw new Error('unexpected reply');
    return reply.file;
  }

  /** CPU time used so far (µs), from /proc (no IPC round trip, so it never waits on a busy loop). */
  async cpu(): Promise<CpuSample> {
    const micros = procCpuMicros(this.pid);
    if (micros !== null) return { micros };
    const reply = await this.#ask('cpu');
    if (reply.type !== 'cpu') throw new Error('unexpected reply');
    return { micros: reply.user + reply.system };
  }

  /** Asks the server to close and exit (so --cpu-prof can write); SIGKILL after `graceMs`. */
  stop(graceMs = 5000): Promise<void> {
    const child = this.#child;
    if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
      }, graceMs);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      try {
        child.send({ type: 'exit' } satisfies ParentMessage);
      } catch {
        child.kill('SIGKILL');
      }
    });
  }
}

/** A port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}
