import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page, Request } from 'playwright-core';
import type { DjustLiteOptions } from '../../../lib';
import { startDemo, type AppFactory, type DemoServer, type ServerLog } from './demo-server';
import { messages, WAIT_MS, waitLive } from './page';

/** Where failure screenshots go (gitignored). `E2E_SCREENSHOTS=always` keeps them for passing tests too. */
export const RESULTS_DIR = path.resolve(__dirname, '..', '..', '..', 'test-results', 'e2e');

export interface TransportCase {
  name: 'websocket' | 'sse';
  /** Passed to createDemoApp (or `app`). */
  options: DjustLiteOptions;
  /** The app to serve instead of the demo (same shape as createDemoApp). */
  app?: AppFactory;
}

/**
 * Both transports. `websocket` is the demo's default (`transport: 'auto'`, WebSocket first);
 * `sse` forces Server-Sent Events. Each page checks which one it really used.
 */
export const TRANSPORTS: TransportCase[] = [
  { name: 'websocket', options: {} },
  { name: 'sse', options: { transport: 'sse' } },
];

/** What one page did that a user would call broken. */
interface PageRecord {
  page: Page;
  label: string;
  problems: string[];
  /** Network noise while the test stopped the server on purpose. */
  tolerated: string[];
  websockets: string[];
  sseRequests: string[];
  /** Requests for the SSE transport module (`djust-sse.min.js`), which only SSE pages load. */
  sseModule: number;
}

export interface OpenOptions {
  /** Wait for `[dj-root].dj-connected` and check the transport. Default true. */
  live?: boolean;
  /** Serve an empty module for every `/djust/….js`, so the page stays as the server rendered it. */
  blockClient?: boolean;
}

/** The browser client: any script under /djust/, bundle or module, with or without `?v=`. */
const isClientScript = (url: URL): boolean => url.pathname.startsWith('/djust/') && url.pathname.endsWith('.js');

/** The SSE requests of a page: its stream (`GET /djust/sse/<session>`) and POSTs. */
const isSseRequest = (url: URL): boolean => url.pathname.startsWith('/djust/sse/');

/** Init script: every server message the client handled, in order, in `window.__djustMessages`. */
const RECORD_MESSAGES = `window.__djustMessages = [];
document.addEventListener('djust:message', (event) => window.__djustMessages.push(event.detail));`;

export interface Session {
  readonly transport: TransportCase;
  readonly context: BrowserContext;
  /** The demo server now running (changes after `restartServer`). */
  readonly server: DemoServer;
  /** Opens `path` in a new tracked page; by default waits until it is live over the expected transport. */
  open(path: string, options?: OpenOptions): Promise<Page>;
  /**
   * Stops the server with every connection, runs `whileDown` (e.g. wait for the page to show
   * it is disconnected), then starts a new one on the same port with the same secret.
   * Failed requests and connection errors while it is down are expected and not reported.
   */
  restartServer(whileDown?: () => Promise<void>): Promise<void>;
  /** Ends the outage: waits until every open page is live again (over the same transport). */
  waitAllLive(): Promise<void>;
}

function isNetworkNoise(text: string): boolean {
  return /WebSocket connection to .* failed|Failed to load resource|net::ERR_|EventSource/i.test(text);
}

function fileSafe(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 120) || 'test';
}

/**
 * Runs one end-to-end test: a fresh demo server (127.0.0.1, port 0) and a fresh browser
 * context; every page opened through the session is watched for console errors, uncaught
 * exceptions, failed requests and HTTP errors, which fail the test at the end, as do errors
 * logged by the server. On failure each page's screenshot goes to test-results/e2e/.
 */
export async function runSession(browser: Browser, transport: TransportCase, body: (session: Session) => Promise<void>): Promise<void> {
  const testName = expect.getState().currentTestName ?? 'e2e';
  const log: ServerLog = { errors: [], warnings: [] };
  let server = await startDemo(transport.options, 0, log, transport.app);
  const context = await browser.newContext();
  context.setDefaultTimeout(WAIT_MS);
  await context.addInitScript({ content: RECORD_MESSAGES });
  const records: PageRecord[] = [];
  let outage = false;

  const track = (page: Page, label: string): PageRecord => {
    const record: PageRecord = { page, label, problems: [], tolerated: [], websockets: [], sseRequests: [], sseModule: 0 };
    const report = (text: string, network: boolean) => {
      if (outage && network) record.tolerated.push(text);
      else record.problems.push(text);
    };
    page.on('console', (msg) => {
      if (msg.type() !== 'error') return;
      const where = msg.location().url ? ` (${msg.location().url}:${msg.location().lineNumber})` : '';
      report(`console error: ${msg.text()}${where}`, isNetworkNoise(msg.text()));
    });
    page.on('pageerror', (err) => report(`uncaught exception: ${err.stack ?? err.message}`, false));
    // A page load (reload, redirect, pushNavigate to another layout) aborts the SSE requests of
    // the page it leaves: the open stream, and a POST whose answer already came on the stream.
    // That is the page leaving, not a failure: tolerated when a load started after the request.
    let requests = 0;
    let lastLoad = -1;
    const started = new WeakMap<Request, number>();
    page.on('request', (req) => {
      started.set(req, requests++);
      if (req.isNavigationRequest() && req.frame() === page.mainFrame()) lastLoad = requests;
    });
    page.on('requestfailed', (req) => {
      const text = `request failed: ${req.method()} ${req.url()}: ${req.failure()?.errorText ?? '?'}`;
      const leftBehind = isSseRequest(new URL(req.url())) && req.failure()?.errorText === 'net::ERR_ABORTED' && lastLoad > (started.get(req) ?? Infinity);
      if (leftBehind) record.tolerated.push(text);
      else report(text, true);
    });
    page.on('response', (res) => {
      if (res.status() >= 400) report(`HTTP ${res.status()}: ${res.request().method()} ${res.url()}`, false);
    });
    page.on('websocket', (ws) => void record.websockets.push(ws.url()));
    page.on('request', (req) => {
      const { pathname } = new URL(req.url());
      if (pathname.startsWith('/djust/sse/')) record.sseRequests.push(`${req.method()} ${req.url()}`);
      if (pathname === '/djust/djust-sse.min.js') record.sseModule += 1;
    });
    records.push(record);
    return record;
  };

  /** Fails unless the page really used the transport under test (and, for WebSocket, never fell back to SSE). */
  const checkTransport = (record: PageRecord) => {
    const { websockets, sseRequests, sseModule, label } = record;
    const seen = `WebSockets ${JSON.stringify(websockets)}, SSE requests ${JSON.stringify(sseRequests)}, SSE module loaded ${sseModule}×`;
    if (transport.name === 'websocket' && (websockets.length === 0 || sseRequests.length > 0 || sseModule > 0)) {
      throw new Error(`[page ${label}] expected the default transport to be a WebSocket (no SSE); saw ${seen}`);
    }
    if (transport.name === 'sse' && (websockets.length > 0 || !sseRequests.some((r) => r.startsWith('GET ')) || sseModule === 0)) {
      throw new Error(`[page ${label}] createDemoApp({ transport: 'sse' }) must make the client use SSE only; saw ${seen}`);
    }
  };

  const session: Session = {
    transport,
    context,
    get server() {
      return server;
    },
    async open(urlPath, { live = true, blockClient = false } = {}) {
      const page = await context.newPage();
      const record = track(page, `${records.length + 1}-${urlPath}`);
      if (blockClient) await page.route(isClientScript, (route) => route.fulfill({ status: 200, contentType: 'text/javascript', body: '// blocked by the e2e test\n' }));
      await page.goto(server.origin + urlPath, { waitUntil: 'load' });
      if (live) {
        await waitLive(page);
        checkTransport(record);
      }
      return page;
    },
    async restartServer(whileDown) {
      outage = true;
      const port = server.port;
      await server.stop();
      await whileDown?.();
      server = await startDemo(transport.options, port, log, transport.app);
    },
    async waitAllLive() {
      for (const record of records) {
        if (record.page.isClosed()) continue;
        await waitLive(record.page);
        checkTransport(record);
      }
      outage = false;
    },
  };

  let failure: unknown = null;
  let bodyPassed = false;
  try {
    await body(session);
    bodyPassed = true;
    outage = false;
    const problems = records.flatMap((r) => r.problems.map((p) => `[page ${r.label}] ${p}`));
    expect({ browserProblems: problems, serverErrors: log.errors }).toEqual({ browserProblems: [], serverErrors: [] });
  } catch (err) {
    failure = err;
  }
  const lastMessages: string[] = [];
  if (failure !== null) {
    for (const record of records) {
      if (record.page.isClosed()) continue;
      const seen = await messages(record.page).catch(() => []);
      const tail = seen.slice(-8).map((m) => JSON.stringify(m).slice(0, 200));
      lastMessages.push(`  [page ${record.label}] ${record.page.url()} (${seen.length} messages${seen.length > 8 ? ', last 8' : ''})`, ...tail.map((t) => `    ${t}`));
    }
  }
  if (failure !== null || process.env.E2E_SCREENSHOTS === 'always') {
    mkdirSync(RESULTS_DIR, { recursive: true });
    for (const record of records) {
      if (record.page.isClosed()) continue;
      const file = path.join(RESULTS_DIR, `${fileSafe(testName)}--${fileSafe(record.label)}.png`);
      await record.page.screenshot({ path: file, fullPage: true }).catch(() => undefined);
    }
  }
  await context.close().catch(() => undefined);
  await server.stop();
  if (failure !== null) {
    const extra = bodyPassed ? [] : records.flatMap((r) => r.problems.map((p) => `  [page ${r.label}] ${p}`));
    let suffix = '';
    if (extra.length > 0) suffix += `\nAlso seen in the browser:\n${extra.join('\n')}`;
    if (lastMessages.length > 0) suffix += `\nServer messages each page handled:\n${lastMessages.join('\n')}`;
    if (!bodyPassed && log.errors.length > 0) suffix += `\nServer errors:\n  ${log.errors.slice(0, 5).join('\n  ')}`;
    if (log.warnings.length > 0) suffix += `\nServer warnings:\n  ${log.warnings.join('\n  ')}`;
    if (failure instanceof Error && suffix) {
      // jest prints the stack, which holds the message; read it before the message changes.
      const { stack, message } = failure;
      failure.message = message + suffix;
      if (stack?.includes(message)) failure.stack = stack.replace(message, failure.message);
    }
    throw failure;
  }
}
