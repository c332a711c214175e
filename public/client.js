// @ts-check
import { applyFlash } from './flash.js';
import { applyPageMetadata } from './page-metadata.js';
import { announcer } from './announce.js';
import { bindNavigation } from './navigation.js';
import { applyPatch } from './patch.js';
import { connectWebSocket } from './socket.js';
import { connectSse } from './sse.js';
import { bindEvents } from './events.js';
import {
  BACKOFF_MS, CONNECTED_CLASS, DISCONNECTED_CLASS, MAX_PENDING_EVENTS, RELOAD_CODES, ROOT_ATTR,
} from './constants.js';

/** @typedef {import('./socket.js').Transport} Transport */
/** @typedef {import('./sse.js').Handlers} TransportHandlers */
/** @typedef {(prefix: string, handlers: TransportHandlers) => Transport} Connect */

/**
 * The browser side of one live page: picks a transport, mounts with the page's token,
 * sends events, applies region patches, page metadata and flash as they arrive, and
 * reconnects with backoff (re-mounting) when the connection drops.
 */
export class LiveClient {
  /**
   * @param {Document} doc
   * @param {{ token: string, prefix: string, transport: 'auto' | 'websocket' | 'sse', announce?: boolean }} config
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
    /** @type {object[]} */
    this.pending = [];
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.retryTimer = undefined;
    this.stopped = false;
    this.unbind = bindEvents(doc, (event, params) => this.pushEvent(event, params));
    /** Announces title changes to screen readers (`data-djust-announce="false"` turns it off). */
    this.announce = config.announce === false ? () => {} : announcer(doc);
    this.nav = bindNavigation(doc, (url, pop) => this.pushParams(url, pop), this.announce);
    /** `djust.enableDebug()`: every message in and out goes to the console (kept for the tab's session). */
    this.debug = readDebugFlag();
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
      onClose: (opened) => this.onClose(opened),
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

  /** @param {boolean} opened */
  onClose(opened) {
    this.transport = null;
    this.setLive(false);
    if (this.stopped) return;
    if (!opened) this.failedOpens += 1;
    // `auto`: a WebSocket that never opens twice in a row is blocked; use SSE from now on.
    if (this.config.transport === 'auto' && this.mode === 'websocket' && this.failedOpens >= 2 && this.transports.sse) {
      this.mode = 'sse';
      this.failedOpens = 0;
      this.attempt = 0;
    }
    const base = BACKOFF_MS[Math.min(this.attempt, BACKOFF_MS.length - 1)] ?? 1000;
    this.attempt += 1;
    this.retryTimer = setTimeout(() => this.connect(), base + Math.random() * base * 0.25);
  }

  /** Sends an event now, or queues it until the view is mounted. @param {string} event @param {Record<string, unknown>} params */
  pushEvent(event, params) {
    const message = { type: 'event', ref: ++this.ref, event, params };
    if (this.live && this.transport?.send(message)) return message.ref;
    if (this.pending.length >= MAX_PENDING_EVENTS) this.pending.shift();
    this.pending.push(message);
    return message.ref;
  }

  /** Sends the events queued while not live. */
  flush() {
    for (const queued of this.pending.splice(0)) {
      if (!this.transport?.send(queued)) this.pending.push(queued);
    }
  }

  /**
   * Live navigation: the page now shows `url`; the server runs handleParams. False when not live.
   * @param {string} url @param {boolean} pop  back/forward (the head was restored from history)
   */
  pushParams(url, pop) {
    return this.live && !!this.transport?.send({ type: 'params', ref: ++this.ref, url, pop });
  }

  /** @param {any} message */
  handle(message) {
    if (this.debug) console.debug('djust-lite ←', message);
    switch (message?.type) {
      case 'mounted':
        if (this.root) applyPatch(this.root, message);
        this.attempt = 0;
        this.setLive(true);
        this.flush();
        break;
      case 'patch':
        if (this.root) applyPatch(this.root, message);
        break;
      case 'page_metadata':
        if (applyPageMetadata(this.doc, message)) this.announce(this.doc.title);
        break;
      case 'navigate':
        if (typeof message.url === 'string') this.nav.go(message.url, message.replace);
        break;
      case 'flash':
        applyFlash(this.doc, message);
        break;
      case 'error':
        this.onError(message);
        break;
      default:
        break;
    }
    this.doc.dispatchEvent(new CustomEvent('djust:message', { detail: message }));
  }

  /** @param {{ code: string, message: string, ref: number | null }} error */
  onError(error) {
    console.warn(`djust-lite: ${error.code}: ${error.message}`);
    if (!RELOAD_CODES.includes(error.code)) return;
    // The token is no good any more: a fresh page brings a fresh one (at most once a minute).
    const key = 'djust-lite:reloaded-at';
    const last = Number(sessionStorage.getItem(key) ?? 0);
    if (Date.now() - last < 60000) return this.stop();
    sessionStorage.setItem(key, String(Date.now()));
    location.reload();
  }

  /** @param {boolean} live */
  setLive(live) {
    this.live = live;
    this.root?.classList.toggle(CONNECTED_CLASS, live);
    this.root?.classList.toggle(DISCONNECTED_CLASS, !live);
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.transport?.close();
    this.transport = null;
    this.setLive(false);
    this.unbind();
    this.nav.stop();
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

/** Starts the client for the page's djust script tag, if there is one. */
function boot() {
  const script = /** @type {HTMLScriptElement | null} */ (document.querySelector('script[data-djust-token]'));
  if (!script || /** @type {any} */ (window).djust) return;
  const transport = /** @type {'auto' | 'websocket' | 'sse'} */ (script.dataset.djustTransport ?? 'auto');
  const config = { token: script.dataset.djustToken ?? '', prefix: script.dataset.djustPrefix ?? '/djust', transport, announce: script.dataset.djustAnnounce !== 'false' };
  /** @type {any} */ (window).djust = new LiveClient(document, config, { websocket: connectWebSocket, sse: connectSse }).start();
}

if (typeof document !== 'undefined') boot();
