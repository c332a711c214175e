// @ts-check
import { RELOAD_CODES, SSE_EVENTS } from './contract.js';
import { POST_RETRY_MS } from './constants.js';

/**
 * @typedef {import('./socket.js').TransportHandlers & { onLive?: (live: boolean) => void }} Handlers
 * `onClose(opened, unsent)`: `unsent` holds the envelopes handed to `send` that the server never
 * took (a POST answered 404, one given up, or still waiting when the stream was lost), in order,
 * for the client to send after its next mount.
 */

/**
 * SSE transport (docs/protocol.md). `send(mount)` opens the stream (its GET mounts the view); other
 * messages are POSTed in order (retried with backoff, then the transport ends). EventSource resumes a dropped stream with Last-Event-ID; if
 * it gives up we reopen with `lastEventId` (3 tries). `onLive` reports drop and resume; a
 * stream the server lost (`resume_gap`, a POST answered 404) closes the transport, so the
 * client mounts afresh; the envelopes not taken yet go back to it with `onClose`.
 * @param {string} prefix @param {Handlers} h @returns {import('./socket.js').Transport}
 */
// Over 60 lines: the stream, the POST queue and their retries share one closure's state.
export function connectSse(prefix, h) {
  const base = `${prefix}/sse/${crypto.randomUUID()}`;
  /** @type {EventSource | undefined} */
  let es;
  let opened = false, done = false, last = '', tries = 0, query = '';
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let pause;
  /** @type {object[]} envelopes to POST, in order; the first is in flight (or waiting to be tried again) */
  const outbox = [];
  /** The header POSTs and the DELETE prove they belong to the stream with: its token. */
  const auth = () => ({ 'x-djust-token': new URLSearchParams(query).get('token') ?? '' });
  /** @type {Promise<unknown>} upload chunks' POSTs, in order */
  let uploads = Promise.resolve();

  const end = (notify = true) => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    clearTimeout(pause);
    es?.close();
    if (notify) h.onClose(opened, outbox.splice(0));
  };
  /** @param {MessageEvent} ev */
  const onEvent = (ev) => {
    if (ev.data === undefined) return; // EventSource's own `error` event, not our `event: error`
    last = ev.lastEventId;
    const m = JSON.parse(ev.data);
    const fatal = m.type === 'error' && m.ref == null;
    // The stream is gone (server restart, long outage): re-mount afresh, as a WebSocket reconnect does.
    if (fatal && m.code === 'resume_gap') return end();
    h.onMessage(m);
    if (fatal && [...RELOAD_CODES, 'mount_failed'].includes(m.code)) end(); // the server ended the stream
  };
  const open = () => {
    const s = (es = new EventSource(`${base}?${query}${last && `&lastEventId=${last}`}`));
    for (const type of SSE_EVENTS) s.addEventListener(type, onEvent);
    s.onopen = () => {
      if (opened) h.onLive?.(true);
      opened = true;
      tries = 0;
    };
    s.onerror = (ev) => {
      if (done || /** @type {MessageEvent} */ (ev).data !== undefined) return;
      h.onLive?.(false);
      if (s.readyState < 2) return; // the browser reconnects, sending Last-Event-ID
      if (!opened || ++tries > 3) return end();
      timer = setTimeout(open, 1000 * tries);
    };
  };

  /**
   * POSTs the outbox's envelopes one after the other. A network failure or a 408/429/5xx answer
   * is tried again after each of POST_RETRY_MS; then the transport ends (the client shows
   * dj-disconnected, reconnects and mounts afresh). The envelopes after it wait meanwhile, so
   * none overtakes a retry; an envelope leaves the outbox only once the server has answered it.
   */
  const pump = async () => {
    while (!done && outbox[0]) {
      if (!(await post(outbox[0]))) return; // ended: what is left goes back to the client
      outbox.shift();
    }
  };

  /** @param {object} message @returns {Promise<boolean>} false when the transport ended */
  const post = async (message) => {
    for (let i = 0; !done; i++) {
      let why;
      try {
        const res = await fetch(`${base}/message`, {
          method: 'POST', headers: { 'content-type': 'application/json', ...auth() }, body: JSON.stringify(message),
        });
        // read even when empty (Chromium calls an unread body aborted); the status is the answer
        const text = await res.text().catch(() => '');
        if (res.status === 404) return end(), false; // the stream is gone: this envelope goes back too
        if (res.ok) return true;
        if (res.status < 500 && res.status != 408 && res.status != 429) return console.warn(`djust-lite: ${text}`), true;
        why = `HTTP ${res.status}`;
      } catch (err) {
        why = String(err); // no answer: network down, server restarting
      }
      const wait = POST_RETRY_MS[i];
      if (done) return false;
      if (wait == null) {
        console.error(`djust-lite: POST failed ${i + 1} times (${why}); reconnecting. Check the server is up and takes POSTs at ${prefix}/sse/.`);
        return end(), false;
      }
      await new Promise((r) => (pause = setTimeout(r, wait)));
    }
    return false;
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
      if (outbox.push(message) === 1) void pump();
      return true;
    },
    upload(frame) {
      if (es?.readyState !== 1) return false;
      // One after the other (each answered once the server took it), so chunks arrive in order.
      uploads = uploads.then(() => fetch(`${base}/upload`, { method: 'POST', headers: { 'content-type': 'application/octet-stream', ...auth() }, body: new Blob([/** @type {Uint8Array<ArrayBuffer>} */ (frame)]) })
        // read even when empty (Chromium calls an unread body aborted)
        // A refused POST never reaches the view: it is the chunk's answer (413, 421, 404…), so the upload fails now.
        .then((res) => res.text().then((t) => { if (res.status != 202) h.onMessage({ type: 'upload', frame, action: 'error', code: `http_${res.status}`, message: t }); }), () => {}));
      return true;
    },
    close() {
      if (es) fetch(base, { method: 'DELETE', keepalive: true, headers: { ...auth() } }).catch(() => {});
      end(false);
    },
  };
}
