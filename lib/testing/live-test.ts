// Over 300 lines on purpose: LiveTestView is the public test API, and most of the file is its
// documented getters and methods; the protocol pieces live in the sibling modules.
import * as http from 'node:http';
import { DjustError, invalidArgument, invalidOption, misuse, type WireErrorCode } from '../core/errors';
import type { EventParams, ServerMessage } from '../contract/protocol';
import type { BrowserAction } from './browser-params';
import { openSse, openWebSocket, type Channel } from './channels';
import { checkMs, checkRunaway, TestClock } from './clock';
import { ElementHandle, FormHandle, type ElementHost } from './live-element';
import { envelope } from './messages';
import { NavigationLog, type Navigation, type NavigationKind } from './navigation-log';
import { PageState, type PageStart } from './page-state';
import { openPage } from './page';
import { outerHtml, RegionDom } from './region-dom';
import type { ActionResult, AdvanceResult, EventResult, FieldValue, LiveElement, LiveForm, SentEvent, TextFilter, ViewState } from './results';
import { acquire, type AppLike, type Lease } from './server';
import { Waiters } from './waiters';
import { uploadFiles, uploadFrame, type TestFile, type UploadResult } from './upload-driver';

/** Options of `liveTest`. */
export interface LiveTestOptions {
  /** `'sse'` (default) or `'websocket'`: both speak the same protocol to the same dispatcher. */
  transport?: 'sse' | 'websocket' | undefined;
  /** Extra headers for the page GET (a cookie, an auth header). */
  headers?: Record<string, string> | undefined;
  /** How long any wait (mount, an event's response, `waitFor`, an `expect…`) may take, in ms. Default 5000. */
  timeoutMs?: number | undefined;
  /** The `testClock()` the app was given as `djustLite({ clock })`: `view.advance(ms)` moves it. */
  clock?: TestClock | undefined;
}

type ResponseMessage = Extract<ServerMessage, { type: 'patch' | 'reply' | 'error' }>;

const RESPONSE_TYPES = new Set(['patch', 'reply', 'error', 'mounted']);

/** How liveTest() connects a view to its channel; set in LiveTestView's static block, so it stays out of the public type. */
interface Wiring {
  attach(channel: Channel): void;
  receive(message: ServerMessage): void;
  /** The connection ended; every wait fails with `reason`. */
  end(reason: string): void;
  mounted(): Promise<void>;
}
let wiring: (view: LiveTestView) => Wiring;

/**
 * One live view driven over the real protocol, as a browser would: what the page shows
 * (`title`, `meta()`, `flash`, `html()`) after each message, every message received, `event()`
 * to run a handler, and LiveViewTest's helpers — `element()` and `form()` to act as a user
 * (each sends what the browser client sends), `has()`, `render()`, `expectPatch()` /
 * `expectNavigate()` / `expectRedirect()`, `advance()` with a test clock. Create it with `liveTest()`.
 */
export class LiveTestView {
  /** The transport in use. */
  readonly transport: 'sse' | 'websocket';
  /** Where the app runs, e.g. `http://127.0.0.1:41234` (to fetch other pages in the same test). */
  readonly origin: string;
  /** Every message received, in order (keepalive `pong`s left out). */
  readonly messages: ServerMessage[] = [];
  readonly #page: PageState;
  #channel: Channel | null = null;
  #lease: Lease | null;
  readonly #agent: http.Agent;
  readonly #timeoutMs: number;
  readonly #clock: TestClock | null;
  readonly #waiters = new Waiters();
  readonly #navigations = new NavigationLog();
  /** Refs whose response a `#request` waits for: the page is recorded as each one's reply left it. */
  readonly #watched = new Set<number>();
  /** The ref whose reply's messages are still arriving (its state is taken when the next response comes), or null. */
  #open: number | null = null;
  readonly #states = new Map<number, ViewState>();
  #ref = 0;
  #pongs = 0;
  #closedReason: string | null = null;

  /** @internal use `liveTest()` */
  constructor(init: { transport: 'sse' | 'websocket'; lease: Lease; origin: string; agent: http.Agent; timeoutMs: number; clock: TestClock | null; page: PageStart }) {
    this.transport = init.transport;
    this.origin = init.origin;
    this.#lease = init.lease;
    this.#agent = init.agent;
    this.#timeoutMs = init.timeoutMs;
    this.#clock = init.clock;
    this.#page = new PageState(init.page, this.#navigations);
  }

  /** The document title now. */
  get title(): string | undefined {
    return this.#page.title;
  }

  /** The page URL (path + query) now: where it was opened (after redirects), then where `navigate` messages moved it. */
  get url(): string {
    return this.#page.url;
  }

  /** The `href` of the `<link rel>` tag now (e.g. `link('canonical')`), or undefined. */
  link(rel: string): string | undefined {
    return this.#page.links.get(rel);
  }

  /** The `content` of the meta tag `name` (or `og:*` property) now, or undefined. */
  meta(name: string): string | undefined {
    return this.#page.meta.get(name);
  }

  /** Every meta tag now, name → content. */
  get metaTags(): Record<string, string> {
    return Object.fromEntries(this.#page.meta);
  }

  /** Flash messages shown now, level → message. */
  get flash(): Record<string, string> {
    return Object.fromEntries(this.#page.flash);
  }

  /** True once the connection ended (`close()`, or the server closed it). */
  get closed(): boolean {
    return this.#closedReason !== null;
  }

  /**
   * Inner HTML of the live region now: the `mounted` render with every patch applied (`{html}`
   * replaces it; `{ops}` are applied to the diff engine's tree as the browser applies them).
   * Parts an `{ops}` patch changed are re-serialised, so they may differ from the template's
   * markup in quoting or an explicit `<tbody>`, never in content.
   */
  html(): string {
    return this.#page.html();
  }

  /**
   * Runs the handler `event` with `params` and resolves once its response and the page
   * metadata and flash it queued have arrived. Rejects with a DjustError (the wire `code`)
   * if the server answered `error`, or after `timeoutMs`. `target`: a LiveComponent's page id
   * (its `dj-target`), to run that component's handler.
   *
   * @example
   * await view.event('save', { project: 'Apollo' });
   * expect(view.flash.success).toBe('Changes saved!');
   */
  async event(event: string, params: EventParams = {}, target?: number): Promise<EventResult> {
    const ref = ++this.#ref;
    return this.#request(envelope.event(ref, event, params, target), ref, `event "${event}"`);
  }

  /**
   * Live navigation, as a `dj-patch` link does: tells the view the page now shows `url`
   * (`handleParams` runs). Resolves like `event()`. When the same view keeps the page, it counts
   * as a patch for `expectPatch`.
   */
  async navigate(url: string): Promise<EventResult> {
    const ref = ++this.#ref;
    this.#page.url = url; // as the browser does on a dj-patch click; a `navigate` reply may move it on
    const result = await this.#request(envelope.params(ref, url), ref, `navigate to ${url}`);
    // The same view took the URL (handleParams): a patch, as expectPatch sees it.
    if (!result.messages.some((m) => m.type === 'navigate' || m.type === 'redirect')) this.#navigations.add('patch', url);
    return result;
  }

  /**
   * One element of the live region by CSS selector (css-select syntax), narrowed to those whose
   * text contains `text` (whitespace runs count as one space) or matches it (a RegExp) — as
   * LiveViewTest's `element/3`. It is looked up afresh at each action; an action rejects when the
   * selector matches no element or several. See `LiveElement` for what each action sends.
   *
   * @example
   * await view.element('tr[data-id="3"] button', 'Delete').click();
   * await view.element('#search').keyup('Enter');
   */
  element(selector: string, text?: TextFilter): LiveElement {
    checkSelector(selector, 'element(selector, text?)', text);
    return new ElementHandle(this.#elementHost(), selector, text);
  }

  /**
   * A form of the live region (by CSS selector) with the values a user typed, as LiveViewTest's
   * `form/3`: field name → text, an option's value, checkbox values (or true/false), an array for
   * a multiple select or a checkbox group. `change(target?)` and `submit(submitter?)` send it.
   *
   * @example
   * await view.form('#profile', { name: 'Ada', newsletter: true }).change('name');
   * const saved = await view.form('#profile', { name: 'Ada' }).submit('button[name="save"]');
   */
  form(selector: string, values: Readonly<Record<string, FieldValue>> = {}): LiveForm {
    checkSelector(selector, 'form(selector, values)');
    if (typeof values !== 'object' || values === null || Array.isArray(values)) throw invalidArgument('form(selector, values)', 'values', 'an object of field name → value', values);
    return new FormHandle(this.#elementHost(), selector, { ...values });
  }

  /** Whether the live region now has an element matching `selector` (and `text`), as LiveViewTest's `has_element?`. */
  has(selector: string, text?: TextFilter): boolean {
    checkSelector(selector, 'has(selector, text?)', text);
    return new RegionDom(this.html()).all(selector, text).length > 0;
  }

  /**
   * The live region's inner HTML now, or with `selector` the HTML (outer) of the one element it
   * matches (throws, as `element()` actions do, when it matches none or several).
   */
  render(selector?: string): string {
    if (selector === undefined) return this.html();
    checkSelector(selector, 'render(selector?)');
    return outerHtml(new RegionDom(this.html()).one(selector, undefined, `render(${JSON.stringify(selector)})`));
  }

  /**
   * Resolves with the URL of the next `pushPatch` (or dj-patch link) this view saw and no
   * earlier expectation took — now, or once it comes; rejects when it went to another URL than
   * `url`, or after `timeoutMs`. As LiveViewTest's `assert_patch`.
   *
   * @example
   * await view.element('a', 'Next page').click();
   * await view.expectPatch('/posts?page=2');
   */
  expectPatch(url?: string): Promise<string> {
    return this.#expect('patch', url);
  }

  /** As `expectPatch`, for a `pushNavigate` followed live (another view took the region). */
  expectNavigate(url?: string): Promise<string> {
    return this.#expect('navigate', url);
  }

  /** As `expectPatch`, for a `redirect` (or a `pushNavigate` the browser must load as a page). As LiveViewTest's `assert_redirect`. */
  expectRedirect(url?: string): Promise<string> {
    return this.#expect('redirect', url);
  }

  /** Every navigation this view saw, in order: `{ kind: 'patch' | 'navigate' | 'redirect', url }`. */
  get navigations(): Navigation[] {
    return this.#navigations.all();
  }

  /**
   * Moves the `testClock()` given as the `clock` option on by `ms`: each `sendAfter` due by then
   * fires in time order, and after each the view's connection is waited for, so what the timer's
   * `handleInfo` sent has arrived (a timer it sets again, if due by then, fires too). Waits only
   * for this view's connection, and for handlers that finish without real I/O (a handler
   * awaiting a database: follow with `waitFor`).
   *
   * @example
   * const view = await liveTest(app, '/toast', { clock });
   * await view.element('#save').click();
   * const after = await view.advance(3000);
   * expect(after.html).not.toContain('Saved!');
   */
  async advance(ms: number): Promise<AdvanceResult> {
    const clock = this.#clock;
    if (!clock) throw misuse('view.advance(ms): this view has no clock. Give the app a testClock() (djustLite({ clock })) and the same clock to liveTest(app, path, { clock }).');
    const until = clock.now + checkMs(ms);
    const from = this.messages.length;
    let fired = 0;
    for (; clock.fireNext(until); fired += 1) {
      checkRunaway(fired, clock.now);
      await this.#roundTrip('the messages after a timer');
    }
    clock.advance(until - clock.now);
    return withState(this.#page.snapshot(), { fired, messages: this.messages.slice(from) });
  }

  /**
   * Uploads `files` to the view's upload `name` over the real protocol, as the browser client
   * does after a file input's change (docs/uploads.md): announced, validated, sent in chunks.
   * Resolves once each file is stored or refused; `uploads.<name>` in the page shows it.
   *
   * @example
   * await view.upload('avatar', [{ name: 'me.png', type: 'image/png', content: pngBytes }]);
   * await view.element('form').submit();
   */
  upload(name: string, files: readonly TestFile[]): Promise<UploadResult> {
    return uploadFiles({
      event: (event, params) => this.event(event, params),
      frame: (frame) => this.#live().upload(frame),
      messages: this.messages,
      until: (test, what) => this.#until(test, what),
    }, name, files);
  }

  /** Sends one upload frame as it is (to test refusals: forged ids, wrong offsets); the answer arrives in `messages`. */
  async sendUploadFrame(id: string, offset: number, bytes: Uint8Array): Promise<void> {
    await this.#live().upload(uploadFrame(id, offset, bytes));
  }

  /** Sends any envelope as it is (to test protocol errors). Resolves once the server took it. */
  async send(message: object): Promise<void> {
    await this.#live().send(message);
  }

  /**
   * Resolves when `check(view)` is true — now or after a later message (e.g. a pub/sub update
   * from another view); rejects after `timeoutMs`.
   *
   * @example
   * await other.waitFor((v) => v.title === 'Chat (1 unread)');
   */
  waitFor(check: (view: this) => boolean, what = 'the condition'): Promise<void> {
    return this.#until(() => check(this), what);
  }

  /** Leaves: the view unmounts on the server; a server liveTest started is stopped with the last view. */
  async close(): Promise<void> {
    const channel = this.#channel;
    this.#channel = null;
    this.#end('the view was closed');
    await channel?.close();
    this.#agent.destroy();
    const lease = this.#lease;
    this.#lease = null;
    await lease?.release();
  }

  static {
    wiring = (view) => ({
      attach: (channel) => void (view.#channel = channel),
      receive: (message) => view.#receive(message),
      end: (reason) => view.#end(reason),
      mounted: () => view.#mounted(),
    });
  }

  /** Applies one server message to what the page shows, then wakes the waits it satisfies. */
  #receive(message: ServerMessage): void {
    if (message.type === 'pong') {
      this.#pongs += 1;
    } else {
      this.messages.push(message);
      // The next response ends the previous reply's messages: the page as that reply left it.
      if (this.#open !== null && RESPONSE_TYPES.has(message.type)) this.#close();
      this.#page.apply(message);
      const ref = (message as { ref?: unknown }).ref;
      if (RESPONSE_TYPES.has(message.type) && typeof ref === 'number' && this.#watched.has(ref)) this.#open = ref;
    }
    this.#waiters.wake();
  }

  /** Records the page now as the open reply left it. */
  #close(): void {
    if (this.#open === null) return;
    this.#states.set(this.#open, this.#page.snapshot());
    this.#open = null;
  }

  /** What element() and form() helpers call back into. */
  #elementHost(): ElementHost {
    return {
      dom: () => new RegionDom(this.html()),
      url: () => this.#page.url,
      run: (actions) => this.#run(actions),
    };
  }

  /** Resolves on `mounted`, rejects on an error that ended the connection (e.g. bad_token). */
  async #mounted(): Promise<void> {
    await this.#until(() => this.messages.some((m) => m.type === 'mounted' || (m.type === 'error' && m.ref === null)), 'mounted');
    const failed = this.messages.find((m): m is Extract<ServerMessage, { type: 'error' }> => m.type === 'error' && m.ref === null);
    if (failed && !this.messages.some((m) => m.type === 'mounted')) throw new DjustError(failed.code, `liveTest: mount failed: ${failed.message}`);
  }

  async #request(message: object, ref: number, what: string): Promise<EventResult> {
    const from = this.messages.length;
    const isResponse = (m: ServerMessage): m is ResponseMessage => (m.type === 'patch' || m.type === 'reply' || m.type === 'error') && m.ref === ref;
    this.#watched.add(ref);
    try {
      await this.#live().send(message);
      await this.#until(() => this.messages.slice(from).some(isResponse), `the response to ${what}`);
      await this.#roundTrip(`the messages after ${what}`);
      if (this.#open === ref) this.#close();
      const start = this.messages.findIndex((m, i) => i >= from && isResponse(m));
      const response = this.messages[start] as ResponseMessage;
      if (response.type === 'error') throw new DjustError(response.code as WireErrorCode, `liveTest: ${what} failed: ${response.code}: ${response.message}`);
      let end = start + 1;
      while (end < this.messages.length && !RESPONSE_TYPES.has((this.messages[end] as ServerMessage).type)) end += 1;
      return withState(this.#states.get(ref) ?? this.#page.snapshot(), { ref, response, messages: this.messages.slice(start, end) });
    } finally {
      this.#watched.delete(ref);
      this.#states.delete(ref);
      if (this.#open === ref) this.#open = null;
    }
  }

  /** Resolves once everything the server wrote before it read a ping now has arrived (a job's messages leave in one write, so a pong asked for now comes after them). */
  async #roundTrip(what: string): Promise<void> {
    const pongs = this.#pongs;
    await this.#live().send(envelope.ping());
    await this.#until(() => this.#pongs > pongs, what);
  }

  /** Sends an element or form helper's actions in order; the last one's result, with every event sent. */
  async #run(actions: BrowserAction[]): Promise<ActionResult> {
    const sent: SentEvent[] = [];
    let last: EventResult | null = null;
    let navigatedTo: string | undefined;
    for (const action of actions) {
      if (action.kind === 'navigate') {
        navigatedTo = action.url;
        last = await this.navigate(action.url);
      } else {
        sent.push(action.target === undefined ? { event: action.event, params: action.params } : { event: action.event, params: action.params, target: action.target });
        last = await this.event(action.event, action.params, action.target);
      }
    }
    if (!last) throw new DjustError('DJUST_ERR_LIVE_TEST_ELEMENT', 'liveTest: the action sent nothing.');
    return withState(last, { sent, navigatedTo });
  }

  /** Waits for the first untaken navigation of `kind` (see NavigationLog). */
  async #expect(kind: NavigationKind, url: string | undefined): Promise<string> {
    if (url !== undefined && typeof url !== 'string') throw invalidArgument(`expect…(url)`, 'url', 'a path such as "/posts?page=2", or nothing', url);
    let found: string | undefined;
    try {
      await this.#until(() => (found = this.#navigations.take(kind, url)) !== undefined, `a ${kind}`);
    } catch (err) {
      if ((err as DjustError).code === 'DJUST_ERR_LIVE_TEST_TIMEOUT') throw this.#navigations.missing(kind, url, this.#timeoutMs);
      throw err;
    }
    return found as string;
  }

  #live(): Channel {
    if (this.#closedReason !== null || !this.#channel) throw new DjustError('DJUST_ERR_LIVE_TEST_CLOSED', `liveTest: the view is closed (${this.#closedReason ?? 'not connected'}).`);
    return this.#channel;
  }

  /** Resolves once `test()` holds; rejects when the connection ends first, or after timeoutMs. */
  async #until(test: () => boolean, what: string): Promise<void> {
    await this.#waiters.until(
      () => {
        if (test()) return true;
        if (this.#closedReason !== null) throw new DjustError('DJUST_ERR_LIVE_TEST_CLOSED', `liveTest: gave up waiting for ${what}: ${this.#closedReason}.`);
        return undefined;
      },
      this.#timeoutMs,
      () => new DjustError('DJUST_ERR_LIVE_TEST_TIMEOUT', `liveTest: ${what} did not arrive within ${this.#timeoutMs} ms (option timeoutMs). Last messages: ${JSON.stringify(this.messages.slice(-3))}`),
    );
  }

  #end(reason: string): void {
    if (this.#closedReason === null) this.#closedReason = reason;
    this.#waiters.wake(); // every wait now fails with the reason
  }
}

/**
 * Opens `path` of your app as a browser would — GET the page, take its token, connect, mount
 * — and returns a handle to drive it from a test. `app` is an Express app (started on
 * 127.0.0.1 port 0, stopped when its last view closes) or an `http.Server` (used as it is if
 * it listens). Views opened on the same app share one server, so pub/sub reaches them all.
 *
 * @example
 * import { liveTest } from 'djust-lite/testing';
 * const view = await liveTest(app, '/inbox');
 * await view.event('receive');
 * expect(view.title).toBe('Inbox (1)');
 * await view.close();
 */
export async function liveTest(app: AppLike, path: string, options: LiveTestOptions = {}): Promise<LiveTestView> {
  const { transport = 'sse', headers = {}, timeoutMs = 5000, clock } = options;
  if (typeof path !== 'string' || !path.startsWith('/')) throw invalidArgument('liveTest(app, path)', 'path', 'a string that starts with "/"', path);
  if (transport !== 'sse' && transport !== 'websocket') throw invalidOption('liveTest()', 'transport', '"sse" or "websocket"', transport);
  if (typeof timeoutMs !== 'number' || !(timeoutMs > 0)) throw invalidOption('liveTest()', 'timeoutMs', 'a number > 0', timeoutMs);
  if (clock !== undefined && !(clock instanceof TestClock)) throw invalidOption('liveTest()', 'clock', 'a testClock() (the one given to djustLite({ clock }))', clock);
  const lease = await acquire(app);
  const agent = new http.Agent({ keepAlive: true });
  let view: LiveTestView | null = null;
  try {
    const page = await openPage(lease.origin, path, headers, agent);
    view = new LiveTestView({ transport, lease, origin: lease.origin, agent, timeoutMs, clock: clock ?? null, page: { url: page.url, title: page.title, meta: page.meta, links: page.links, flash: page.flash, html: page.region, rootTag: page.rootTag } });
    const target = { origin: lease.origin, prefix: page.prefix, token: page.token, url: page.url, agent, timeoutMs };
    const wire = wiring(view);
    const events = { message: (m: ServerMessage) => wire.receive(m), closed: (reason: string) => wire.end(reason) };
    wire.attach(await (transport === 'sse' ? openSse(target, events) : openWebSocket(target, events)));
    await wire.mounted();
    return view;
  } catch (err) {
    if (view) await view.close();
    else {
      agent.destroy();
      await lease.release();
    }
    throw err;
  }
}

function checkSelector(selector: unknown, call: string, text?: unknown): void {
  if (typeof selector !== 'string' || selector.trim() === '') throw invalidArgument(`view.${call}`, 'selector', 'a CSS selector string', selector);
  if (text !== undefined && typeof text !== 'string' && !(text instanceof RegExp)) throw invalidArgument(`view.${call}`, 'text', 'a string or RegExp', text);
}

/**
 * `state` with `extra`'s fields added, its `html` getter kept (a spread would read it, and throw
 * at once for a region a patch broke, instead of when a test reads `html`).
 */
function withState<S extends ViewState, T extends object>(state: S, extra: T): S & T {
  return Object.defineProperties({ ...extra }, Object.getOwnPropertyDescriptors(state)) as S & T;
}
