// @ts-check
// Over 300 lines: LiveClient is the page's one state machine (connect, mount, send, answers,
// re-sync, the message switch); the pieces it drives are the other modules.
import { applyFlash, bindFlashClear } from './flash.js';
import { applyPageMetadata } from './page-metadata.js';
import { announcer } from './announce.js';
import { bindNavigation } from './navigation.js';
import { connectWebSocket } from './socket.js';
import { bindEvents } from './events.js';
import { bindHooks } from './hooks.js';
import { recoverForms, snapshotForms } from './recover.js';
import { ACK_TIMEOUT_MS, BACKOFF_MS, CONNECTED_CLASS, DISCONNECTED_CLASS, MAX_PENDING_EVENTS, MAX_UNACKED } from './constants.js';
import { RELOAD_CODES, ROOT_ATTR, TARGET_ATTR } from './contract.js';

/** @typedef {import('./socket.js').Transport} Transport */
/** @typedef {import('./sse.js').Handlers} TransportHandlers */
/** @typedef {(prefix: string, handlers: TransportHandlers) => Transport} Connect */
/** @typedef {{ type: string, ref: number, event?: string, url?: string, [k: string]: unknown }} Message  an `event` or `params` */
/** @typedef {Error & { code: string, issues?: { message: string, path?: (string | number)[] }[] }} EventError  how `pushEvent`'s promise rejects: an `error` answer's fields (`code`, `message`, `issues`, `ref`) on an Error */

/**
 * The browser side of one live page: picks a transport, mounts with the page's token,
 * sends events, applies region patches, page metadata and flash as they arrive, and
 * reconnects with backoff (re-mounting, then recovering forms) when the connection drops or
 * the server stops answering events.
 */
export class LiveClient {
  /**
   * @param {Document} doc
   * @param {{ token: string, prefix: string, transport: 'auto' | 'websocket' | 'sse', announce?: boolean, ackMs?: number, hooks?: Record<string, import('./hooks.js').Hook>, jsUrl?: string }} config  `ackMs`: how long an answer may take (the server's handlerTimeoutMs plus a margin); `hooks`: as `djust.hooks`; `jsUrl`: the JS commands module
   * @param {Record<string, Connect>} transports  available transports by name
   */
  constructor(doc, config, transports) {
    this.doc = doc;
    this.config = config;
    this.transports = transports;
    this.root = doc.querySelector(`[${ROOT_ATTR}]`);
    /** @type {'websocket' | 'sse'} */
    this.mode = config.transport === 'sse' && transports.sse ? 'sse' : 'websocket';
    /** @type {Transport | null} */
    this.transport = null;
    this.live = false;
    this.ref = 0;
    this.attempt = 0;
    this.failedOpens = 0;
    /** A transport has opened on this page: `auto` no longer switches. */
    this.pinned = false;
    this.mounts = 0;
    /** @type {Message[]} events not sent yet, in order */
    this.pending = [];
    /** @type {Map<number, string>} refs sent and not answered yet → event name or URL */
    this.unacked = new Map();
    /** @type {Map<number, [(value: any) => void, (err: any) => void]>} `[resolve, reject]` of each `pushEvent` promise not settled yet, by ref */
    this.waits = new Map();
    /** @type {Record<string, import('./hooks.js').Hook>} `djust.hooks.Name = {…}` for `dj-hook="Name"` (docs/hooks.md) */
    this.hooks = config.hooks ?? {};
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.retryTimer = undefined;
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.ackTimer = undefined;
    this.stopped = false;
    // a binding's value `[[…]]`: JS commands (docs/interactions.md#js-commands)
    // `dj-target="{{ myself }}"`: the event goes to that LiveComponent (docs/components.md)
    this.unbind = bindEvents(doc, (event, params, el) => (event[0] == '[' ? this.execJS(el, event, params) : this.pushEvent(event, params, Number(el.getAttribute(TARGET_ATTR)) || undefined)));
    this.unbindFlash = bindFlashClear(doc, (event, params) => this.pushEvent(event, params));
    /** Announces title changes to screen readers (`data-djust-announce="false"` turns it off). */
    this.announce = config.announce === false ? () => {} : announcer(doc);
    this.nav = bindNavigation(doc, (url, pop) => this.pushParams(url, pop), this.announce);
    /** `djust.enableDebug()`: every message in and out goes to the console (kept for the tab's session). */
    this.debug = readDebugFlag();
    /** Applies the region's patches, running its hooks (docs/hooks.md); null without a region. */
    /** @type {Promise<any> | undefined} the JS commands runner, once asked for */
    this.js = undefined;
    /** @type {Promise<any> | undefined} uploads (public/uploads.js), loaded once the page has a `dj-upload` */
    this.up = undefined;
    this.hooked = this.root && bindHooks(this.root, () => this.hooks, (event, params, target) => this.pushEvent(event, params, target), (el) => this.hookJS(el));
  }

  /**
   * Runs JS commands (docs/interactions.md#js-commands) for `el`, as `djust.execJS(el, cmds)` or a
   * binding whose value is `[[…]]`; their module is loaded the first time. `params`: the binding's, for `push`.
   * @param {Element} el @param {string | unknown[]} cmds @param {Record<string, unknown>} [params]
   * @returns {Promise<unknown> | undefined} when the commands push: settles with the answers (the binding shows loading meanwhile)
   */
  execJS(el, cmds, params) {
    const p = this.commands().then((run) => run.exec(el, cmds, params));
    p.catch(() => {}); // a failed load is logged by commands()
    return String(cmds).includes('"push"') ? p : undefined;
  }

  /** The JS commands runner (public/js-commands.js), loaded once; a failed load is logged and tried again next time. @returns {Promise<any>} */
  commands() {
    const p = (this.js ??= import(this.config.jsUrl ?? '').then((m) => m.jsCommands(this)));
    p.catch((err) => {
      this.js = undefined;
      console.error('djust-lite: JS commands not loaded', err);
    });
    return p;
  }

  /**
   * A hook's `this.js()`: calls chained on it (`this.js().show(el).addClass(el, 'open')`) run in
   * order once the JS commands module is loaded. @param {Element} el
   */
  hookJS(el) {
    /** @type {[string | symbol, unknown[]][]} */
    const calls = [];
    /** @type {any} */
    const api = new Proxy({}, {
      // not a thenable: `await this.js()` is the chain itself
      get: (_, name) => name == 'then' ? undefined : (/** @type {unknown[]} */ ...args) => {
        if (calls.push([name, args]) == 1) this.commands().then((run) => run.calls(el, calls.splice(0)), () => {});
        return api;
      },
    });
    return api;
  }

  /** Logs every message in and out with console.debug, as Phoenix's liveSocket.enableDebug() does; survives reloads of this tab. */
  enableDebug() {
    this.debug = true;
    writeDebugFlag(true);
  }

  disableDebug() {
    this.debug = false;
    writeDebugFlag(false);
  }

  start() {
    this.setLive(false);
    this.connect();
    return this;
  }

  connect() {
    const connect = this.transports[this.mode];
    if (!connect || this.stopped) return;
    this.transport = connect(this.config.prefix, {
      onOpen: () => {
        this.failedOpens = 0;
        this.transport?.send({ type: 'mount', token: this.config.token, url: location.pathname + location.search });
      },
      onMessage: (message) => this.handle(message),
      onClose: (opened, unsent) => this.onClose(opened, unsent),
      // SSE resumed its stream (same view, missed messages replayed): send what waited.
      onLive: (live) => {
        this.setLive(live);
        if (live) this.flush();
      },
    });
    const send = this.transport.send.bind(this.transport);
    this.transport.send = (message) => {
      if (this.debug) console.debug('djust-lite →', message);
      return send(message);
    };
  }

  /**
   * @param {boolean} opened
   * @param {Message[]} [unsent] envelopes the transport took but the server never did (SSE: a lost
   *   stream): its events wait for the next mount, ahead of those queued since
   */
  onClose(opened, unsent = []) {
    this.transport = null;
    this.setLive(false);
    this.up?.then((u) => u.reset());
    const again = unsent.filter((m) => m?.type == 'event' && this.unacked.delete(m.ref));
    this.pending.unshift(...again);
    // Sent on the connection that ended: the next mount re-syncs the page (and its forms); their promises reject.
    for (const ref of this.unacked.keys()) this.settle(ref);
    this.unacked.clear();
    clearTimeout(this.ackTimer);
    if (this.stopped) return;
    if (opened) this.pinned = true;
    else this.failedOpens += 1;
    // `auto`, until a transport has opened on this page: two WebSocket opens refused in a row
    // try SSE; an SSE stream that does not open either goes back to WebSocket (the server is
    // down, not the WebSocket blocked). Once one has opened, restarts never switch.
    if (this.config.transport === 'auto' && this.transports.sse && !this.pinned && (this.mode === 'sse' || this.failedOpens >= 2)) {
      this.mode = this.mode === 'sse' ? 'websocket' : 'sse';
      this.failedOpens = 0;
    }
    const base = BACKOFF_MS[Math.min(this.attempt, BACKOFF_MS.length - 1)] ?? 1000;
    this.attempt += 1;
    this.retryTimer = setTimeout(() => this.connect(), base + Math.random() * base * 0.25);
  }

  /**
   * Sends an event, after those still queued (until mounted, or while MAX_UNACKED wait for answers).
   * The promise resolves with the answer's `payload` (the handler's `pushReply`), or rejects with
   * an {@link EventError}: the server's error `code`, or `disconnected` when no answer can come.
   * Rejections nobody handles are not reported (callers may ignore the promise).
   * `target`: the LiveComponent's page id (`dj-target`), for its own handlers.
   * @param {string} event @param {Record<string, unknown>} [params] @param {number} [target] @returns {Promise<unknown>}
   */
  pushEvent(event, params, target) {
    const message = { type: 'event', ref: ++this.ref, event, params, target };
    /** @type {Promise<unknown>} */
    const answer = new Promise((resolve, reject) => this.waits.set(message.ref, [resolve, reject]));
    answer.catch(() => {});
    // Checked at the call: a BigInt or a cycle would otherwise throw inside flush() and wedge the queue.
    const problem = notJson(params);
    if (problem) {
      const err = Object.assign(new Error(`djust-lite: pushEvent("${event}"): params cannot be sent as JSON (${problem}); pass plain objects, arrays, strings, finite numbers, booleans and null.`), { code: 'not_json', ref: message.ref });
      console.error(err.message);
      this.settle(message.ref, err);
      return answer;
    }
    if (this.pending.length >= MAX_PENDING_EVENTS) {
      const dropped = this.pending.shift();
      console.warn(`djust-lite: queue full, dropped "${dropped?.event}"`);
      this.settle(dropped?.ref);
    }
    this.pending.push(message);
    this.flush();
    return answer;
  }

  /**
   * Settles the promise of `ref`, if there is one: rejected with `err`, else resolved with
   * `payload`. `err` left out: no answer will come (the connection ended, the queue overflowed, stop()).
   * @param {unknown} ref @param {EventError | null} [err] @param {unknown} [payload]
   */
  settle(ref, err = Object.assign(new Error('djust-lite: disconnected'), { code: 'disconnected' }), payload) {
    this.waits.get(/** @type {number} */ (ref))?.[err ? 1 : 0](err ?? payload);
    this.waits.delete(/** @type {number} */ (ref));
  }

  /** Sends queued events, in order, while live and fewer than MAX_UNACKED wait for answers. */
  flush() {
    for (let message; (message = this.pending[0]); this.pending.shift()) {
      try {
        if (!this.send(message)) return;
      } catch (err) {
        // a message the transport could not encode (a toJSON that throws): dropped, its promise rejected, the queue moves on
        console.error(`djust-lite: "${message.event ?? message.url}" not sent: ${err}`);
        this.settle(message.ref, Object.assign(new Error(`djust-lite: "${message.event ?? message.url}" could not be sent as JSON: ${err}`), { code: 'not_json' }));
      }
    }
  }

  /**
   * Sends an `event` or `params` now and waits for its answer; false when not live or when
   * MAX_UNACKED answers are outstanding. No answer to any of them for ACK_TIMEOUT_MS re-syncs.
   * @param {Message} message
   */
  send(message) {
    if (!this.live || this.unacked.size >= MAX_UNACKED || !this.transport?.send(message)) return false;
    if (!this.unacked.size) this.awaitAck();
    this.unacked.set(message.ref, message.event ?? message.url ?? '');
    return true;
  }

  /** An answer came: settles its promise and forgets its ref. @param {any} answer a `patch`, `reply` or `error` */
  ack(answer) {
    const { ref } = answer;
    this.settle(ref, answer.type == 'error' ? Object.assign(new Error(), answer) : null, answer.payload);
    if (typeof ref != 'number' || !this.unacked.delete(ref)) return;
    this.awaitAck();
    this.flush();
  }

  /** (Re)starts the wait for the next answer: none within `config.ackMs` (else ACK_TIMEOUT_MS) re-syncs the page. */
  awaitAck() {
    clearTimeout(this.ackTimer);
    const wait = this.config.ackMs || ACK_TIMEOUT_MS;
    this.ackTimer = setTimeout(() => {
      const [first] = this.unacked;
      if (!first) return;
      console.error(`djust-lite: no answer to ref ${first[0]} ("${first[1]}") in ${wait / 1000} s; re-syncing.`);
      this.transport?.close();
      this.onClose(true);
    }, wait);
  }

  /**
   * Live navigation: the page now shows `url`; the server runs handleParams. False when not live.
   * @param {string} url @param {boolean} pop  back/forward (the head was restored from history)
   */
  pushParams(url, pop) {
    return this.send({ type: 'params', ref: ++this.ref, url, pop });
  }

  /** @param {any} message */
  handle(message) {
    if (this.debug) console.debug('djust-lite ←', message);
    if (/^(patch|reply|error)$/.test(message?.type)) this.ack(message);
    switch (message?.type) {
      case 'mounted': {
        // A re-mount: the fresh view gets the forms' values back before the queued events.
        const forms = this.mounts++ && snapshotForms(this.doc);
        this.hooked?.patch(message);
        this.attempt = 0;
        this.setLive(true);
        /** @type {{ type: string, ref: number, event: string, params: Record<string, unknown> }[]} */
        const recovered = [];
        if (forms) recoverForms(this.doc, forms, (event, params) => recovered.push({ type: 'event', ref: ++this.ref, event, params }));
        this.pending.unshift(...recovered);
        this.flush();
        break;
      }
      case 'patch':
        this.hooked?.patch(message);
        break;
      case 'page_metadata':
        if (applyPageMetadata(this.doc, message)) this.announce(this.doc.title);
        break;
      case 'navigate':
        if (typeof message.url === 'string') this.nav.go(message.url, message.replace);
        // Another live view of the same layout: its content, and its token for the next mount.
        if (typeof message.html == 'string') {
          this.hooked?.patch(message);
          if (message.token) this.config.token = message.token;
        }
        break;
      case 'redirect':
        this.redirect(message.url, message.replace);
        break;
      case 'push_event':
        this.hooked?.emit(message.event, message.payload);
        dispatchEvent(new CustomEvent(`dj:${message.event}`, { detail: message.payload }));
        break;
      case 'flash':
        applyFlash(this.doc, message);
        break;
      case 'error':
        this.onError(message);
        break;
      case 'dev':
        // Development only: a template changed, or a notice for the console.
        if (message.action === 'reload') this.reload();
        else if (typeof message.message === 'string') console.warn(message.message);
        break;
      default:
        break;
    }
    // A page with uploads loads their module (docs/uploads.md); it hears the next messages through `djust:message`.
    if (!this.up && this.root?.querySelector('[dj-upload]')) (this.up = import(this.config.jsUrl?.replace('-js.', '-up.') ?? '').then((m) => m.uploads(this))).catch((err) => console.error('djust-lite: uploads not loaded', err));
    this.doc.dispatchEvent(new CustomEvent('djust:message', { detail: message }));
  }

  /** @param {{ code: string, message: string, ref: number | null }} error */
  onError(error) {
    console.warn(`djust-lite: ${error.code}: ${error.message}`);
    if (!RELOAD_CODES.includes(error.code)) return;
    // It answers a `params` (dj-patch, back/forward) to another route: the history entry shows
    // the URL the user asked for; load it, every time.
    if (error.ref != null) return this.reload();
    // The server refused the page's token: a fresh page brings a fresh one, once a minute at most.
    const key = 'djust-lite:reloaded-at';
    const last = Number(sessionStorage.getItem(key) ?? 0);
    if (Date.now() - last < 60000) {
      console.error(`djust-lite: ${error.code} again after a reload; stopped. Reload by hand; check all servers share one secret.`);
      return this.stop();
    }
    sessionStorage.setItem(key, String(Date.now()));
    this.reload();
  }

  /** Loads the page again (the URL it shows now). */
  reload() {
    location.reload();
  }

  /** Loads `url` as a page (a server `redirect`). @param {string} url @param {boolean} [replace] replace the history entry */
  redirect(url, replace) {
    location[replace ? 'replace' : 'assign'](url);
  }

  /** @param {boolean} live */
  setLive(live) {
    if (live != this.live) this.hooked?.live(live);
    this.live = live;
    this.root?.classList.toggle(CONNECTED_CLASS, live);
    this.root?.classList.toggle(DISCONNECTED_CLASS, !live);
  }

  stop() {
    this.hooked?.stop();
    for (const ref of this.waits.keys()) this.settle(ref);
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearTimeout(this.ackTimer);
    this.transport?.close();
    this.transport = null;
    this.setLive(false);
    this.unbind();
    this.unbindFlash();
    this.nav.stop();
  }
}

/**
 * Why `params` cannot go out as JSON (a BigInt, a cycle, a `toJSON` that throws), or ''.
 * @param {unknown} params @returns {string}
 */
function notJson(params) {
  try {
    JSON.stringify(params);
    return '';
  } catch (err) {
    return String(/** @type {Error} */ (err)?.message ?? err);
  }
}

const DEBUG_KEY = 'djust-lite:debug';

/** @returns {boolean} */
function readDebugFlag() {
  try {
    return sessionStorage.getItem(DEBUG_KEY) === '1';
  } catch {
    return false; // storage blocked (sandboxed frame, privacy settings)
  }
}

/** @param {boolean} on */
function writeDebugFlag(on) {
  try {
    if (on) sessionStorage.setItem(DEBUG_KEY, '1');
    else sessionStorage.removeItem(DEBUG_KEY);
  } catch {
    // storage blocked: debug stays on for this page only
  }
}

/**
 * A transport whose module is imported when a page first connects with it (the SSE transport:
 * most pages never load it). It is not open until the module is there, so the client sends it
 * nothing before; a module that does not load ends it as a refused open does.
 * @param {() => Promise<Connect>} load @returns {Connect}
 */
export const lazyTransport = (load) => (prefix, h) => {
  /** @type {Transport | undefined} */
  let t;
  let closed = false;
  load().then((connect) => closed || (t = connect(prefix, h)), (err) => {
    console.error('djust-lite: transport module not loaded', err);
    if (!closed) h.onClose(false);
  });
  return {
    send: (message) => !!t?.send(message),
    upload: (frame) => !!t?.upload?.(frame),
    close() {
      closed = true;
      t?.close();
    },
  };
};

/** Starts the client for the page's djust script tag, if there is one. */
function boot() {
  const script = /** @type {HTMLScriptElement | null} */ (document.querySelector('script[data-djust-token]'));
  // `window.djust = { hooks }` set before the bundle loads is taken; a running client is kept (a second copy of the bundle).
  const early = /** @type {any} */ (window).djust;
  if (!script || early?.start) return;
  const transport = /** @type {'auto' | 'websocket' | 'sse'} */ (script.dataset.djustTransport ?? 'auto');
  const config = { token: script.dataset.djustToken ?? '', prefix: script.dataset.djustPrefix ?? '/djust', transport, announce: script.dataset.djustAnnounce !== 'false', ackMs: Number(script.dataset.djustAckMs) || undefined, hooks: early?.hooks, jsUrl: script.src.replace('djust.min.js', 'djust-js.min.js') };
  const sse = lazyTransport(() => import(config.jsUrl.replace('-js.', '-sse.')).then((m) => m.connectSse));
  /** @type {any} */ (window).djust = new LiveClient(document, config, { websocket: connectWebSocket, sse }).start();
}

if (typeof document !== 'undefined') boot();
