import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import path from 'node:path';
import nunjucks from 'nunjucks';
import { DEFAULTS } from './constants';
import type { LiveViewClass } from './live-view';
import type { JsonValue } from './protocol';

/**
 * Where djust-lite reports problems. Defaults to `console` without debug lines. `debug` (refused
 * connections, dropped messages, with their reason) and `info` are optional: leave `debug` out
 * and debug lines are off.
 *
 * @example
 * djustLite({ logger: { debug: (m) => log.debug(m), info: (m) => log.info(m), warn: (m) => log.warn(m), error: (m, e) => log.error(m, e) } })
 */
export interface Logger {
  debug?(message: string): void;
  info?(message: string): void;
  warn(message: string): void;
  error(message: string, error?: unknown): void;
}

/** The logger the rest of djust-lite calls: every level is callable (missing ones do nothing). */
export interface ResolvedLogger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string, error?: unknown): void;
}

function ignore(): void {}

/**
 * Fills in the levels a logger lacks with no-ops; methods stay called on their logger. The
 * default `console` gets no debug level, so debug lines stay off unless the user asks for them.
 */
export function resolveLogger(logger: Logger | undefined): ResolvedLogger {
  if (logger === undefined) {
    return { debug: ignore, info: (m) => console.info(m), warn: (m) => console.warn(m), error: (m, e) => (e === undefined ? console.error(m) : console.error(m, e)) };
  }
  return {
    debug: typeof logger.debug === 'function' ? (m) => logger.debug?.(m) : ignore,
    info: typeof logger.info === 'function' ? (m) => logger.info?.(m) : ignore,
    warn: (m) => logger.warn(m),
    error: (m, e) => logger.error(m, e),
  };
}

/** A title template: `'%s | Store'` (`%s` is the view's title) or a function. */
export type TitleTemplate = string | ((title: string | undefined) => string | undefined);

/**
 * Options of `djustLite()`. Every one is optional.
 *
 * @example
 * djustLite({ views: 'views', secret: process.env.DJUST_SECRET, allowedOrigins: ['https://app.example.com'] })
 */
export interface DjustLiteOptions {
  /** Folder of your Nunjucks templates. Default `'views'` (relative to the working directory). */
  views?: string;
  /** Your own Nunjucks environment; djust-lite adds its tags to it. Overrides `views`. */
  env?: nunjucks.Environment;
  /** URL prefix of the client files and endpoints. Default `'/djust'`. */
  prefix?: string;
  /** HMAC secret(s) for view tokens, at least 32 characters; the first signs, all verify. Required when NODE_ENV=production. */
  secret?: string | string[];
  /** Origins besides the page's own host allowed to connect, e.g. `['https://app.example.com']`. */
  allowedOrigins?: string[];
  /** Routes to register up front: path → view class (same as `live.route(path, View)`). */
  routes?: Record<string, LiveViewClass>;
  /** Data to carry from the HTTP request to `ctx.session` on connect (signed into the token). */
  session?: (req: IncomingMessage) => JsonValue | undefined;
  /** Title template for every view, e.g. `'%s | Store'`; a view's `static titleTemplate` wins. */
  titleTemplate?: TitleTemplate;
  /** Title when a view sets none (or an empty one); shown as is, not through the title template. */
  defaultTitle?: string;
  /**
   * Announce title changes to screen readers through a visually hidden `aria-live="polite"`
   * region (`#dj-announcer`), at most one announcement per 2 s (the latest title wins).
   * Default `true`.
   */
  announceTitle?: boolean;
  /** Transport the browser uses: `'auto'` (WebSocket, falling back to SSE), `'websocket'` or `'sse'`. */
  transport?: 'auto' | 'websocket' | 'sse';
  /** Token lifetime in ms. Default 24 h. */
  tokenTtlMs?: number;
  /** Largest inbound WS frame or SSE POST body, in bytes. Default 65536. */
  maxMessageBytes?: number;
  /** Events waiting per connection before `queue_full`. Default 256. */
  maxQueuedEvents?: number;
  /** Sustained events per second per connection before `rate_limited`. Default 200. */
  maxEventsPerSecond?: number;
  /** Live connections in total. Default 10000. */
  maxConnections?: number;
  /** WS ping / SSE heartbeat interval in ms. Default 30000. */
  heartbeatMs?: number;
  /** Bytes queued to a slow client before it is disconnected. Default 4 MiB. */
  maxBufferedBytes?: number;
  /** SSE: messages kept per session for `Last-Event-ID` replay. Default 256. */
  sseBufferSize?: number;
  /** SSE: ms a session outlives its dropped stream. Default 30000. */
  sseLingerMs?: number;
  /** SSE: the `retry:` value in ms. Default 1000. */
  sseRetryMs?: number;
  /** SSE: live sessions per client address. Default 100. */
  maxSessionsPerClient?: number;
  /** Where warnings and handler errors go. Default `console`. */
  logger?: Logger;
}

type Numeric = 'tokenTtlMs' | 'maxMessageBytes' | 'maxQueuedEvents' | 'maxEventsPerSecond' | 'maxConnections' | 'heartbeatMs'
  | 'maxBufferedBytes' | 'sseBufferSize' | 'sseLingerMs' | 'sseRetryMs' | 'maxSessionsPerClient';

/** Options after defaults and checks; what the rest of djust-lite reads. */
export interface ResolvedOptions extends Record<Numeric, number> {
  env: nunjucks.Environment | null;
  views: string;
  prefix: string;
  secrets: string[];
  allowedOrigins: Set<string>;
  routes: Record<string, LiveViewClass>;
  session: ((req: IncomingMessage) => JsonValue | undefined) | null;
  titleTemplate: TitleTemplate | null;
  defaultTitle: string | null;
  announceTitle: boolean;
  transport: 'auto' | 'websocket' | 'sse';
  logger: ResolvedLogger;
}

const KNOWN = new Set<string>([
  'views', 'env', 'prefix', 'secret', 'allowedOrigins', 'routes', 'session', 'titleTemplate', 'defaultTitle',
  'announceTitle', 'transport', 'tokenTtlMs', 'maxMessageBytes', 'maxQueuedEvents', 'maxEventsPerSecond', 'maxConnections',
  'heartbeatMs', 'maxBufferedBytes', 'sseBufferSize', 'sseLingerMs', 'sseRetryMs', 'maxSessionsPerClient', 'logger',
]);

const NUMERIC: Record<Numeric, { min: number }> = {
  tokenTtlMs: { min: 1000 },
  maxMessageBytes: { min: 256 },
  maxQueuedEvents: { min: 1 },
  maxEventsPerSecond: { min: 1 },
  maxConnections: { min: 1 },
  heartbeatMs: { min: 100 },
  maxBufferedBytes: { min: 1024 },
  sseBufferSize: { min: 1 },
  sseLingerMs: { min: 0 },
  sseRetryMs: { min: 0 },
  maxSessionsPerClient: { min: 1 },
};

function got(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return 'an array';
  return value === null ? 'null' : typeof value === 'object' ? 'an object' : String(value);
}

function invalid(name: string, expected: string, value: unknown): TypeError {
  return new TypeError(`djustLite(): option "${name}" must be ${expected}, got ${got(value)}.`);
}

function checkTitleTemplate(value: unknown, where: string): TitleTemplate | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'function') return value as TitleTemplate;
  if (typeof value === 'string' && value.includes('%s')) return value;
  throw new TypeError(`${where} must be a string containing "%s" (e.g. "%s | Store") or a function, got ${got(value)}.`);
}

function normaliseOrigin(name: string, value: unknown): string {
  if (typeof value !== 'string') throw invalid(name, 'an array of origin strings like "https://app.example.com"', value);
  try {
    const url = new URL(value);
    if (url.origin === 'null') throw new Error('opaque');
    return url.origin;
  } catch {
    throw invalid(name, 'an array of origins like "https://app.example.com" (scheme, host, optional port)', value);
  }
}

/**
 * Merges options over DEFAULTS once and checks each; throws a TypeError/RangeError naming
 * the option and the value received.
 */
export function resolveOptions(input: DjustLiteOptions = {}): ResolvedOptions {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new TypeError(`djustLite(options): options must be an object, got ${got(input)}.`);
  for (const key of Object.keys(input)) {
    if (!KNOWN.has(key)) throw new TypeError(`djustLite(): unknown option "${key}". Known options: ${[...KNOWN].join(', ')}.`);
  }
  const {
    views = 'views', env, prefix = DEFAULTS.prefix, secret, allowedOrigins = [], routes = {}, session,
    titleTemplate, defaultTitle, announceTitle = true, transport = DEFAULTS.transport, logger,
  } = input;

  if (logger !== undefined && (typeof logger !== 'object' || logger === null || typeof logger.warn !== 'function' || typeof logger.error !== 'function'
    || (logger.debug !== undefined && typeof logger.debug !== 'function') || (logger.info !== undefined && typeof logger.info !== 'function'))) {
    throw invalid('logger', 'an object with warn(message) and error(message, err) methods (debug(message) and info(message) optional)', logger);
  }
  const log = resolveLogger(logger);
  if (typeof views !== 'string' || views.length === 0) throw invalid('views', 'a folder path string', views);
  if (env !== undefined && !(env instanceof nunjucks.Environment)) throw invalid('env', 'a nunjucks.Environment', env);
  if (typeof prefix !== 'string' || !/^\/[A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)*$/.test(prefix)) {
    throw invalid('prefix', 'a path like "/djust" (leading slash, no trailing slash)', prefix);
  }
  const secrets = secret === undefined ? [] : Array.isArray(secret) ? secret : [secret];
  if (secrets.length === 0 && secret !== undefined) throw invalid('secret', 'a string of 32+ characters or a non-empty array of them', secret);
  for (const s of secrets) {
    if (typeof s !== 'string' || s.length < 32) throw invalid('secret', 'a string of at least 32 characters (or an array of them)', typeof s === 'string' ? `${s.length} characters` : s);
  }
  if (secrets.length === 0) {
    if (process.env.NODE_ENV === 'production') {
      throw new TypeError('djustLite(): option "secret" is required when NODE_ENV=production (32+ random characters, shared by every process serving the app).');
    }
    secrets.push(randomBytes(32).toString('base64url'));
    if (process.env.NODE_ENV !== 'test') {
      log.warn('djust-lite: no "secret" option; using a random per-process secret. Pages rendered by another process or before a restart will reload on connect.');
    }
  }
  if (!Array.isArray(allowedOrigins)) throw invalid('allowedOrigins', 'an array of origins like "https://app.example.com"', allowedOrigins);
  if (typeof routes !== 'object' || routes === null || Array.isArray(routes)) throw invalid('routes', 'an object of path → LiveView class', routes);
  if (session !== undefined && typeof session !== 'function') throw invalid('session', 'a function (req) => JSON value', session);
  if (defaultTitle !== undefined && typeof defaultTitle !== 'string') throw invalid('defaultTitle', 'a string', defaultTitle);
  if (typeof announceTitle !== 'boolean') throw invalid('announceTitle', 'true or false', announceTitle);
  if (transport !== 'auto' && transport !== 'websocket' && transport !== 'sse') throw invalid('transport', '"auto", "websocket" or "sse"', transport);

  const numbers = {} as Record<Numeric, number>;
  for (const [name, { min }] of Object.entries(NUMERIC) as [Numeric, { min: number }][]) {
    const value = input[name] ?? DEFAULTS[name];
    if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid(name, 'a finite number', value);
    if (value < min) throw new RangeError(`djustLite(): option "${name}" must be at least ${min}, got ${value}.`);
    numbers[name] = value;
  }

  return {
    ...numbers,
    env: env ?? null,
    views: path.resolve(views),
    prefix,
    secrets,
    allowedOrigins: new Set(allowedOrigins.map((o) => normaliseOrigin('allowedOrigins', o))),
    routes,
    session: session ?? null,
    titleTemplate: checkTitleTemplate(titleTemplate, 'djustLite(): option "titleTemplate"'),
    defaultTitle: defaultTitle ?? null,
    announceTitle,
    transport,
    logger: log,
  };
}

/**
 * Resolves a title template into a formatter. A string template replaces `%s` with the view's
 * title; a function gets the title (or undefined) and returns the document title. With no
 * title, or a function that returns undefined, `defaultTitle` is used.
 */
export function titleFormatter(template: TitleTemplate | null, defaultTitle: string | null): (title: string | undefined) => string | undefined {
  return (title) => {
    let shown: unknown;
    if (typeof template === 'function') shown = template(title);
    else if (title !== undefined && title !== '') shown = template === null ? title : template.replace(/%s/g, () => title);
    return typeof shown === 'string' ? shown : defaultTitle ?? undefined;
  };
}

export { checkTitleTemplate };
