// @ts-check
// File uploads (docs/uploads.md), loaded by the bundle only on pages with a `dj-upload` input.
// Files picked in `<input type="file" dj-upload="name">` or dropped on `dj-drop-target="name"`
// are announced to the view (`dj:upload`); each one the server accepts is sent in chunks over
// the live connection, as many in flight as the server's window (or straight to its external URL).

/**
 * @typedef {object} Entry
 * @property {File} file
 * @property {string} ref      the page-wide ref the template shows as `entry.ref`
 * @property {string} name     the upload's name
 * @property {string} [id]     the server's id for its chunks
 * @property {{ url: string, fields: Record<string, string> }} [external]
 * @property {number} chunk
 * @property {number} window   bytes it may have sent and not had answered (the server's `window`)
 * @property {'new' | 'sending' | 'done' | 'failed'} state
 * @property {string} [url]    its preview's object URL
 * @property {((m: any) => void)[]} waits  take the server's answers to the chunks in flight, in order
 */

/** How long the server may take to answer a chunk before the entry fails. */
const ACK_MS = 30000;

/**
 * Starts uploads for `client` (a LiveClient): listens for files, sends them, shows previews.
 * @param {any} client @returns {{ reset(): void }}
 */
// Over 60 lines: one closure holds the page's entries, which every listener below reads.
export function uploads(client) {
  /** @type {Document} */
  const doc = client.doc;
  /** @type {Map<string, Entry>} */
  const byRef = new Map();
  /** @type {Map<string, Entry>} */
  const byId = new Map();
  const page = Math.random().toString(36).slice(2, 8);
  let seq = 0;
  /** A submit we let through after its uploads finished. @type {Event | null} */
  let passing = null;

  /** @param {string} name @param {Iterable<File>} files */
  const announce = async (name, files) => {
    /** @type {Entry[]} */
    const list = [...files].map((file) => ({ file, ref: `${page}-${seq++}`, name, chunk: 64000, window: 64000, state: 'new', waits: [] }));
    if (!list.length) return;
    for (const e of list) byRef.set(e.ref, e);
    /** @type {any} */
    let reply;
    try {
      reply = await client.pushEvent('dj:upload', { name, entries: list.map((e) => ({ ref: e.ref, name: e.file.name, size: e.file.size, type: e.file.type })) });
    } catch (err) {
      console.error(`djust-lite: upload "${name}" refused: ${/** @type {Error} */ (err).message}`);
      for (const e of list) byRef.delete(e.ref);
      return;
    }
    for (const answer of reply?.entries ?? []) {
      const e = byRef.get(answer.ref);
      if (!e) continue;
      if (!answer.valid) e.state = 'failed';
      e.id = answer.id;
      e.external = answer.external;
      e.chunk = reply.chunkSize;
      e.window = reply.window;
      if (e.id) byId.set(e.id, e);
    }
    previews();
    if (reply?.autoUpload) start(name);
  };

  /** Sends every entry of `name` not sent yet. @param {string} name */
  const start = (name) => Promise.all([...byRef.values()].filter((e) => e.name == name && e.state == 'new').map((e) => (e.external ? sendExternal(e) : send(e))));

  /** The server's next answer for `e` (each chunk gets one, in order). @param {Entry} e @returns {Promise<any>} */
  const answer = (e) => new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ action: 'error', code: 'timeout', message: `no answer in ${ACK_MS / 1000} s` }), ACK_MS);
    e.waits.push((m) => {
      clearTimeout(timer);
      resolve(m);
    });
  });

  /**
   * Sends `e` in chunks over the live connection, as many in flight as fit its window (the server
   * writes some while the next arrive), more after each answer; `rate_limited` waits, then sends
   * again from the last ack.
   * @param {Entry} e
   */
  const send = async (e) => {
    e.state = 'sending';
    const id = /** @type {string} */ (e.id);
    const size = e.file.size;
    /** The answers awaited and the chunks' sizes, oldest first. @type {[Promise<any>, number][]} */
    const flight = [];
    /** @type {any[]} */
    const failures = [];
    let offset = 0, acked = 0, first = true, retry = 0, unanswered = 0;
    while (e.state == 'sending') {
      // A zero-byte file sends one empty chunk (the server makes its empty file).
      while (!retry && !failures.length && (first || offset < size)) {
        const n = Math.min(e.chunk, size - offset);
        if (unanswered && unanswered + n > e.window) break;
        const data = new Uint8Array(await e.file.slice(offset, offset + n).arrayBuffer());
        const head = new TextEncoder().encode(`${id}:${offset}`);
        const frame = new Uint8Array(1 + head.length + data.length);
        frame[0] = head.length;
        frame.set(head, 1);
        frame.set(data, 1 + head.length);
        flight.push([answer(e), n]);
        if (!client.transport?.upload?.(frame)) return fail(e, 'disconnected', 'the connection dropped; pick the file again');
        offset += n;
        unanswered += n;
        first = false;
      }
      const next = flight.shift();
      if (!next) break;
      const m = await next[0];
      unanswered -= next[1];
      if (m.action == 'ack') acked = Math.max(acked, m.bytes);
      else if (m.code == 'rate_limited') retry = Math.max(retry, m.retryMs);
      else if (!retry || m.code != 'upload_offset') failures.push(m);
      if (retry && !flight.length) {
        await new Promise((r) => setTimeout(r, retry));
        retry = 0;
        offset = acked;
      }
    }
    // The cause, not what followed from it in the same window.
    const cause = failures.find((f) => !/^(upload_offset|upload_busy|bad_upload)$/.test(f.code)) ?? failures[0];
    if (cause) fail(e, cause.code, cause.message);
    else if (e.state == 'sending') e.state = 'done';
  };

  /** Sends `e` to its external URL as a form POST (`fields`, then `file`), reporting progress. @param {Entry} e */
  const sendExternal = (e) => new Promise((resolve) => {
    e.state = 'sending';
    const ext = /** @type {{ url: string, fields: Record<string, string> }} */ (e.external);
    const form = new FormData();
    for (const [k, v] of Object.entries(ext.fields)) form.append(k, v);
    form.append('file', e.file);
    const xhr = new XMLHttpRequest();
    let last = 0;
    /** @param {number} progress */
    const report = (progress) => client.pushEvent('dj:upload-progress', { name: e.name, ref: e.ref, progress });
    xhr.upload.onprogress = (ev) => {
      const pct = Math.min(99, Math.floor((ev.loaded * 100) / (ev.total || 1)));
      if (Date.now() - last > 250) {
        last = Date.now();
        report(pct);
      }
    };
    xhr.onload = () => {
      if (xhr.status < 300) {
        e.state = 'done';
        report(100);
      } else fail(e, 'external_failed', `HTTP ${xhr.status} from ${ext.url}`);
      resolve(undefined);
    };
    xhr.onerror = () => resolve(fail(e, 'external_failed', `no answer from ${ext.url}`));
    xhr.open('POST', ext.url);
    xhr.send(form);
  });

  /** @param {Entry} e @param {string} code @param {string} message */
  const fail = (e, code, message) => {
    if (e.state == 'failed') return;
    e.state = 'failed';
    // upload_unknown: the view dropped the entry (cancelUpload, a new pick): not an error; a dropped connection is a warning.
    if (code != 'upload_unknown') console[code == 'disconnected' ? 'warn' : 'error'](`djust-lite: upload "${e.name}" of ${e.file.name} failed: ${code}: ${message}`);
    doc.dispatchEvent(new CustomEvent('djust:upload-error', { detail: { name: e.name, ref: e.ref, code, message } }));
  };

  /** Shows each `dj-upload-preview="<ref>"` image its file; forgets finished entries no preview shows (their object URLs revoked). */
  const previews = () => {
    const shown = new Set();
    for (const img of doc.querySelectorAll('[dj-upload-preview]')) {
      const e = byRef.get(img.getAttribute('dj-upload-preview') ?? '');
      if (!e) continue;
      shown.add(e);
      e.url ??= URL.createObjectURL(e.file);
      if (img.getAttribute('src') != e.url) img.setAttribute('src', e.url);
    }
    for (const e of byRef.values()) {
      if (shown.has(e) || e.state == 'new' || e.state == 'sending') continue;
      if (e.url) URL.revokeObjectURL(e.url);
      byRef.delete(e.ref);
      if (e.id) byId.delete(e.id);
    }
  };

  /** @param {string} type @param {(ev: any) => void} fn @param {boolean} [capture] */
  const on = (type, fn, capture = false) => addEventListener(type, fn, capture);
  on('change', (ev) => {
    const input = ev.target;
    if (input instanceof HTMLInputElement && input.hasAttribute('dj-upload')) announce(/** @type {string} */ (input.getAttribute('dj-upload')), input.files ?? []);
  });
  on('dragover', (ev) => {
    if (ev.target instanceof Element && ev.target.closest('[dj-drop-target]')) ev.preventDefault();
  });
  on('drop', (ev) => {
    const target = ev.target instanceof Element && ev.target.closest('[dj-drop-target]');
    if (!target) return;
    ev.preventDefault();
    announce(/** @type {string} */ (target.getAttribute('dj-drop-target')), ev.dataTransfer?.files ?? []);
  });
  // A form's submit waits until its uploads are sent (as Phoenix's), then goes to dj-submit.
  on('submit', (ev) => {
    const form = ev.target;
    if (ev === passing || !(form instanceof HTMLFormElement)) return;
    const names = [...form.querySelectorAll('[dj-upload]')].map((i) => /** @type {string} */ (i.getAttribute('dj-upload')));
    if (![...byRef.values()].some((e) => names.includes(e.name) && e.state == 'new')) return;
    ev.preventDefault();
    ev.stopImmediatePropagation();
    Promise.all(names.map(start)).then(() => {
      passing = new SubmitEvent('submit', { bubbles: true, cancelable: true, submitter: ev.submitter });
      form.dispatchEvent(passing);
      passing = null;
    });
  }, true);
  doc.addEventListener('djust:message', (ev) => {
    const m = /** @type {CustomEvent} */ (ev).detail;
    // A refused SSE chunk POST (public/sse.js) names its frame, not its id.
    if (m?.type == 'upload') byId.get(m.id ?? new TextDecoder().decode(m.frame.subarray(1, 1 + m.frame[0])).split(':')[0])?.waits.shift()?.(m);
    else if (m?.type == 'patch' || m?.type == 'mounted') previews();
  });
  // Files picked before this module loaded.
  for (const input of doc.querySelectorAll('input[dj-upload]')) {
    const files = /** @type {HTMLInputElement} */ (input).files;
    if (files?.length) announce(/** @type {string} */ (input.getAttribute('dj-upload')), files);
  }
  return {
    /** The connection dropped: what was in flight fails (the view remounts without it). */
    reset() {
      for (const e of byRef.values()) if (e.state == 'sending' || e.state == 'new') fail(e, 'disconnected', 'the connection dropped; pick the file again');
      for (const e of byRef.values()) for (const wake of e.waits.splice(0)) wake({ action: 'error', code: 'disconnected', message: 'the connection dropped' });
    },
  };
}
