// Over 300 lines on purpose: the options table (one row per option: default, check, docs
// line) sits with the typed interface IDEs read and the one function that applies both.
import { randomBytes } from 'node:crypto';
import type { Request } from 'express';
import os from 'node:os';
import path from 'node:path';
import { Environment as NunjucksEnvironment } from 'nunjucks';
import { checkNumberOption, describeValue, invalidOption, optionError } from '../core/errors';
import type { LiveViewClass } from '../view/live-view';
import { resolveLogger, type Logger, type ResolvedLogger } from '../core/logger';
import type { JsonValue } from '../contract/protocol';
import { DEFAULT_HANDLER_TIMEOUT_MS } from '../contract/contract';
import { isPubSubAdapter, type PubSubAdapter } from '../pubsub/pubsub';
import { isTitleTemplate, TITLE_TEMPLATE_SHAPE, type TitleTemplate } from '../view/title-template';
import { isClock, nodeClock, type Clock } from '../core/clock';
import { isLiveSessions, type LiveSessionOptions } from './mount-guards';


/** What the `session` option may return: JSON data (a plain object, array, string, number, boolean or null). */
export type SessionData = object | string | number | boolean | null;

/**
 * Options of `djustLite()`. Every one is optional.
 *
 * @example
 * djustLite({ views: 'views', secret: process.env.DJUST_SECRET, allowedOrigins: ['https://app.example.com'] })
 */
export interface DjustLiteOptions {
  /** Folder of your Nunjucks templates. Default `'views'` (relative to the working directory). */
  views?: string | undefined;
  /** Your own Nunjucks environment; djust-lite adds its tags to it. Overrides `views`. */
  env?: NunjucksEnvironment | undefined;
  /** URL prefix of the client files and endpoints. Default `'/djust'`. */
  prefix?: string | undefined;
  /**
   * HMAC secret(s) for view tokens, at least 32 characters; the first signs, all verify.
   * Required when NODE_ENV=production. Default random per process.
   */
  secret?: string | string[] | undefined;
  /** Origins besides the page's own host allowed to connect, e.g. `['https://app.example.com']`. Default `[]`. */
  allowedOrigins?: string[] | undefined;
  /** Routes to register up front: path → view class (same as `live.route(path, View)`). Default `{}`. */
  routes?: Record<string, LiveViewClass> | undefined;
  /**
   * Per named live session (route option `liveSession`): mount guards every route of it runs
   * before `mount` — on the HTTP render, every live mount and every live switch — e.g.
   * `{ admin: { onMount: [requireAdmin] } }` (docs/security.md). Default `{}`.
   */
  liveSessions?: Record<string, LiveSessionOptions> | undefined;
  /**
   * Where a server `pushNavigate` may switch the connection live: `'liveSession'` only to routes
   * of the view's own live session; `'anyLiveRoute'` to any live route. Any other URL is loaded
   * as a page (a `redirect`), so Express middleware runs. Mount guards run either way.
   * Default `'liveSession'`.
   */
  pushNavigateScope?: 'liveSession' | 'anyLiveRoute' | undefined;
  /**
   * Data to carry from the HTTP request to `ctx.session` on connect (signed into the token). It
   * must survive `JSON.stringify`; typed loosely so an interface (`(req): UserSession => …`)
   * is accepted — interfaces lack the index signature a JSON type needs (docs/typescript.md).
   */
  session?: ((req: Request) => SessionData | undefined) | undefined;
  /** Title template for every view, e.g. `'%s | Store'`; a view's `static titleTemplate` wins. */
  titleTemplate?: TitleTemplate | undefined;
  /** Title when a view sets none (or an empty one); shown as is, not through the title template. */
  defaultTitle?: string | undefined;
  /**
   * Announce title changes to screen readers through a visually hidden `aria-live="polite"`
   * region (`#dj-announcer`), at most one announcement per 2 s (the latest title wins).
   * Default `true`.
   */
  announceTitle?: boolean | undefined;
  /** Transport the browser uses: `'auto'` (WebSocket, falling back to SSE), `'websocket'` or `'sse'`. Default `'auto'`. */
  transport?: 'auto' | 'websocket' | 'sse' | undefined;
  /** Token lifetime in ms. Default 24 h, at least 1000. */
  tokenTtlMs?: number | undefined;
  /** Largest inbound WS text frame or SSE message POST body, in bytes. Default 65536, at least 256. */
  maxMessageBytes?: number | undefined;
  /**
   * Largest upload chunk: a binary WS frame or an SSE chunk POST body, in bytes (docs/uploads.md).
   * Kept apart from `maxMessageBytes` so big chunks do not also allow big text frames. Default
   * 262144 (256 KiB), at least 1024.
   */
  maxUploadChunkBytes?: number | undefined;
  /** Jobs of each kind (events, server pushes, error answers) waiting per connection; an event over it gets `queue_full`, a push drops the oldest push. Default 256, at least 1. */
  maxQueuedEvents?: number | undefined;
  /** Frames per second per connection (each costs 1, plus 1 per 4 KiB) before `rate_limited`; twice that closes it (1008). Default 200, at least 1. */
  maxEventsPerSecond?: number | undefined;
  /** Values (array elements and object keys, counted through every level) the params of an event with a params schema may hold; over it the schema is not run and the event is answered `bad_params`. A schema's work is charged to the connection's `maxEventsPerSecond` budget: one token per 16 values. Default 1000, at least 1. */
  maxParamsValues?: number | undefined;
  /** How long a handler (event, handleInfo, handleParams) may run before its ref is answered `handler_timeout` and the queue moves on, in ms. Default 30000, at least 1. */
  handlerTimeoutMs?: number | undefined;
  /** Live connections in total. Default 10000, at least 1. */
  maxConnections?: number | undefined;
  /** Live connections per client address, WebSocket and SSE together. Default 100, at least 1. */
  maxConnectionsPerClient?: number | undefined;
  /** A WebSocket or SSE stream that has not mounted within this many ms is closed (`mount_timeout`). Default 10000, at least 100. */
  mountTimeoutMs?: number | undefined;
  /** SSE: ms a POST body may take to arrive before the request is answered 408 and dropped. Default 10000, at least 100. */
  bodyTimeoutMs?: number | undefined;
  /** WS ping / SSE heartbeat interval in ms. Default 30000, at least 100. */
  heartbeatMs?: number | undefined;
  /** Bytes queued to a slow client before it is disconnected. Default 4 MiB, at least 1024. */
  maxBufferedBytes?: number | undefined;
  /** Folder for uploads in flight (docs/uploads.md); each process keeps its own sub-folder. Default the OS temp folder. */
  uploadDir?: string | undefined;
  /** Upload bytes per second per connection before chunks are refused `rate_limited` (and the peer held). Default 256 MiB, at least 1024. */
  maxUploadBytesPerSecond?: number | undefined;
  /** Upload bytes per second of all WebSocket connections together while another connection is in use (neighbour first). Default 8 MiB, at least 65536. */
  sharedUploadBytesPerSecond?: number | undefined;
  /** SSE: messages kept per session for `Last-Event-ID` replay. Default 256, at least 1. */
  sseBufferSize?: number | undefined;
  /** SSE: ms a session outlives its dropped stream. Default 30000, at least 0. */
  sseLingerMs?: number | undefined;
  /** SSE: the `retry:` value in ms. Default 1000, at least 0. */
  sseRetryMs?: number | undefined;
  /** Where debug lines, warnings and handler errors go (see `Logger`). Default `console`; debug lines with `DEBUG=djust-lite:*`. */
  logger?: Logger | undefined;
  /** Handlers (and `handleInfo`, `handleParams`) slower than this many ms are logged on `djust-lite:event`. Default 100, at least 0. */
  slowHandlerMs?: number | undefined;
  /**
   * In development (NODE_ENV unset or `development`, as Express reckons it): watch the views
   * folder and reload the open live pages when a template changes; set `false` to turn it off.
   * Never on in production. Default on in development.
   */
  liveReload?: boolean | undefined;
  /**
   * Where `live.broadcast` and views' `subscribe` go: a `PubSubAdapter`, e.g. `redisPubSub({ url })`
   * from `djust-lite/redis` to reach every process. `live.close()` closes it. Default in-memory (this process).
   */
  pubsub?: PubSubAdapter | undefined;
  /**
   * Where views' `sendAfter` timers run: `{ setTimeout(fire, ms), clearTimeout(timer) }`. Default
   * Node's timers; tests pass `testClock()` from `djust-lite/testing` and move time with `advance(ms)`.
   */
  clock?: Clock | undefined;
}

/** How one option is checked; a wrong value throws naming the option, the shape expected and the value received. */
export type OptionCheck<T = unknown> =
  | { type: 'number'; min: number }
  | { type: 'boolean' }
  | { type: 'enum'; values: readonly T[] }
  | { type: 'custom'; expected: string; valid(value: unknown): boolean; shown?(value: unknown): string };

/** One row of the options table. */
export interface OptionSpec<T> {
  /** Used when the option is left out (`undefined`: none). */
  default: T | undefined;
  /** How docs/options.md shows the default when it is not a plain value (`'24 h'`). */
  shownDefault?: string;
  check: OptionCheck<T>;
  /** One line for the options table in docs/options.md. */
  doc: string;
}

type Name = keyof DjustLiteOptions;

/** A secret is never echoed in an error message: only its length or kind. */
function describeSecret(value: unknown): string {
  if (typeof value === 'string') return `a string of ${value.length} characters`;
  if (Array.isArray(value)) return value.length === 0 ? 'an empty array' : `an array of ${value.map((s) => (typeof s === 'string' ? `${s.length} characters` : describeValue(s))).join(', ')}`;
  return describeValue(value);
}

const PREFIX_RE = /^\/[A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)*$/;
const isRecord = (value: unknown): boolean => typeof value === 'object' && value !== null && !Array.isArray(value);
const isSecret = (value: unknown): boolean => typeof value === 'string' && value.length >= 32;
const isOptionalFunction = (value: unknown): boolean => value === undefined || typeof value === 'function';

/**
 * Every option of `djustLite()`: its default, its check and its docs/options.md line. Defaults,
 * validation, the unknown-option check and the table in docs/options.md all come from here;
 * `satisfies` ties it to `DjustLiteOptions`, so an option added to one and not the other
 * fails typecheck. After editing a `doc` or default, regenerate the table in docs/options.md:
 * `npx ts-node --transpile-only __tests__/helpers/options-table.ts`.
 *
 * @example
 * OPTIONS.maxMessageBytes; // { default: 65536, check: { type: 'number', min: 256 }, doc: 'largest WS frame …' }
 */
export const OPTIONS = {
  views: {
    default: 'views',
    check: { type: 'custom', expected: 'a folder path string', valid: (v) => typeof v === 'string' && v.length > 0 },
    doc: 'folder of your templates, relative to the working directory',
  },
  env: {
    default: undefined,
    check: { type: 'custom', expected: 'a nunjucks.Environment', valid: (v) => v instanceof NunjucksEnvironment },
    doc: 'your own `nunjucks.Environment` (djust-lite adds its tags); overrides `views`',
  },
  routes: {
    default: Object.freeze({}),
    check: { type: 'custom', expected: 'an object of path → LiveView class', valid: isRecord },
    doc: "`{ '/chat': ChatView }`, same as `live.route()`; Express path syntax (`/store/:id`)",
  },
  liveSessions: {
    default: Object.freeze({}),
    check: { type: 'custom', expected: 'an object of live session name → { onMount: [guard functions] }', valid: isLiveSessions },
    doc: "`{ admin: { onMount: [requireAdmin] } }`: mount guards every route of that live session runs on the HTTP render, live mount and live switch ([security](security.md#guarding-live-views))",
  },
  pushNavigateScope: {
    default: 'liveSession',
    check: { type: 'enum', values: ['liveSession', 'anyLiveRoute'] },
    doc: "where a server `pushNavigate` switches live: `'liveSession'` (routes of the view's own live session) or `'anyLiveRoute'`; any other URL loads as a page",
  },
  prefix: {
    default: '/djust',
    check: { type: 'custom', expected: 'a path like "/djust" (leading slash, no trailing slash)', valid: (v) => typeof v === 'string' && PREFIX_RE.test(v) },
    doc: 'where the client files and endpoints live',
  },
  secret: {
    default: undefined,
    shownDefault: 'random per process',
    check: {
      type: 'custom',
      expected: 'a string of at least 32 characters or a non-empty array of them',
      valid: (v) => isSecret(v) || (Array.isArray(v) && v.length > 0 && v.every(isSecret)),
      shown: describeSecret,
    },
    doc: 'HMAC secret(s), 32+ chars; an array rotates (first signs, all verify). Required when `NODE_ENV=production`',
  },
  allowedOrigins: {
    default: Object.freeze([]) as readonly string[] as string[],
    check: { type: 'custom', expected: 'an array of origins like "https://app.example.com"', valid: Array.isArray },
    doc: "origins besides the page's own host that may connect",
  },
  session: {
    default: undefined,
    check: { type: 'custom', expected: 'a function (req) => JSON value', valid: (v) => typeof v === 'function' },
    doc: '`(req) => JSON` carried to `ctx.session` in the signed token',
  },
  titleTemplate: {
    default: undefined,
    check: { type: 'custom', expected: TITLE_TEMPLATE_SHAPE, valid: (v) => v === null || isTitleTemplate(v) },
    doc: "`'%s | Store'` or a function; a view's `static titleTemplate` wins",
  },
  defaultTitle: {
    default: undefined,
    check: { type: 'custom', expected: 'a string', valid: (v) => typeof v === 'string' },
    doc: 'title when a view sets none (or an empty one); shown as is, not through the title template',
  },
  transport: {
    default: 'auto',
    check: { type: 'enum', values: ['auto', 'websocket', 'sse'] },
    doc: "`'auto'` (WebSocket, falling back to SSE), `'websocket'`, `'sse'`",
  },
  announceTitle: {
    default: true,
    check: { type: 'boolean' },
    doc: 'announce title changes in an `aria-live` region ([Screen readers](head.md#screen-readers))',
  },
  liveReload: {
    default: true,
    shownDefault: 'on in development',
    check: { type: 'boolean' },
    doc: 'reload open live pages when a template of the views folder changes; only in development (`NODE_ENV` unset or `development`), never in production ([Development reload](templates.md#development-reload))',
  },
  tokenTtlMs: {
    default: 24 * 60 * 60 * 1000,
    shownDefault: '24 h',
    check: { type: 'number', min: 1000 },
    doc: 'token lifetime in ms; an expired page reloads itself on connect',
  },
  maxMessageBytes: {
    default: 64 * 1024,
    check: { type: 'number', min: 256 },
    doc: 'largest WS text frame (closes 1009) / SSE message POST body (413), in bytes',
  },
  maxUploadChunkBytes: {
    default: 256 * 1024,
    check: { type: 'number', min: 1024 },
    doc: 'largest upload chunk: a binary WS frame (closes 1009) / an SSE chunk POST body (413), in bytes ([Uploads](uploads.md))',
  },
  maxQueuedEvents: {
    default: 256,
    check: { type: 'number', min: 1 },
    doc: 'jobs of each kind (events, server pushes, error answers) waiting per connection; an event over it gets `queue_full`, a push drops the oldest push',
  },
  maxEventsPerSecond: {
    default: 200,
    check: { type: 'number', min: 1 },
    doc: 'frames/s per connection (each costs 1, plus 1 per 4 KiB; burst of the same size) before `rate_limited`; twice that closes it (1008)',
  },
  maxParamsValues: {
    default: 1000,
    check: { type: 'number', min: 1 },
    doc: "values (array elements and object keys, all levels) an event's params may hold when its handler has a params schema; over it the schema is not run (`bad_params`). The schema's work is charged to `maxEventsPerSecond`: one token per 16 values ([Security](security.md))",
  },
  handlerTimeoutMs: {
    default: DEFAULT_HANDLER_TIMEOUT_MS,
    check: { type: 'number', min: 1 },
    doc: 'ms a handler (event, handleInfo, handleParams) may run before its ref gets `handler_timeout` and the queue moves on',
  },
  maxConnections: {
    default: 10_000,
    check: { type: 'number', min: 1 },
    doc: 'live connections in total, WebSocket and SSE (answers 429)',
  },
  maxConnectionsPerClient: {
    default: 100,
    check: { type: 'number', min: 1 },
    doc: "live connections per client address (`req.ip`: the app's `trust proxy` applies), WebSocket and SSE together (answers 429)",
  },
  mountTimeoutMs: {
    default: 10_000,
    check: { type: 'number', min: 100 },
    doc: 'a WebSocket or SSE stream not mounted within this many ms gets `mount_timeout` and is closed (1008)',
  },
  bodyTimeoutMs: {
    default: 10_000,
    check: { type: 'number', min: 100 },
    doc: 'SSE: ms a POST body may take to arrive before it is answered 408 and dropped',
  },
  heartbeatMs: {
    default: 30_000,
    check: { type: 'number', min: 100 },
    doc: "WS ping interval (dead peers are dropped) / SSE heartbeat, in ms; a connection with no update for one to two intervals also drops its parsed region (~18× the region's size), parsed again on its next update",
  },
  maxBufferedBytes: {
    default: 4 * 1024 * 1024,
    shownDefault: '4 MiB',
    check: { type: 'number', min: 1024 },
    doc: 'bytes queued to a client that does not read before it is closed (1008)',
  },
  uploadDir: {
    default: undefined,
    shownDefault: 'the OS temp folder',
    check: { type: 'custom', expected: 'a folder path string', valid: (v) => typeof v === 'string' && v.length > 0 },
    doc: 'where uploads in flight are stored, in a sub-folder per process (swept at start when its process has exited) ([Uploads](uploads.md))',
  },
  maxUploadBytesPerSecond: {
    default: 256 * 1024 * 1024,
    shownDefault: '256 MiB',
    check: { type: 'number', min: 1024 },
    doc: 'upload bytes per second per connection; a chunk over it is refused `rate_limited` and retried ([Uploads](uploads.md))',
  },
  sharedUploadBytesPerSecond: {
    default: 8 * 1024 * 1024,
    shownDefault: '8 MiB',
    check: { type: 'number', min: 65_536 },
    doc: 'upload bytes per second of all WebSocket connections together while another connection sends events (neighbour first: the rest wait, their sockets unread) ([Uploads](uploads.md#a-neighbour-during-uploads))',
  },
  sseBufferSize: {
    default: 256,
    check: { type: 'number', min: 1 },
    doc: 'SSE: messages kept per session for `Last-Event-ID` replay',
  },
  sseLingerMs: {
    default: 30_000,
    check: { type: 'number', min: 0 },
    doc: 'SSE: ms a session outlives its dropped stream, waiting for a resume',
  },
  sseRetryMs: {
    default: 1_000,
    check: { type: 'number', min: 0 },
    doc: 'SSE: the `retry:` value the stream announces, in ms',
  },
  logger: {
    default: undefined,
    shownDefault: '`console`; debug lines with `DEBUG=djust-lite:*`',
    check: {
      type: 'custom',
      expected: 'an object with warn(message) and error(message, err) methods (debug(message) and info(message) optional)',
      valid: (v) => isRecord(v) && typeof (v as Logger).warn === 'function' && typeof (v as Logger).error === 'function'
        && isOptionalFunction((v as Logger).debug) && isOptionalFunction((v as Logger).info),
    },
    doc: '`{ debug?(msg), info?(msg), warn(msg), error(msg, err) }`; with `debug` given, every debug line goes to it ([debugging](debugging.md))',
  },
  slowHandlerMs: {
    default: 100,
    check: { type: 'number', min: 0 },
    doc: 'a handler, `handleInfo` or `handleParams` slower than this (ms) is logged on the `djust-lite:event` debug namespace',
  },
  pubsub: {
    default: undefined,
    shownDefault: 'in-memory (this process)',
    check: { type: 'custom', expected: 'a PubSubAdapter (subscribe, unsubscribe, broadcast and close methods), e.g. redisPubSub({ url }) from "djust-lite/redis"', valid: isPubSubAdapter },
    doc: "`redisPubSub({ url })` from `djust-lite/redis` to broadcast across processes ([Several processes](scaling.md#several-processes)); `live.close()` closes it",
  },
  clock: {
    default: nodeClock,
    shownDefault: "Node's timers",
    check: { type: 'custom', expected: 'an object with setTimeout(fire, ms) and clearTimeout(timer) methods, e.g. testClock() from "djust-lite/testing"', valid: isClock },
    doc: "where views' `sendAfter` timers run; `testClock()` from `djust-lite/testing` lets a test move time ([Time](testing.md#time))",
  },
} satisfies { [K in Name]-?: OptionSpec<NonNullable<DjustLiteOptions[K]>> };

type Numeric = { [K in Name]: (typeof OPTIONS)[K]['check'] extends { type: 'number' } ? K : never }[Name];

/** Options after defaults and checks; what the rest of djust-lite reads. */
export interface ResolvedOptions extends Record<Numeric, number> {
  env: NunjucksEnvironment | null;
  views: string;
  prefix: string;
  secrets: string[];
  allowedOrigins: Set<string>;
  routes: Record<string, LiveViewClass>;
  liveSessions: Readonly<Record<string, LiveSessionOptions>>;
  pushNavigateScope: 'liveSession' | 'anyLiveRoute';
  /** The `session` option; what it returns is JSON (it is signed into the token as JSON). */
  session: ((req: Request) => JsonValue | undefined) | null;
  titleTemplate: TitleTemplate | null;
  defaultTitle: string | null;
  announceTitle: boolean;
  /** Templates are watched and live pages reloaded on a change: the option, and development. */
  liveReload: boolean;
  transport: 'auto' | 'websocket' | 'sse';
  logger: ResolvedLogger;
  pubsub: PubSubAdapter | null;
  clock: Clock;
  uploadDir: string;
}

/** Each option after its default and check: options with a default are always set. */
type Checked = {
  [K in Name]: undefined extends (typeof OPTIONS)[K]['default'] ? DjustLiteOptions[K] : NonNullable<DjustLiteOptions[K]>;
};

const WHERE = 'djustLite()';

/** Development as Express reckons it: NODE_ENV unset or `development` (test runners set `test`). */
export function isDevelopment(): boolean {
  return (process.env.NODE_ENV ?? 'development') === 'development';
}

/** Throws the option error for `value` if it fails `check`. */
function checkOption(name: Name, check: OptionCheck, value: unknown): void {
  switch (check.type) {
    case 'number':
      checkNumberOption(WHERE, name, value, check.min);
      return;
    case 'boolean':
      if (typeof value !== 'boolean') throw invalidOption(WHERE, name, 'true or false', value);
      return;
    case 'enum':
      if (!check.values.includes(value)) throw invalidOption(WHERE, name, listOf(check.values.map((v) => JSON.stringify(v)), 'or'), value);
      return;
    case 'custom':
      if (!check.valid(value)) throw invalidOption(WHERE, name, check.expected, value, check.shown?.(value));
  }
}

function listOf(items: string[], last: 'and' | 'or'): string {
  return items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} ${last} ${items[items.length - 1]}`;
}

/**
 * The known option closest to `key` (case or up to two edits away), for "did you mean".
 *
 * @example
 * suggestOption('maxMessageByte'); // 'maxMessageBytes'
 */
export function suggestOption(key: string): Name | undefined {
  let best: Name | undefined;
  let bestDistance = 3;
  for (const name of Object.keys(OPTIONS) as Name[]) {
    const distance = name.toLowerCase() === key.toLowerCase() ? 0 : editDistance(name, key);
    if (distance < bestDistance) [best, bestDistance] = [name, distance];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      next[j] = Math.min((row[j] ?? 0) + 1, (next[j - 1] ?? 0) + 1, (row[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    row = next;
  }
  return row[b.length] ?? 0;
}

function normaliseOrigin(value: unknown): string {
  const expected = 'an array of origins like "https://app.example.com" (scheme, host, optional port)';
  if (typeof value !== 'string') throw invalidOption(WHERE, 'allowedOrigins', expected, value);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalidOption(WHERE, 'allowedOrigins', expected, value);
  }
  if (url.origin === 'null') throw invalidOption(WHERE, 'allowedOrigins', expected, value);
  return url.origin;
}

/**
 * Merges the options over the table's defaults once and checks each; a wrong one throws a
 * `TypeError`/`RangeError` with code `DJUST_ERR_INVALID_OPTION` naming the option, the shape
 * expected and the value received.
 *
 * @example
 * resolveOptions({ maxMessageBytes: 10 }); // RangeError: djustLite(): option "maxMessageBytes" must be at least 256, got 10.
 */
export function resolveOptions(input: DjustLiteOptions = {}): ResolvedOptions {
  if (!isRecord(input)) throw optionError(`djustLite(options): options must be an object, got ${describeValue(input)}.`);
  for (const key of Object.keys(input)) {
    if (Object.hasOwn(OPTIONS, key)) continue;
    const near = suggestOption(key);
    throw optionError(`djustLite(): unknown option "${key}".${near ? ` Did you mean "${near}"?` : ''} Known options: ${Object.keys(OPTIONS).join(', ')}.`);
  }
  const given = input as Record<string, unknown>;
  const checked: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(OPTIONS) as [Name, OptionSpec<unknown>][]) {
    const value = given[name] === undefined ? spec.default : given[name];
    if (value !== undefined) checkOption(name, spec.check, value);
    checked[name] = value;
  }
  const o = checked as Checked;

  const logger = resolveLogger(o.logger, o.slowHandlerMs);
  const secrets = o.secret === undefined ? [] : Array.isArray(o.secret) ? [...o.secret] : [o.secret];
  if (secrets.length === 0) {
    if (process.env.NODE_ENV === 'production') {
      throw optionError('djustLite(): option "secret" is required when NODE_ENV=production (32+ random characters, shared by every process serving the app).');
    }
    secrets.push(randomBytes(32).toString('base64url'));
    if (process.env.NODE_ENV !== 'test') {
      logger.warn('djust-lite: no "secret" option; using a random per-process secret. Pages rendered by another process or before a restart will reload on connect.');
    }
  }

  const numbers = {} as Record<Numeric, number>;
  for (const name of Object.keys(OPTIONS) as Name[]) {
    if (OPTIONS[name].check.type === 'number') numbers[name as Numeric] = o[name as Numeric];
  }

  return {
    ...numbers,
    env: o.env ?? null,
    views: path.resolve(o.views),
    prefix: o.prefix,
    secrets,
    allowedOrigins: new Set(o.allowedOrigins.map(normaliseOrigin)),
    routes: o.routes,
    liveSessions: o.liveSessions,
    pushNavigateScope: o.pushNavigateScope,
    // SessionData is JSON by contract; JSON.stringify in the signer is what enforces it.
    session: (o.session as ((req: Request) => JsonValue | undefined) | undefined) ?? null,
    titleTemplate: o.titleTemplate ?? null,
    defaultTitle: o.defaultTitle ?? null,
    announceTitle: o.announceTitle,
    liveReload: o.liveReload && isDevelopment(),
    transport: o.transport,
    logger,
    pubsub: o.pubsub ?? null,
    clock: o.clock,
    uploadDir: path.resolve(o.uploadDir ?? os.tmpdir()),
  };
}
