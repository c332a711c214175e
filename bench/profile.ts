/**
 * `npm run bench -- --profile [system]`: one server (djust-lite over WebSocket by default)
 * under `node --cpu-prof` while 50 connections click in a closed loop; then the profile's top
 * self-time functions and modules. The .cpuprofile stays in bench/results/profile/ (open it
 * in Chrome DevTools). Profiling the floor, the wire floor or LiveViewJS the same way shows
 * what a round trip costs without djust-lite's work.
 */
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { SystemClient } from './client';
import { closedLoop, openClients, type LoopOptions } from './scenarios';
import { ServerProcess } from './spawn';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface SelfTime {
  name: string;
  where: string;
  ms: number;
  pct: number;
}

/** Where a frame lives, short: `lib/render.js:77`, `nunjucks/…/environment.js:120`, `node:internal/…`. */
function shortUrl(url: string, line: number, root: string): string {
  if (!url) return '(native)';
  let p = url.replace(/^file:\/\//, '');
  const build = path.join(root, 'bench', 'results', '.build') + path.sep;
  if (p.startsWith(build)) p = p.slice(build.length);
  else if (p.includes('/node_modules/')) p = p.slice(p.lastIndexOf('/node_modules/') + '/node_modules/'.length);
  else if (p.startsWith(root)) p = path.relative(root, p);
  return `${p}:${line + 1}`;
}

function moduleOf(where: string): string {
  if (where === '(native)') return '(native / V8)';
  if (where.startsWith('node:')) return where.split('/').slice(0, 2).join('/').replace(/:\d+$/, '');
  if (where.startsWith('lib/') || where.startsWith('bench/')) return where.replace(/:\d+$/, '');
  return where.startsWith('@') ? where.split('/').slice(0, 2).join('/') : (where.split('/')[0] as string);
}

/** Self time per function and per module; `(idle)` is left out of the percentages. */
export function summarize(profile: CpuProfile, root: string): { total: number; idle: number; functions: SelfTime[]; modules: SelfTime[] } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const functions = new Map<string, SelfTime>();
  const modules = new Map<string, SelfTime>();
  let total = 0;
  let idle = 0;
  for (const [id, micros] of self) {
    const frame = (byId.get(id) as ProfileNode).callFrame;
    const name = frame.functionName || '(anonymous)';
    if (name === '(idle)') {
      idle += micros;
      continue;
    }
    total += micros;
    const where = frame.url ? shortUrl(frame.url, frame.lineNumber, root) : name.startsWith('(') ? '' : '(native)';
    const key = `${name} ${where}`;
    const f = functions.get(key) ?? { name, where, ms: 0, pct: 0 };
    f.ms += micros / 1000;
    functions.set(key, f);
    const mod = where === '' ? name : moduleOf(where);
    const m = modules.get(mod) ?? { name: mod, where: '', ms: 0, pct: 0 };
    m.ms += micros / 1000;
    modules.set(mod, m);
  }
  const finish = (list: Iterable<SelfTime>): SelfTime[] =>
    [...list].map((x) => ({ ...x, pct: (100 * x.ms * 1000) / total })).sort((a, b) => b.ms - a.ms);
  return { total: total / 1000, idle: idle / 1000, functions: finish(functions.values()), modules: finish(modules.values()) };
}

export interface ProfileOptions {
  root: string;
  results: string;
  serverScript: string;
  loop: LoopOptions;
  log: (message: string) => void;
  connections?: number;
  /** Name of what is profiled, e.g. `djust-ws` (file names, output). */
  name: string;
  client: SystemClient;
  /** Environment of the server child (views, where the built package is). */
  env: Record<string, string>;
}

export async function runProfile(options: ProfileOptions): Promise<void> {
  const { root, results, serverScript, loop, log } = options;
  const connections = options.connections ?? 50;
  const { name: label, client } = options;
  const dir = path.join(results, 'profile');
  mkdirSync(dir, { recursive: true });
  const name = `${label}-${connections}conns-${new Date().toISOString().replace(/[:.]/g, '-')}.cpuprofile`;
  log(`profiling ${label} under ${connections} connections, ${loop.warmupMs}+${loop.durationMs} ms`);
  const server = await ServerProcess.start(`${label} (profiled)`, serverScript, {
    nodeFlags: ['--cpu-prof', '--cpu-prof-dir', dir, '--cpu-prof-name', name],
    env: options.env,
  });
  let result;
  try {
    const clients = await openClients(client, server.base, connections);
    try {
      result = await closedLoop(clients, 'inc', server, loop);
    } finally {
      for (const c of clients) c.close();
    }
  } finally {
    await server.stop(15000);
  }
  const file = readdirSync(dir).includes(name) ? path.join(dir, name) : null;
  if (!file) throw new Error(`no profile written in ${dir}`);
  const summary = summarize(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, root);
  const lines = [
    '',
    `${label} under ${connections} connections: ${Math.round(result.eventsPerSec)} events/s, p50 ${result.p50Ms.toFixed(3)} ms, p99 ${result.p99Ms.toFixed(3)} ms, server CPU ${Math.round(result.serverCpuPct)}%`,
    `profile: ${path.relative(root, file)} — ${summary.total.toFixed(0)} ms on CPU (idle ${summary.idle.toFixed(0)} ms left out)`,
    '',
    'top self time, by function:',
    ...summary.functions.slice(0, 30).map((f) => `${f.pct.toFixed(1).padStart(5)}%  ${f.ms.toFixed(0).padStart(6)} ms  ${f.name}  ${f.where}`),
    '',
    'self time by module:',
    ...summary.modules.slice(0, 15).map((m) => `${m.pct.toFixed(1).padStart(5)}%  ${m.ms.toFixed(0).padStart(6)} ms  ${m.name}`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  writeFileSync(path.join(results, `profile-${label}-latest.json`), JSON.stringify({ file: path.relative(root, file), loop: result, ...summary }, null, 2));
}
