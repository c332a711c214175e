/**
 * The "Debug with curl" section of docs/debugging.md, run as written — real `curl` in `bash` — against the
 * demo on 127.0.0.1 (port 0 instead of 3000). Every child process is bounded and killed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { createDemoApp } from '../../demo/app';
import type { DjustLite } from '../../lib';

/** The ```sh blocks of the section "Debug with curl" (docs/debugging.md), in order. */
function readmeCommands(): string[] {
  const readme = readFileSync(path.join(__dirname, '..', '..', 'docs', 'debugging.md'), 'utf8');
  const start = readme.indexOf('\n## Debug with curl\n');
  if (start < 0) throw new Error('docs/debugging.md has no "## Debug with curl" section');
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] as string);
}

let server: http.Server;
let live: DjustLite;
let port = 0;
const children = new Set<ChildProcess>();

beforeAll(async () => {
  ({ live } = (() => {
    const demo = createDemoApp({ heartbeatMs: 200 });
    server = http.createServer(demo.app);
    return demo;
  })());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  live.attach(server);
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  for (const child of children) stop(child);
  await live.close();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** Our port instead of 3000 (and 127.0.0.1: the server listens there only). */
function local(command: string): string {
  return command.replace(/localhost:3000/g, `127.0.0.1:${port}`);
}

/** Kills a background shell and its curl (its own process group). */
function stop(child: ChildProcess): void {
  children.delete(child);
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    // already gone
  }
}

/** A long-running command (curl -N) in its own process group, output collected; killed after 15 s at most. */
function background(command: string, env: Record<string, string>): { output: () => string; until(text: string | RegExp): Promise<void>; child: ChildProcess } {
  const child = spawn('bash', ['-c', command], { detached: true, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  const guard = setTimeout(() => stop(child), 15000);
  child.once('exit', () => clearTimeout(guard));
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => void (out += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => void (err += chunk));
  return {
    child,
    output: () => out,
    until(text) {
      return new Promise((resolve, reject) => {
        const end = Date.now() + 5000;
        const tick = () => {
          if (typeof text === 'string' ? out.includes(text) : text.test(out)) return resolve();
          if (Date.now() > end) return reject(new Error(`timed out waiting for ${String(text)} from: ${command}\nstdout:\n${out}\nstderr:\n${err}`));
          setTimeout(tick, 10);
        };
        tick();
      });
    },
  };
}

/** Runs a command to its end (at most 5 s); resolves with its stdout. */
function run(command: string, env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const job = background(command, env);
    job.child.once('exit', (code) => (code === 0 ? resolve(job.output()) : reject(new Error(`exit ${String(code)}: ${command}\n${job.output()}`))));
    setTimeout(() => reject(new Error(`still running after 5 s: ${command}`)), 5000).unref();
  });
}

/** SSE messages in curl's output, parsed with eventsource-parser. */
function events(output: string): EventSourceMessage[] {
  const found: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => found.push(event) });
  parser.feed(output);
  return found;
}

describe('docs/debugging.md "Debug with curl"', () => {
  it('has the commands: take the token, stream, POST an event, resume', () => {
    const [stream, postEvent, resume] = readmeCommands();
    expect(stream).toMatch(/^TOKEN=\$\(curl -s localhost:3000\/inbox \| sed /);
    expect(stream).toMatch(/curl -N "localhost:3000\/djust\/sse\/[\w-]+\?token=\$TOKEN"/);
    expect(postEvent).toMatch(/curl -i -X POST .*\/message/);
    expect(postEvent).toMatch(/-H "X-Djust-Token: \$TOKEN"/);
    expect(resume).toMatch(/-H 'Last-Event-ID: 2'/);
  });

  it('streams the mount, takes a POSTed event (202) and shows its page_metadata; a resume replays what was missed', async () => {
    const [streamBlock, postBlock, resumeBlock] = readmeCommands().map(local) as [string, string, string];
    const [tokenLine, ...streamLines] = streamBlock.trim().split('\n');
    // Shell 1, line 1: the token, exactly as the guide takes it.
    const token = (await run(`${tokenLine as string}\nprintf %s "$TOKEN"`)).trim();
    expect(token).toMatch(/^[\w-]+\.[\w-]+$/);

    // Shell 1, line 2: the stream.
    const stream = background(streamLines.join('\n'), { TOKEN: token });
    await stream.until('"value":"Inbox"}');
    expect(stream.output().startsWith('retry: 1000\n\nid: 1\nevent: mounted\ndata: {"type":"mounted","html":')).toBe(true);

    // Shell 2: the event.
    const answer = await run(postBlock, { TOKEN: token });
    expect(answer).toMatch(/^HTTP\/1\.1 202 Accepted\r\n/);
    await stream.until('"value":"Inbox (1)"}');
    await stream.until('\n: ping\n');
    const seen = events(stream.output());
    expect(seen.map((e) => [e.id, e.event])).toEqual([['1', 'mounted'], ['2', 'page_metadata'], ['3', 'patch'], ['4', 'page_metadata']]);
    expect(JSON.parse((seen[2] as EventSourceMessage).data)).toMatchObject({ type: 'patch', ref: 1 });
    expect(JSON.parse((seen[3] as EventSourceMessage).data)).toEqual({ type: 'page_metadata', action: 'title', value: 'Inbox (1)' });

    // Ctrl-C in shell 1; another event from shell 2 while no stream is open.
    stop(stream.child);
    await new Promise((resolve) => stream.child.once('exit', resolve));
    expect(await run(postBlock, { TOKEN: token })).toMatch(/^HTTP\/1\.1 202 Accepted\r\n/);

    // Shell 1 again: resume after id 2.
    const resumed = background(resumeBlock, { TOKEN: token });
    await resumed.until('"value":"Inbox (2)"}');
    const replayed = events(resumed.output());
    expect(replayed.map((e) => [e.id, e.event])).toEqual([['3', 'patch'], ['4', 'page_metadata'], ['5', 'patch'], ['6', 'page_metadata']]);
    expect(replayed.map((e) => JSON.parse(e.data) as { value?: string }).map((m) => m.value).filter(Boolean)).toEqual(['Inbox (1)', 'Inbox (2)']);
    stop(resumed.child);
  });

  it('shows a refusal as one line of plain text naming the fix', async () => {
    const out = await run(local(`curl -s -i -X POST localhost:3000/djust/sse/my-debug-2/message -H 'content-type: text/plain' -d '{}'`));
    expect(out).toMatch(/^HTTP\/1\.1 415 Unsupported Media Type\r\n/);
    expect(out).toMatch(/\r\n\r\nUnsupported Media Type: POST the envelope as JSON with Content-Type: application\/json\.\n$/);
  });
});
