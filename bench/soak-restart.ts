/**
 * Server restart while a page has a queued submit (issue 23, row 9), on both transports: the
 * built browser client (public/build/djust.min.js) runs in a jsdom window against a soak-server
 * child; the server is stopped, the page submits (`step`), a new server starts on the same port,
 * and the submit must apply once on the re-mounted view. jsdom has WebSocket; EventSource is the
 * small spec-following one of __tests__/helpers/node-event-source.ts. The bundle's on-demand
 * modules (the SSE transport, djust-sse.min.js) come through the window's `__djustImport`,
 * which stands in for `import()` (a script run by jsdom cannot import). Every wait is bounded;
 * every child is stopped.
 */
import fs from 'node:fs';
import path from 'node:path';
import { JSDOM } from 'jsdom';
import { fetchPage } from '../lib/testing/page';
import { nodeEventSource } from '../__tests__/helpers/node-event-source';
import { freePort, ServerProcess } from './spawn';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));


function startOn(port: number): Promise<ServerProcess> {
  const ts = __filename.endsWith('.ts');
  return ServerProcess.start(`soak restart :${port}`, path.join(__dirname, ts ? 'soak-server.ts' : 'soak-server.js'), {
    nodeFlags: ts ? ['-r', 'ts-node/register/transpile-only'] : [],
    env: { SOAK_PORT: String(port), SOAK_OPTIONS: JSON.stringify({ maxConnectionsPerClient: 100_000 }), TS_NODE_PROJECT: path.join(__dirname, '..', 'tsconfig.json') },
    startTimeoutMs: 60_000,
  });
}

async function until(cond: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = performance.now() + timeoutMs;
  while (!cond()) {
    if (performance.now() > end) return false;
    await sleep(20);
  }
  return true;
}

/** One trial: page live on `transport`, server stopped, submit, server back on the same port; did the submit apply on the new view? */
/** What a built module (`export{a as b,…}` at its end) exports, run as a function in `win`. */
function moduleIn(win: { eval(src: string): unknown }, source: string): Record<string, unknown> {
  const tail = /export\s*\{([^}]*)\};?\s*$/.exec(source);
  if (!tail) throw new Error('a built client module without its trailing export{…}');
  const names = (tail[1] as string).split(',').map((pair) => pair.trim().split(/\s+as\s+/)).map(([local, exported]) => `${JSON.stringify(exported ?? local)}: ${local}`);
  return win.eval(`(() => {${source.slice(0, tail.index)}\nreturn { ${names.join(', ')} };})()`) as Record<string, unknown>;
}

/** The built client files: the bundle as a classic script, and the modules it imports on demand by file name. */
function builtClient(): { bundle: string; modules: Map<string, string> } {
  const dir = path.join(process.env.BENCH_ROOT ?? path.join(__dirname, '..'), 'public', 'build');
  // The bundle is an ES module whose only export is a trailing `export{…}`: run as a classic script without it (it boots on its own).
  const bundle = fs.readFileSync(path.join(dir, 'djust.min.js'), 'utf8').replace(/export\s*\{[^}]*\};?\s*$/, '').replace(/\bimport\(/g, 'window.__djustImport(');
  const modules = new Map(fs.readdirSync(dir).filter((name) => name !== 'djust.min.js' && name.endsWith('.js')).map((name) => [name, fs.readFileSync(path.join(dir, name), 'utf8')]));
  return { bundle, modules };
}

async function trial(transport: 'websocket' | 'sse', client: ReturnType<typeof builtClient>, n: number): Promise<{ delivered: boolean; ms: number; note: string }> {
  const port = await freePort();
  let server = await startOn(port);
  const c = `restart-${transport}-${n}`;
  const url = `${server.base}/echo?c=${c}`;
  const page = await fetchPage(server.base, `/echo?c=${c}`, { agent: false });
  const dom = new JSDOM(page.html.replace('data-djust-token=', `data-djust-transport="${transport}" data-djust-token=`), { url, runScripts: 'outside-only', pretendToBeVisual: true });
  const win = dom.window as unknown as Record<string, unknown> & { eval(src: string): unknown; document: Document; close(): void };
  const origin = server.base;
  Object.assign(win, {
    EventSource: nodeEventSource({ origin: () => origin, timeoutMs: 2000 }),
    fetch: (input: string, init?: RequestInit) => fetch(new URL(input, origin), init),
    __djustImport: async (url: string) => {
      const source = client.modules.get(path.basename(new URL(url, origin).pathname));
      if (source === undefined) throw new Error(`no built client module for ${url}`);
      return moduleIn(win, source);
    },
  });
  if (!(win.crypto as Crypto | undefined)?.randomUUID) Object.assign(win, { crypto: globalThis.crypto });
  const errors: string[] = [];
  win.console = { ...console, debug() {}, warn() {}, error: (...a: unknown[]) => void errors.push(a.map(String).join(' ').slice(0, 200)) };
  const started = performance.now();
  try {
    win.eval(client.bundle);
    const root = () => win.document.querySelector('[dj-root]');
    if (!(await until(() => root()?.classList.contains('dj-connected') === true, 10_000))) return { delivered: false, ms: 0, note: 'never connected' };
    await server.stop();
    await until(() => root()?.classList.contains('dj-disconnected') === true, 10_000);
    const at = performance.now();
    const djust = win.djust as { pushEvent(event: string, params: object): Promise<unknown> };
    void djust.pushEvent('step', { seq: 7 }).catch(() => undefined);
    await sleep(300);
    server = await startOn(port);
    const delivered = await until(() => win.document.title === `${c} #7`, 30_000);
    return { delivered, ms: performance.now() - at, note: delivered ? '' : `title "${win.document.title}"; ${errors.slice(-2).join(' | ')}` };
  } finally {
    (win.djust as { stop?: () => void } | undefined)?.stop?.();
    win.close();
    await server.stop();
    void started;
  }
}

/** `trials` restarts per transport; how many queued submits applied after the re-mount. */
export async function restartTrials(trials: number): Promise<Record<'websocket' | 'sse', { delivered: number; trials: number; notes: string[]; ms: number[] }>> {
  const client = builtClient();
  const out = { websocket: { delivered: 0, trials, notes: [] as string[], ms: [] as number[] }, sse: { delivered: 0, trials, notes: [] as string[], ms: [] as number[] } };
  for (const transport of ['sse', 'websocket'] as const) {
    for (let n = 0; n < trials; n += 1) {
      const r = await trial(transport, client, n);
      if (r.delivered) {
        out[transport].delivered += 1;
        out[transport].ms.push(Math.round(r.ms));
      } else out[transport].notes.push(r.note);
    }
  }
  return out;
}
