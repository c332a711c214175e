import type { WireErrorCode } from '../core/errors';
import { MAX_JSON_DEPTH } from '../core/json';
import { MAX_URL_LENGTH, isLocalPath } from './urls';
import { parseClickFrame } from './event-frame';

/** A plain JSON value, as params and `handleInfo` payloads carry. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
/** A plain JSON object: event params, `pushEvent` and `pushReply` payloads. */
export type JsonObject = { [key: string]: JsonValue };
/** Event params: a plain JSON object (no prototype keys). */
export type EventParams = JsonObject;

// ---- client → server ------------------------------------------------------------------

export interface MountMessage {
  type: 'mount';
  token: string;
  /** The page URL the client shows (path + query); optional. */
  url?: string;
}
export interface EventMessage {
  type: 'event';
  /** Client-chosen correlation id, echoed on the response; `null` when the client wants none. */
  ref: number | null;
  event: string;
  params: EventParams;
  /**
   * The LiveComponent the event is for: the `dj-target` of the element that sent it (its
   * `myself`); absent for the view's own handlers.
   */
  target?: number;
}
export interface PingMessage {
  type: 'ping';
}
/**
 * Live navigation (a `dj-patch` link, or back/forward): the page now shows `url` (same-origin
 * path + query); the view's `handleParams` runs for it. `pop: true` when the client restored
 * a history entry's head itself (the server then forgets what it knew the client shows).
 */
export interface ParamsMessage {
  type: 'params';
  ref: number | null;
  url: string;
  pop: boolean;
}
export type ClientMessage = MountMessage | EventMessage | PingMessage | ParamsMessage;

// ---- server → client ------------------------------------------------------------------

export interface MountedMessage {
  type: 'mounted';
  html: string;
}
/** Region update: `html` replaces the live region; `ops` (see diff/) patches it. */
export interface PatchMessage {
  type: 'patch';
  ref: number | null;
  html?: string;
  /**
   * The ops; a path that starts with a string starts at the LiveComponent whose `dj-cid` it
   * is (a component that changed on its own: docs/diff-format.md).
   */
  ops?: unknown[];
  /** What the handler gave `this.pushReply(payload)`; absent otherwise. */
  payload?: JsonObject;
  /** Stream operations, applied after `html`/`ops` (docs/streams.md); absent when none. */
  streams?: StreamPatch[];
}
/**
 * One insert into a stream container: DOM id, position (`-1` end, `0` top, `n` before child n),
 * limit or null, the child's HTML; or the HTML alone, for `at` -1 and no limit, whose DOM id is
 * its element's `id` (the short form: most inserts, such as a row updated in place).
 */
export type StreamInsertOp = [domId: string, at: number, limit: number | null, html: string] | string;
/**
 * What one stream container receives in a patch (docs/streams.md): `reset` (its children
 * removed), `deletes` (DOM ids removed), then `inserts` in
 * order (a DOM id it has is replaced in place). `id` is absent when only `deletes` are known.
 */
export interface StreamPatch {
  id?: string;
  reset?: true;
  deletes?: string[];
  inserts?: StreamInsertOp[];
}
export interface ReplyMessage {
  type: 'reply';
  ref: number | null;
  payload?: JsonObject;
}
export type PageMetadataMessage =
  | { type: 'page_metadata'; action: 'title'; value: string }
  | { type: 'page_metadata'; action: 'meta'; name: string; content: string }
  | { type: 'page_metadata'; action: 'meta'; name: string; remove: true }
  | { type: 'page_metadata'; action: 'link'; rel: string; href: string }
  | { type: 'page_metadata'; action: 'link'; rel: string; remove: true };
/**
 * `pushPatch(url)`: the client moves to `url` with history.pushState (replaceState if `replace`).
 * With `html` and `token` (`pushNavigate`, or a `params` for another live route sharing the
 * layout): another view took the connection; the region's content becomes `html`, and `token`
 * mounts that view on the next connect.
 */
export interface NavigateMessage {
  type: 'navigate';
  url: string;
  replace: boolean;
  html?: string;
  token?: string;
}
/** `redirect(url)`, or a `pushNavigate` the connection cannot follow live: the client loads `url`. */
export interface RedirectMessage {
  type: 'redirect';
  url: string;
  replace: boolean;
}
/**
 * Development only (NODE_ENV unset or `development`; docs/protocol.md): `reload` — a template
 * changed, the client reloads the page; `warn` — a notice for the browser console (once per
 * connection), e.g. that every event re-renders the whole page.
 */
export type DevMessage =
  | { type: 'dev'; action: 'reload' }
  | { type: 'dev'; action: 'warn'; message: string };
/** `this.pushEvent(event, payload)`: for the client's `handleEvent` callbacks and `dj:<event>` window events. */
export interface PushEventMessage {
  type: 'push_event';
  event: string;
  payload: JsonObject;
}
export type FlashMessage =
  | { type: 'flash'; action: 'put'; level: string; message: string }
  | { type: 'flash'; action: 'clear'; level?: string };
/** One reason typed params were refused: the schema's message, and where in params (keys and indexes). */
export interface ParamsIssue {
  message: string;
  path?: (string | number)[];
}
export interface ErrorMessage {
  type: 'error';
  ref: number | null;
  code: WireErrorCode;
  message: string;
  /** `bad_params` from a handler's params schema: what it refused. */
  issues?: ParamsIssue[];
}
export interface PongMessage {
  type: 'pong';
}
/**
 * An upload chunk's answer (docs/uploads.md): `ack` — stored, `bytes` in all so far (send the
 * next); `error` — refused (`code`: too_large, upload_unknown, upload_busy, upload_offset,
 * upload_cancelled, upload_failed, bad_upload, rate_limited with `retryMs`).
 */
/**
 * An entry's window, in chunks: the client may have `UPLOAD_WINDOW × chunkSize` bytes of one
 * entry sent and not yet answered (the `dj:upload` answer's `window`, in bytes); a chunk past it
 * gets `upload_busy`. The server holds at most that much of an entry in memory before it is on disk.
 */
export const UPLOAD_WINDOW = 4;

export interface UploadMessage {
  type: 'upload';
  id: string;
  action: 'ack' | 'error';
  bytes?: number;
  code?: string;
  message?: string;
  retryMs?: number;
}
export type ServerMessage =
  | MountedMessage
  | PatchMessage
  | ReplyMessage
  | NavigateMessage
  | RedirectMessage
  | PageMetadataMessage
  | FlashMessage
  | PushEventMessage
  | ErrorMessage
  | PongMessage
  | UploadMessage
  | DevMessage;

// ---- parsing ------------------------------------------------------------------------------

export type ParseResult = { ok: true; message: ClientMessage } | { ok: false; error: ErrorMessage };

/** What an event name (client events, `pushEvent`) looks like. */
export const EVENT_NAME_RE = /^[A-Za-z_$][\w$:.-]{0,127}$/;

function fail(code: WireErrorCode, message: string, ref: number | null = null): ParseResult {
  return { ok: false, error: { type: 'error', ref, code, message } };
}

/** Builds an `error` envelope. */
export function errorMessage(code: WireErrorCode, message: string, ref: number | null = null): ErrorMessage {
  return { type: 'error', ref, code, message };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Copies a JSON value into fresh null-prototype-free plain objects, dropping
 * `__proto__`, `constructor` and `prototype` keys. Returns undefined for values that
 * are not JSON (cannot happen after JSON.parse, but params may come from elsewhere).
 */
function cleanJson(value: unknown, depth: number): JsonValue | undefined {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (depth > MAX_JSON_DEPTH) return undefined;
  if (Array.isArray(value)) {
    const out: JsonValue[] = [];
    for (const item of value) {
      const clean = cleanJson(item, depth + 1);
      if (clean === undefined) return undefined;
      out.push(clean);
    }
    return out;
  }
  if (isRecord(value)) {
    const out: { [key: string]: JsonValue } = {};
    for (const key of Object.keys(value)) {
      if (key === '__proto__' || key === 'constructor' || key === 'prototype') continue;
      const clean = cleanJson(value[key], depth + 1);
      if (clean === undefined) return undefined;
      out[key] = clean;
    }
    return out;
  }
  return undefined;
}

/** Copies event params into a plain object without prototype keys; undefined if not a plain JSON object. */
export function cleanParams(value: unknown): EventParams | undefined {
  if (value === undefined) return {};
  if (!isRecord(value)) return undefined;
  const clean = cleanJson(value, 0);
  return clean !== undefined && isRecord(clean) ? (clean as EventParams) : undefined;
}

/**
 * Narrows one inbound text frame into a ClientMessage. The caller has already checked its
 * size against `maxMessageBytes`. Every refusal is an `error` envelope naming the fix.
 */
export function parseClientMessage(text: string): ParseResult {
  const click = parseClickFrame(text);
  if (click !== null) return { ok: true, message: click };
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return fail('bad_json', 'Frame is not valid JSON; send one JSON object such as {"type":"event","event":"save","params":{}}.');
  }
  if (!isRecord(data)) {
    return fail('bad_message', 'Frame must be a JSON object with a "type" field ("mount", "event" or "ping").');
  }
  const ref = typeof data.ref === 'number' && Number.isSafeInteger(data.ref) ? data.ref : null;
  switch (data.type) {
    case 'ping':
      return { ok: true, message: { type: 'ping' } };
    case 'mount': {
      if (typeof data.token !== 'string' || data.token.length === 0) {
        return fail('bad_message', 'mount needs "token": the data-djust-token attribute of the page\'s djust script tag.');
      }
      if (data.url !== undefined && typeof data.url !== 'string') {
        return fail('bad_message', 'mount "url", when given, must be a string (the page URL).');
      }
      return { ok: true, message: { type: 'mount', token: data.token, url: data.url } };
    }
    case 'event': {
      if (data.ref !== undefined && data.ref !== null && ref === null) {
        return fail('bad_message', 'event "ref" must be an integer or null.');
      }
      if (typeof data.event !== 'string' || !EVENT_NAME_RE.test(data.event)) {
        return fail('bad_message', 'event needs "event": the handler name, a string of letters, digits, "_", "$", ":", "." or "-".', ref);
      }
      const params = cleanParams(data.params);
      if (params === undefined) {
        return fail('bad_params', `event "${data.event}": "params" must be a plain JSON object (got ${describe(data.params)}).`, ref);
      }
      if (data.target === undefined || data.target === null) return { ok: true, message: { type: 'event', ref, event: data.event, params } };
      if (typeof data.target !== 'number' || !Number.isSafeInteger(data.target) || data.target < 1) {
        return fail('bad_message', `event "${data.event}": "target", when given, must be a LiveComponent's page id (the positive integer its template's dj-target="{{ myself }}" holds).`, ref);
      }
      return { ok: true, message: { type: 'event', ref, event: data.event, params, target: data.target } };
    }
    case 'params': {
      if (data.ref !== undefined && data.ref !== null && ref === null) {
        return fail('bad_message', 'params "ref" must be an integer or null.');
      }
      if (!isLocalPath(data.url)) {
        return fail('bad_message', `params needs "url": a same-origin path such as "/store?product=mug" (one leading "/", no spaces or control characters, at most ${MAX_URL_LENGTH} characters).`, ref);
      }
      return { ok: true, message: { type: 'params', ref, url: data.url, pop: data.pop === true } };
    }
    default:
      return fail(
        'bad_message',
        `Unknown message type ${JSON.stringify(typeof data.type === 'string' ? data.type.slice(0, 40) : data.type ?? null)}; expected "mount", "event", "params" or "ping".`,
        ref,
      );
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'a nested value that is not plain JSON' : `a ${typeof value}`;
}

/**
 * A patch's ops as JSON.stringify writes them; a text op (`["t", path, text]` with an index
 * path, what a click on a counter sends) written by hand: ~2× faster than JSON.stringify.
 */
function opsJson(ops: readonly unknown[]): string {
  let out = '[';
  for (let i = 0; i < ops.length; i += 1) {
    const op = ops[i];
    if (i > 0) out += ',';
    const text = textOpJson(op);
    out += text ?? JSON.stringify(op);
  }
  return `${out}]`;
}

function textOpJson(op: unknown): string | null {
  if (!Array.isArray(op) || op.length !== 3 || op[0] !== 't' || typeof op[2] !== 'string' || !Array.isArray(op[1])) return null;
  const path = op[1] as unknown[];
  let p = '';
  for (let k = 0; k < path.length; k += 1) {
    const n = path[k];
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) return null;
    p += k === 0 ? `${n}` : `,${n}`;
  }
  return `["t",[${p}],${jsonString(op[2])}]`;
}

/** Longest string jsonString checks itself; longer ones go to JSON.stringify (a native scan). */
const SHORT_STRING = 64;

/**
 * `JSON.stringify(text)` for a string: a short one with nothing to escape (no `"`, `\`, control
 * character or lone surrogate half: JSON.stringify writes those as escapes) is quoted as it is,
 * without the call (a counter's count, a title: ~0.05 µs each instead of ~0.1).
 */
export function jsonString(text: string): string {
  if (text.length > SHORT_STRING) return JSON.stringify(text);
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) return JSON.stringify(text);
  }
  return `"${text}"`;
}

/**
 * Serialises one server message: the same text as JSON.stringify. The three every event sends
 * (a patch's envelope, reply, title) are written by hand: ~0.35 µs → ~0.15 µs each, on the
 * path a click takes.
 */
export function encode(message: ServerMessage): string {
  switch (message.type) {
    case 'patch':
      if (message.html === undefined && message.ops !== undefined && message.payload === undefined && message.streams === undefined) return `{"type":"patch","ref":${message.ref},"ops":${opsJson(message.ops)}}`;
      break;
    case 'reply':
      if (message.payload === undefined) return `{"type":"reply","ref":${message.ref}}`;
      break;
    case 'page_metadata':
      if (message.action === 'title') return `{"type":"page_metadata","action":"title","value":${jsonString(message.value)}}`;
      break;
  }
  return JSON.stringify(message);
}
