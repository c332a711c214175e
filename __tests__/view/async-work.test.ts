/**
 * assignAsync / startAsync (lib/view/async-work.ts): the work runs off the event queue, its
 * result is applied as a job of the view, newer calls supersede older ones, unmount and
 * navigation cancel it, failures never crash the process — over both transports, through
 * liveTest (a real server on 127.0.0.1:0, real WebSocket / SSE clients).
 */
import express from 'express';
import { AsyncResult, djustLite, eventHandler, LiveView, type AsyncOutcome, type DjustLite, type MountContext } from '../../lib';
import { liveTest, type LiveTestView } from '../../lib/testing';
import { memoryEnvironment } from '../helpers/memory-templates';

const TEMPLATES: Record<string, string> = {
  'layout.njk': '<!doctype html><html><head>{% djust_head %}</head><body>{% djust_flash %}{% block content %}{% endblock %}{% djust_scripts %}</body></html>',
  'profile.njk': '{% extends "layout.njk" %}{% block content %}<main dj-root>' +
    '<p id="user">{% if user.loading %}Loading user{% elif user.ok %}User {{ user.result.name }}{% elif user.failed %}Failed: {{ user.failed.message }}{% endif %}</p>' +
    '<p id="clicks">clicks {{ clicks }}</p></main>{% endblock %}',
  'search.njk': '{% extends "layout.njk" %}{% block content %}<main dj-root><p id="q">query {{ query }}</p>' +
    '<p id="state">{% if searching %}searching{% else %}idle{% endif %}</p><ul>{% for h in hits %}<li>{{ h }}</li>{% endfor %}</ul>' +
    '<p id="error">{{ error }}</p><p id="keys">keys {{ keys }}</p></main>{% endblock %}',
};

/** A promise the test settles. */
interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(reason: unknown): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** What the views' async functions report to the test, and wait for. */
interface Control {
  /** One per call of an async function: its label, its signal, and what it waits for. */
  runs: { label: string; signal: AbortSignal; gate: Deferred<string> }[];
  /** Resolved by each view's unmount. */
  unmounted: Deferred<string>;
}

let control: Control;

/** Registers a run of an async function and returns what it should wait for. */
function run(label: string, signal: AbortSignal): Promise<string> {
  const gate = deferred<string>();
  control.runs.push({ label, signal, gate });
  return gate.promise;
}

class ProfileView extends LiveView {
  static override template = 'profile.njk';
  user = AsyncResult.loading<{ name: string }>();
  clicks = 0;

  override mount(ctx: MountContext) {
    this.assignAsync('user', async (signal) => ({ user: { name: await run(`user:${ctx.connected}`, signal) } }));
  }

  @eventHandler()
  click() {
    this.clicks += 1;
  }

  @eventHandler()
  reload() {
    this.assignAsync('user', async (signal) => ({ user: { name: await run('reload', signal) } }));
  }

  @eventHandler()
  reloadReset() {
    this.assignAsync('user', async (signal) => ({ user: { name: await run('reset', signal) } }), { reset: true });
  }

  @eventHandler()
  cancelUser() {
    this.pushReply({ cancelled: this.cancelAsync(this.user) });
  }

  @eventHandler()
  badKeys() {
    this.assignAsync('user', (async (signal: AbortSignal) => ({ other: await run('bad', signal) })) as unknown as () => Promise<{ user: unknown }>);
  }

  override unmount() {
    control.unmounted.resolve(this.constructor.name);
  }
}

class SearchView extends LiveView {
  static override template = 'search.njk';
  query = '';
  searching = false;
  hits: string[] = [];
  error = '';
  keys = 0;

  @eventHandler()
  search(params: { q?: unknown }) {
    const q = String(params.q ?? '');
    this.query = q;
    this.searching = true;
    this.startAsync('search', async (signal) => {
      const found = await run(`search:${q}`, signal);
      return found.split(',');
    });
  }

  /** A keystroke that is not a search: answered while a search runs. */
  @eventHandler()
  key() {
    this.keys += 1;
  }

  @eventHandler()
  searchThenFail() {
    this.startAsync('search', (signal) => run('never', signal));
    throw new Error('the handler failed after startAsync');
  }

  @eventHandler()
  flaky() {
    this.startAsync('flaky', (signal) => run('flaky', signal));
  }

  @eventHandler()
  throwsInHandleAsync() {
    this.startAsync('explode', (signal) => run('explode', signal));
  }

  @eventHandler()
  cancel() {
    this.pushReply({ cancelled: this.cancelAsync('search', new Error('stopped by the user')) });
  }

  /** Asks for work, then awaits: the view may unmount before the handler ends. */
  @eventHandler()
  async startThenWait() {
    this.startAsync('late', (signal) => run('late-start', signal));
    await run('handler-gate', new AbortController().signal);
  }

  @eventHandler()
  leave() {
    this.startAsync('search', (signal) => run('leaving', signal));
    this.pushNavigate('/profile');
  }

  override handleAsync(name: string, result: AsyncOutcome) {
    if (name === 'explode') throw new Error('handleAsync broke');
    this.searching = false;
    if (result.ok) {
      this.hits = result.value as string[];
      this.error = '';
      this.pageTitle = `${this.hits.length} hits`;
      this.putFlash('info', `Search ${name} done`);
    } else {
      this.error = result.reason instanceof Error ? result.reason.message : String(result.reason);
    }
  }

  override unmount() {
    control.unmounted.resolve(this.constructor.name);
  }
}

/** A view with no handleAsync. */
class NoHandlerView extends LiveView {
  static override template = 'search.njk';
  query = '';
  searching = false;
  hits: string[] = [];
  error = '';
  keys = 0;

  @eventHandler()
  go() {
    this.startAsync('orphan', (signal) => run('orphan', signal));
  }
}

interface Logs {
  debug: string[];
  warn: string[];
  error: { message: string; error: unknown }[];
}

function makeApp(logs: Logs): { app: express.Express; live: DjustLite } {
  const live = djustLite({
    env: memoryEnvironment(TEMPLATES),
    logger: {
      debug: (line) => logs.debug.push(line),
      warn: (message) => logs.warn.push(message),
      error: (message, error) => logs.error.push({ message, error }),
    },
  });
  live.route('/profile', ProfileView, { liveSession: 'app' });
  live.route('/search', SearchView, { liveSession: 'app' });
  live.route('/orphan', NoHandlerView);
  const app = express();
  app.use(live);
  return { app, live };
}

/** Waits until the async function labelled `label` has been called (it runs after its handler). */
async function runOf(view: LiveTestView, label: string): Promise<Control['runs'][number]> {
  await view.waitFor(() => control.runs.some((r) => r.label === label), `a run of ${label}`);
  return control.runs.find((r) => r.label === label) as Control['runs'][number];
}

/** Lets the event loop turn a few times (a dropped result would have arrived by then). */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i += 1) await new Promise((resolve) => setImmediate(resolve));
}

/** Polls `check` (no message marks the moment), up to 2 s. */
async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i += 1) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(check()).toBe(true);
}

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};
beforeAll(() => process.on('unhandledRejection', onUnhandled));
afterAll(() => process.off('unhandledRejection', onUnhandled));

describe.each(['websocket', 'sse'] as const)('async work over %s', (transport) => {
  let logs: Logs;
  let app: express.Express;
  let live: DjustLite;
  const views: LiveTestView[] = [];

  async function open(path: string): Promise<LiveTestView> {
    const view = await liveTest(app, path, { transport });
    views.push(view);
    return view;
  }

  beforeEach(() => {
    control = { runs: [], unmounted: deferred<string>() };
    logs = { debug: [], warn: [], error: [] };
    ({ app, live } = makeApp(logs));
    unhandled.length = 0;
  });

  afterEach(async () => {
    for (const view of views.splice(0)) await view.close();
    await live.close();
    for (const r of control.runs) r.gate.resolve('late'); // nothing left hanging
    await settle();
    expect(unhandled).toEqual([]);
  });

  describe('assignAsync', () => {
    it('renders loading on the HTTP render without running the work, then the result once connected', async () => {
      const view = await open('/profile');
      expect(view.html()).toContain('Loading user');
      const first = await runOf(view, 'user:true');
      expect(control.runs.map((r) => r.label)).toEqual(['user:true']); // not run for the HTTP render
      first.gate.resolve('Ada');
      await view.waitFor((v) => v.html().includes('User Ada'), 'the user');
      expect(view.html()).not.toContain('Loading');
    });

    it('handles other events while the work runs', async () => {
      const view = await open('/profile');
      const first = await runOf(view, 'user:true');
      const started = performance.now();
      await view.event('click');
      await view.event('click');
      expect(performance.now() - started).toBeLessThan(1000);
      expect(view.html()).toContain('clicks 2');
      expect(view.html()).toContain('Loading user');
      first.gate.resolve('Ada');
      await view.waitFor((v) => v.html().includes('User Ada'), 'the user');
      expect(view.html()).toContain('clicks 2');
    });

    it('keeps the previous result while reloading, drops it with reset, and a newer call supersedes the older', async () => {
      const view = await open('/profile');
      (await runOf(view, 'user:true')).gate.resolve('Ada');
      await view.waitFor((v) => v.html().includes('User Ada'), 'the user');
      await view.event('reload');
      expect(view.html()).toContain('Loading user'); // loading is tested first in the template
      const older = await runOf(view, 'reload');
      await view.event('reloadReset');
      const newer = await runOf(view, 'reset');
      expect(older.signal.aborted).toBe(true);
      expect((older.signal.reason as Error).name).toBe('AbortError');
      expect(newer.signal.aborted).toBe(false);
      older.gate.resolve('Stale');
      await settle();
      expect(view.html()).toContain('Loading user');
      newer.gate.resolve('Grace');
      await view.waitFor((v) => v.html().includes('User Grace'), 'the newer user');
      expect(view.messages.some((m) => JSON.stringify(m).includes('Stale'))).toBe(false);
      expect(logs.debug.some((l) => l.includes('ProfileView.assignAsync("user") finished after it was superseded'))).toBe(true);
    });

    it('shows failed with the reason when the work throws, logged with the view, and the process lives on', async () => {
      const view = await open('/profile');
      (await runOf(view, 'user:true')).gate.reject(new Error('database down'));
      await view.waitFor((v) => v.html().includes('Failed: database down'), 'the failure');
      expect(logs.error.map((e) => e.message)).toContain('djust-lite: ProfileView.assignAsync("user") failed (the view gets the reason)');
      await view.event('click');
      expect(view.html()).toContain('clicks 1');
    });

    it('fails the key with a clear reason when the result lacks it', async () => {
      const view = await open('/profile');
      (await runOf(view, 'user:true')).gate.resolve('Ada');
      await view.waitFor((v) => v.html().includes('User Ada'), 'the user');
      await view.event('badKeys');
      (await runOf(view, 'bad')).gate.resolve('x');
      await view.waitFor((v) => v.html().includes('Failed: '), 'the failure');
      expect(view.html()).toContain('"user" is missing');
    });
  });

  describe('startAsync', () => {
    it('runs the slow search off the queue: keystrokes are answered meanwhile, the newer search supersedes the older', async () => {
      const view = await open('/search');
      await view.event('search', { q: 'mu' });
      const older = await runOf(view, 'search:mu');
      expect(view.html()).toContain('searching');
      const started = performance.now();
      await view.event('key');
      expect(performance.now() - started).toBeLessThan(1000);
      expect(view.html()).toContain('keys 1');
      await view.event('search', { q: 'mug' });
      const newer = await runOf(view, 'search:mug');
      expect(older.signal.aborted).toBe(true);
      older.gate.resolve('stale-hit');
      await settle();
      expect(view.html()).not.toContain('stale-hit');
      newer.gate.resolve('mug,mug stand');
      await view.waitFor((v) => v.html().includes('<li>mug stand</li>'), 'the hits');
      // Applied as a job of the view: render, head and flash as after a handler.
      expect(view.html()).toContain('idle');
      expect(view.title).toBe('2 hits');
      expect(view.flash.info).toBe('Search search done');
    });

    it('gives handleAsync { ok: false, reason } when the work throws', async () => {
      const view = await open('/search');
      await view.event('flaky');
      (await runOf(view, 'flaky')).gate.reject(new Error('timeout upstream'));
      await view.waitFor((v) => v.html().includes('timeout upstream'), 'the failure');
      expect(logs.error.map((e) => e.message)).toContain('djust-lite: SearchView.startAsync("flaky") failed (the view gets the reason)');
    });

    it('does not start work asked for by a handler that failed', async () => {
      const view = await open('/search');
      await expect(view.event('searchThenFail')).rejects.toMatchObject({ code: 'handler_failed' });
      await settle();
      expect(control.runs.map((r) => r.label)).toEqual([]);
    });

    it('logs a failing handleAsync with the view and handler, answers error, and keeps the view', async () => {
      const view = await open('/search');
      await view.event('throwsInHandleAsync');
      (await runOf(view, 'explode')).gate.resolve('x');
      await view.waitFor((v) => v.messages.some((m) => m.type === 'error'), 'the error');
      expect(logs.error.map((e) => e.message)).toContain('djust-lite: SearchView.handleAsync("explode") failed');
      expect(view.messages.find((m) => m.type === 'error')).toMatchObject({ code: 'handler_failed', ref: null });
      await view.event('key');
      expect(view.html()).toContain('keys 1');
    });

    it('warns when the view has no handleAsync', async () => {
      const view = await open('/orphan');
      await view.event('go');
      (await runOf(view, 'orphan')).gate.resolve('x');
      await until(() => logs.warn.length > 0);
      expect(logs.warn[0]).toContain('NoHandlerView.startAsync("orphan") finished but the view has no handleAsync');
    });
  });

  describe('cancelAsync', () => {
    it('aborts a startAsync and gives handleAsync { ok: false, reason }', async () => {
      const view = await open('/search');
      await view.event('search', { q: 'tea' });
      const pending = await runOf(view, 'search:tea');
      const answer = await view.event('cancel');
      expect(answer.response.payload).toEqual({ cancelled: true });
      expect(pending.signal.aborted).toBe(true);
      await view.waitFor((v) => v.html().includes('stopped by the user'), 'the cancellation');
      expect(view.html()).toContain('idle');
      pending.gate.resolve('late-hit');
      await settle();
      expect(view.html()).not.toContain('late-hit');
      expect((await view.event('cancel')).response.payload).toEqual({ cancelled: false });
    });

    it('aborts an assignAsync given its AsyncResult, marking its keys failed at once', async () => {
      const view = await open('/profile');
      const first = await runOf(view, 'user:true');
      const answer = await view.event('cancelUser');
      expect(answer.response.payload).toEqual({ cancelled: true });
      expect(first.signal.aborted).toBe(true);
      expect(view.html()).toContain('Failed: ProfileView.cancelAsync(): cancelled.');
      first.gate.resolve('Ada');
      await settle();
      expect(view.html()).not.toContain('User Ada');
      expect((await view.event('cancelUser')).response.payload).toEqual({ cancelled: false });
    });
  });

  describe('cancellation', () => {
    it('starts nothing for a handler that ends after the view unmounted', async () => {
      const view = await open('/search');
      void view.event('startThenWait').catch(() => undefined); // its answer never comes: the view closes first
      await until(() => control.runs.length === 1); // no message marks it: the handler is still running
      const gate = control.runs[0] as Control['runs'][number];
      await view.close();
      await control.unmounted.promise;
      gate.gate.resolve('go');
      await settle();
      expect(control.runs.map((r) => r.label)).toEqual(['handler-gate']);
    });

    it('aborts the work when the view unmounts and drops its result', async () => {
      const view = await open('/search');
      await view.event('search', { q: 'tea' });
      const pending = await runOf(view, 'search:tea');
      await view.close();
      await control.unmounted.promise;
      expect(pending.signal.aborted).toBe(true);
      expect((pending.signal.reason as Error).message).toBe('SearchView.startAsync("search") was cancelled: connection ended.');
      pending.gate.resolve('late-hit');
      await settle();
      expect(logs.debug.some((l) => l.includes('SearchView.startAsync("search") finished after it was cancelled by unmount'))).toBe(true);
    });

    it('aborts the work when the view navigates away', async () => {
      const view = await open('/search');
      await view.event('leave');
      await view.waitFor((v) => v.url === '/profile', 'the navigation');
      const leaving = await runOf(view, 'leaving');
      await control.unmounted.promise;
      expect(leaving.signal.aborted).toBe(true);
      expect((leaving.signal.reason as Error).message).toContain('navigated to ProfileView');
      leaving.gate.resolve('late');
      (await runOf(view, 'user:true')).gate.resolve('Ada');
      await view.waitFor((v) => v.html().includes('User Ada'), 'the new view\'s user');
      expect(view.html()).not.toContain('late');
    });
  });
});

describe('assignAsync and startAsync arguments', () => {
  it('refuse a bad key list or function with the argument named', () => {
    const view = new ProfileView();
    expect(() => view.assignAsync([] as never[], async () => ({}))).toThrow(expect.objectContaining({ code: 'DJUST_ERR_INVALID_ARG', message: expect.stringContaining('keys') }));
    expect(() => view.assignAsync('user', 'nope' as never)).toThrow(expect.objectContaining({ code: 'DJUST_ERR_INVALID_ARG', message: expect.stringContaining('fn') }));
    expect(() => view.startAsync('', async () => 1)).toThrow(expect.objectContaining({ code: 'DJUST_ERR_INVALID_ARG', message: expect.stringContaining('name') }));
  });

  it('AsyncResult states read as the template tests them', () => {
    const ok = AsyncResult.ok({ name: 'Ada' });
    expect(AsyncResult.loading(ok)).toEqual({ loading: true, ok: true, result: { name: 'Ada' }, failed: null });
    expect(AsyncResult.failed(undefined, ok)).toEqual({ loading: false, ok: false, result: { name: 'Ada' }, failed: true });
    expect(Object.isFrozen(ok)).toBe(true);
  });
});

