// @ts-check
import { RELOAD_CODES } from './constants.js';

/** @typedef {import('./socket.js').TransportHandlers & { onLive?: (live: boolean) => void }} Handlers */

/** The `event:` names of the stream: every server message type. */
export const SSE_EVENTS = ['mounted', 'patch', 'reply', 'navigate', 'page_metadata', 'flash', 'error', 'pong'];

/**
 * SSE transport (DESIGN §5). `send(mount)` opens the stream (its GET mounts the view); other
 * messages are POSTed in order. EventSource resumes a dropped stream with Last-Event-ID; if
 * it gives up we reopen with `lastEventId` (3 tries). `onLive` reports drop and resume.
 * @param {string} prefix @param {Handlers} h @returns {import('./socket.js').Transport}
 */
export function connectSse(prefix, h) {
  const base = `${prefix}/sse/${crypto.randomUUID()}`;
  /** @type {EventSource | undefined} */
  let es;
  let opened = false, done = false, last = '', tries = 0, query = '';
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  /** @type {Promise<unknown>} */
  let chain = Promise.resolve();

  const end = (notify = true) => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    es?.close();
    if (notify) h.onClose(opened);
  };
  /** @param {MessageEvent} ev */
  const onEvent = (ev) => {
    last = ev.lastEventId;
    const m = JSON.parse(ev.data);
    h.onMessage(m);
    // The server ended the session after these.
    if (m.type === 'error' && m.ref == null && [...RELOAD_CODES, 'mount_failed'].includes(m.code)) end();
  };
  const open = () => {
    const s = (es = new EventSource(`${base}?${query}${last && `&lastEventId=${last}`}`));
    for (const type of SSE_EVENTS) s.addEventListener(type, onEvent);
    s.onopen = () => {
      if (opened) h.onLive?.(true);
      opened = true;
      tries = 0;
    };
    s.onerror = () => {
      if (done) return;
      h.onLive?.(false);
      if (s.readyState < 2) return; // the browser reconnects, sending Last-Event-ID
      if (!opened || ++tries > 3) return end();
      timer = setTimeout(open, 1000 * tries);
    };
  };

  queueMicrotask(() => done || h.onOpen());
  return {
    send(message) {
      const { type, token = '', url = '' } = /** @type {{ type?: string, token?: string, url?: string }} */ (message);
      if (done) return false;
      if (type === 'mount') {
        query = new URLSearchParams({ token, url }).toString();
        if (!es) open();
        return true;
      }
      if (es?.readyState !== 1) return false;
      chain = chain.then(() => fetch(`${base}/message`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(message),
      }).then((res) => res.status === 404 ? end() : res.ok || console.warn(`djust-lite: event refused (${res.status})`), () => {}));
      return true;
    },
    close() {
      if (es) fetch(base, { method: 'DELETE', keepalive: true }).catch(() => {});
      end(false);
    },
  };
}
