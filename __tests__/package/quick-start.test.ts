import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { ServerMessage } from '../../lib/contract/protocol';
import { openWebSocket, type Channel } from '../../lib/testing/channels';
import { envelope } from '../../lib/testing/messages';
import { openPage } from '../../lib/testing/page';
import { packBuiltPackage } from '../helpers/built-package';
import { readmeQuickStarts, type QuickStart } from '../helpers/readme-quick-start';

/**
 * The README's quick starts as a newcomer runs them (issue 25): a fresh folder, the README's
 * commands typed as written — `npm init -y`, its install lines, `npx tsc` — and its files
 * written as its blocks hold them (tsconfig.json included), against the packed tarball. Only
 * three things differ from a reader's shell: `djust-lite` in an install line is the tarball,
 * `typescript` is pinned to the version under test (5.9 and the newest), and the server gets
 * `PORT` (a free one). The server then runs as the README starts it; the test GETs the page,
 * connects over WebSocket with the protocol client of djust-lite/testing, clicks, and waits
 * for the title change; then it edits the template and waits for the development reload.
 */

const run = promisify(execFile);
const TYPESCRIPT_VERSIONS = ['5.9', 'latest'];

/** A README command with the tarball in place of `djust-lite` and the pinned TypeScript. */
function localized(command: string, tarball: string, typescript: string): string {
  if (!command.startsWith('npm install')) return command;
  const words = command.split(/\s+/).map((word) => (word === 'djust-lite' ? tarball : word === 'typescript' ? `typescript@${typescript}` : word));
  return [...words, '--prefer-offline', '--no-audit', '--no-fund'].join(' ');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().once('error', reject).listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Resolves with the first stdout line matching `pattern`; rejects when the process exits first or after `ms`. */
function lineFrom(child: ChildProcess, pattern: RegExp, ms: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`no line matching ${pattern} in ${ms} ms; output: ${out}`)), ms);
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n').find((l) => pattern.test(l));
      if (line !== undefined) {
        clearTimeout(timer);
        resolve(line);
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => void (out += chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited (${code}) before printing ${pattern}; output: ${out}`));
    });
  });
}

/** Waits (up to `ms`) for a message `match` accepts among those `seen` holds or will hold (from index `from`). */
async function waitForMessage(seen: ServerMessage[], match: (m: ServerMessage) => boolean, ms: number, from = 0): Promise<ServerMessage> {
  const end = Date.now() + ms;
  for (;;) {
    const found = seen.slice(from).find(match);
    if (found) return found;
    if (Date.now() > end) throw new Error(`no such message in ${ms} ms; got ${JSON.stringify(seen)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('The README quick start, run as written from the packed tarball', () => {
  let tmp: string;
  let tarball: string;
  const quickStarts = readmeQuickStarts();

  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'djust-lite-quick-start-'));
    ({ tarball } = packBuiltPackage(tmp));
  }, 180_000);
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('the README says what a newcomer types: TypeScript and its types in the install line, the build, the run', () => {
    expect(quickStarts.typescript.commands).toEqual(expect.arrayContaining([
      'npm init -y', 'npm install djust-lite express', 'npm install -D typescript @types/express @types/node', 'npx tsc', 'node dist/server.js',
    ]));
    expect(Object.keys(quickStarts.typescript.files).sort()).toEqual(['server.ts', 'tsconfig.json', 'views/inbox.njk']);
    expect(quickStarts.javascript.commands).toEqual(['npm init -y', 'npm install djust-lite express', 'node --watch server.mjs']);
    expect(Object.keys(quickStarts.javascript.files).sort()).toEqual(['server.mjs', 'views/inbox.njk']);
  });

  /** Runs `quickStart` in a fresh folder; returns what the page and the live connection showed. */
  async function runQuickStart(name: string, quickStart: QuickStart, typescript: string) {
    const project = fs.mkdtempSync(path.join(tmp, `${name}-`));
    const commands = [...quickStart.commands];
    const server = commands.pop() as string;
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.NODE_ENV; // a newcomer's shell: development
    // Files first: `npm init -y` reads the folder, and the README shows them before the build.
    for (const [file, text] of Object.entries(quickStart.files)) {
      fs.mkdirSync(path.dirname(path.join(project, file)), { recursive: true });
      fs.writeFileSync(path.join(project, file), text);
    }
    const versions: string[] = [];
    for (const command of commands) {
      await run('sh', ['-c', localized(command, tarball, typescript)], { cwd: project, env, timeout: 150_000, maxBuffer: 16 * 1024 * 1024 });
      if (command === 'npx tsc') versions.push((await run('npx', ['tsc', '--version'], { cwd: project, env })).stdout.trim());
    }
    const port = await freePort();
    const child = spawn('sh', ['-c', `exec ${server}`], { cwd: project, env: { ...env, PORT: String(port) }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const agent = new http.Agent({ keepAlive: true });
    let channel: Channel | undefined;
    try {
      const printed = await lineFrom(child, /^Open http:/, 20_000);
      const origin = `http://127.0.0.1:${port}`;
      const page = await openPage(origin, '/inbox', {}, agent);
      const seen: ServerMessage[] = [];
      const closed: string[] = [];
      channel = await openWebSocket({ origin, prefix: page.prefix, token: page.token, url: page.url, agent, timeoutMs: 5000 }, {
        message: (m) => seen.push(m),
        closed: (reason) => closed.push(reason),
      });
      await waitForMessage(seen, (m) => m.type === 'mounted', 5000);
      const clicked = seen.length;
      await channel.send(envelope.event(1, 'receive'));
      const title = await waitForMessage(seen, (m) => m.type === 'page_metadata' && m.action === 'title', 5000, clicked);
      // Development reload: a template edit reaches the open page.
      const edited = seen.length;
      const template = path.join(project, 'views', 'inbox.njk');
      fs.writeFileSync(template, fs.readFileSync(template, 'utf8').replace('unread</p>', 'unread messages</p>'));
      const reload = await waitForMessage(seen, (m) => m.type === 'dev', 5000, edited);
      // The quick start's template re-renders its block, not the page: no development notice.
      const notices = seen.slice(0, edited).filter((m) => m.type === 'dev');
      return { versions, printed, firstTitle: page.title, title, reload, notices, closed };
    } finally {
      await channel?.close();
      agent.destroy();
      if (child.exitCode === null && child.pid !== undefined) process.kill(-child.pid, 'SIGTERM');
      await new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(null)));
    }
  }

  for (const typescript of TYPESCRIPT_VERSIONS) {
    it(`TypeScript ${typescript}: installs, compiles with the README's tsconfig, serves /inbox, and a click changes the title`, async () => {
      const seen = await runQuickStart(`ts-${typescript}`, quickStarts.typescript, typescript);
      expect(seen.versions).toHaveLength(1);
      if (typescript !== 'latest') expect(seen.versions[0]).toMatch(new RegExp(`^Version ${typescript.replace('.', '\\.')}\\.`));
      expect(seen.printed).toMatch(/^Open http:\/\/localhost:\d+\/inbox$/);
      expect(seen.firstTitle).toBe('Inbox');
      expect(seen.title).toEqual({ type: 'page_metadata', action: 'title', value: 'Inbox (1)' });
      expect(seen.reload).toEqual({ type: 'dev', action: 'reload' });
      expect(seen.notices).toEqual([]);
      expect(seen.closed).toEqual([]);
    }, 240_000);
  }

  it('plain JavaScript: installs, runs server.mjs under node --watch, and a click changes the title', async () => {
    const seen = await runQuickStart('js', quickStarts.javascript, 'latest');
    expect(seen.firstTitle).toBe('Inbox');
    expect(seen.title).toEqual({ type: 'page_metadata', action: 'title', value: 'Inbox (1)' });
    expect(seen.reload).toEqual({ type: 'dev', action: 'reload' });
    expect(seen.notices).toEqual([]);
  }, 240_000);
});
