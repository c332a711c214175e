/**
 * Debian's nginx as a real reverse proxy in front of a test app: a generated config (the one
 * the README's "Deploying" section shows, `siteConfig()`), a free 127.0.0.1 port per server
 * block, `-p <tmpdir>`, `daemon off`, every log and temp file in the tmpdir; `stop()` ends it
 * and removes the tmpdir.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** The binary: NGINX_PATH, else Debian's. */
export const NGINX_PATH = process.env.NGINX_PATH ?? '/usr/sbin/nginx';

/** Goes in `http { }`: the `Connection` header for the upstream, `upgrade` only when the client asked for one. */
export const UPGRADE_MAP = `map $http_upgrade $connection_upgrade {
    default upgrade;
    ''      close;
}`;

export interface LocationOptions {
  /** The app's mount path, e.g. `/app` (`app.use('/app', live)`). */
  mount: string;
  /** Where the app listens, e.g. `127.0.0.1:3000`. */
  upstream: string;
  /** Pass WebSocket upgrades (default true). Without, the client falls back to SSE. */
  websocket?: boolean;
  /** Forward the client's `Host` (default true); false leaves nginx's default (the upstream's address), as proxies that rewrite Host do. */
  forwardHost?: boolean;
}

/** Goes in `server { }`: the app under its mount path, as the README shows it. */
export function appLocation({ mount, upstream, websocket = true, forwardHost = true }: LocationOptions): string {
  return [
    `location ${mount}/ {`,
    `    proxy_pass http://${upstream};`,
    '    proxy_http_version 1.1;',
    ...(websocket ? ['    proxy_set_header Upgrade $http_upgrade;', '    proxy_set_header Connection $connection_upgrade;'] : []),
    ...(forwardHost ? ['    proxy_set_header Host $http_host;'] : []),
    '    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
    '    proxy_set_header X-Forwarded-Host $http_host;',
    '    proxy_set_header X-Forwarded-Proto $scheme;',
    '    proxy_buffering off;',
    '    proxy_read_timeout 90s;',
    '}',
  ].join('\n');
}

/** One `server { }` block of the proxy: its location options (the upstream is filled in). */
export type ServerBlock = Omit<LocationOptions, 'upstream'>;

export interface Nginx {
  /** `http://127.0.0.1:<port>` of each server block, in order. */
  readonly origins: string[];
  /** The tmpdir given as `-p` (config, logs, pid, temp files). */
  readonly dir: string;
  /** What nginx wrote to its error log so far. */
  errorLog(): string;
  /** The access log so far, a line per request: `"<request line>" <status> <upstream address>`. */
  accessLog(): string;
  /** Stops nginx (SIGTERM, then SIGKILL after 3 s) and removes the tmpdir. Idempotent. */
  stop(): Promise<void>;
}

/** A port free on 127.0.0.1 now (nginx binds it a moment later). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

function config(dir: string, upstream: number | readonly number[], blocks: { port: number; block: ServerBlock }[]): string {
  const at = (name: string) => path.join(dir, name);
  // Several app ports: one `upstream` group, which nginx balances round robin (no stickiness).
  const group = typeof upstream === 'number' ? [] : ['    upstream djust_apps {', ...upstream.map((port) => `        server 127.0.0.1:${port};`), '    }'];
  const target = typeof upstream === 'number' ? `127.0.0.1:${upstream}` : 'djust_apps';
  const servers = blocks.map(({ port, block }) => [
    '    server {',
    `        listen 127.0.0.1:${port};`,
    appLocation({ ...block, upstream: target }).replace(/^/gm, '        '),
    '    }',
  ].join('\n'));
  return [
    'daemon off;',
    'worker_processes 1;',
    // Root's workers would run as nobody, who cannot write in a 0700 tmpdir.
    ...(process.getuid?.() === 0 ? ['user root;'] : []),
    `pid ${at('nginx.pid')};`,
    `error_log ${at('error.log')} info;`,
    'events { worker_connections 256; }',
    'http {',
    // The request, its status and the app that answered it (`accessLog()`).
    '    log_format djust \'"$request" $status $upstream_addr\';',
    `    access_log ${at('access.log')} djust;`,
    ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `    ${t}_temp_path ${at(t)};`),
    UPGRADE_MAP.replace(/^/gm, '    '),
    ...group,
    ...servers,
    '}',
    '',
  ].join('\n');
}

/** Resolves once `port` accepts a TCP connection; rejects when `child` exits first or after ~5 s. */
async function listening(port: number, child: ChildProcess, output: () => string): Promise<void> {
  for (let i = 0; i < 100; i += 1) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`nginx exited (${child.exitCode ?? child.signalCode}): ${output()}`);
    const up = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (up) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nginx did not listen on 127.0.0.1:${port} within 5 s: ${output()}`);
}

/**
 * Starts nginx in front of the app on 127.0.0.1:`upstream` (or the apps on each port of it,
 * round robin), one server block per entry of `servers`. Fails with the install command when
 * the binary is missing.
 *
 * @example
 * const proxy = await startNginx(appPort, [{ mount: '/app' }, { mount: '/app', websocket: false }]);
 * await fetchPage(proxy.origins[0], '/app/store/1');
 * await proxy.stop();
 */
export async function startNginx(upstream: number | readonly number[], servers: ServerBlock[]): Promise<Nginx> {
  if (!existsSync(NGINX_PATH)) {
    throw new Error(`nginx not found at ${NGINX_PATH}: these tests run a real reverse proxy. Install it with: apt-get install -y nginx (or set NGINX_PATH).`);
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'djust-nginx-'));
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const blocks = await Promise.all(servers.map(async (block) => ({ port: await freePort(), block })));
    writeFileSync(path.join(dir, 'nginx.conf'), config(dir, upstream, blocks));
    const child = spawn(NGINX_PATH, ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-e', path.join(dir, 'error.log')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout?.on('data', (d: Buffer) => void (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => void (output += d.toString()));
    const log = (name: string) => () => (existsSync(path.join(dir, name)) ? readFileSync(path.join(dir, name), 'utf8') : '');
    const errorLog = log('error.log');
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    let stopped = false;
    const stop = async () => {
      if (stopped) return;
      stopped = true;
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    };
    try {
      for (const { port } of blocks) await listening(port, child, () => `${output}${errorLog()}`);
      return { origins: blocks.map(({ port }) => `http://127.0.0.1:${port}`), dir, errorLog, accessLog: log('access.log'), stop };
    } catch (err) {
      lastError = err;
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
      if (!/Address already in use/.test(String(err))) break; // a port taken meanwhile: try others
    }
  }
  rmSync(dir, { recursive: true, force: true });
  throw lastError;
}
