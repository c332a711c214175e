import { checkNumberOption, invalidArgument, invalidOption, optionError } from '../core/errors';
import { resolveLogger, type Logger, type ResolvedLogger } from '../core/logger';

/** What the adapter uses of a `redis` (node-redis) client: `createClient()` gives one. */
export interface RedisClientLike {
  readonly isOpen: boolean;
  readonly isReady: boolean;
  connect(): Promise<unknown>;
  publish(channel: string, message: string): Promise<unknown>;
  subscribe(channels: string | string[], listener: (message: string, channel: string) => unknown): Promise<void>;
  unsubscribe(channels: string | string[], listener: (message: string, channel: string) => unknown): Promise<void>;
  duplicate(): RedisClientLike;
  sendCommand(args: string[]): Promise<unknown>;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  off(event: string, listener: (...args: unknown[]) => void): unknown;
  close(): Promise<void>;
  destroy(): void;
}

/** Options of `redisPubSub()`: `url` or `client`, exactly one. */
export interface RedisPubSubOptions {
  /** `redis://[user:password@]host[:port][/db]` (or `rediss://`). */
  url?: string | undefined;
  /** A node-redis client of your own (connected or not); the adapter subscribes on `client.duplicate()` and never closes yours. */
  client?: RedisClientLike | undefined;
  /** Prefix of the Redis channel of each topic. Default `'djust:'`. */
  channelPrefix?: string | undefined;
  /** Time to reach Redis at start before `ready` rejects (or, with `startDegraded`, resolves with a warning), in ms. Default 5000, at least 1. */
  connectTimeoutMs?: number | undefined;
  /** Start with in-process delivery only when Redis is not there, with a warning, and connect when it comes. Default `false`: a startup error. */
  startDegraded?: boolean | undefined;
  /** Longest wait between two reconnection attempts, in ms (the wait doubles from 50 ms up to it). Default 2000, at least 10. */
  maxBackoffMs?: number | undefined;
  /** Publishes sent and not yet answered before further ones are dropped (counted). Default 10000, at least 1. */
  maxPendingPublishes?: number | undefined;
  /** Where the outage warnings and counts go. Default `console`. */
  logger?: Logger | undefined;
  /** SSE routing: life of a stream's holder key in Redis without a refresh (refreshed every third of it), in ms. Default 30000, at least 100. */
  streamTtlMs?: number | undefined;
  /** SSE routing: how long a POST forwarded to the process holding its stream waits for its answer, in ms. Default 2000, at least 1. */
  forwardTimeoutMs?: number | undefined;
  /** SSE routing: how often a process relaying streams checks that their holders still listen (a holder gone ends its streams: the clients reconnect), in ms. Default 2000, at least 10. */
  holderCheckMs?: number | undefined;
}

export const WHERE = 'redisPubSub()';

/** The URL as logs show it: the password replaced. */
export function shownUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}

function checkNumber(name: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  checkNumberOption(WHERE, name, value, min);
  return value;
}

/** The options after defaults and checks. */
export interface ResolvedRedisOptions {
  url: string | undefined;
  client: RedisClientLike | undefined;
  channelPrefix: string;
  connectTimeoutMs: number;
  startDegraded: boolean;
  maxBackoffMs: number;
  maxPendingPublishes: number;
  logger: ResolvedLogger;
  streamTtlMs: number;
  forwardTimeoutMs: number;
  holderCheckMs: number;
}

/**
 * Checks the options of `redisPubSub()` once, with their defaults; a wrong one throws a
 * `TypeError`/`RangeError` (`DJUST_ERR_INVALID_OPTION`) naming it and the value received.
 */
export function resolveRedisOptions(options: RedisPubSubOptions): ResolvedRedisOptions {
  if (typeof options !== 'object' || options === null) throw invalidArgument(WHERE, 'options', 'an object with url or client', options);
  const { url, client, channelPrefix = 'djust:', startDegraded = false, logger } = options;
  if ((url === undefined) === (client === undefined)) {
    throw optionError(`${WHERE}: pass exactly one of options "url" (e.g. process.env.REDIS_URL) and "client" (a node-redis client), got ${url === undefined ? 'neither' : 'both'}.`);
  }
  if (url !== undefined && (typeof url !== 'string' || !/^rediss?:\/\//.test(url))) {
    throw invalidOption(WHERE, 'url', 'a URL like "redis://127.0.0.1:6379"', url);
  }
  if (client !== undefined && (typeof client !== 'object' || client === null || typeof client.duplicate !== 'function')) {
    throw invalidOption(WHERE, 'client', 'a node-redis client (createClient() from "redis")', client);
  }
  if (typeof channelPrefix !== 'string') throw invalidOption(WHERE, 'channelPrefix', 'a string', channelPrefix);
  if (typeof startDegraded !== 'boolean') throw invalidOption(WHERE, 'startDegraded', 'true or false', startDegraded);
  return {
    url,
    client,
    channelPrefix,
    startDegraded,
    logger: resolveLogger(logger),
    connectTimeoutMs: checkNumber('connectTimeoutMs', options.connectTimeoutMs, 5000, 1),
    maxBackoffMs: checkNumber('maxBackoffMs', options.maxBackoffMs, 2000, 10),
    maxPendingPublishes: checkNumber('maxPendingPublishes', options.maxPendingPublishes, 10_000, 1),
    streamTtlMs: checkNumber('streamTtlMs', options.streamTtlMs, 30_000, 100),
    forwardTimeoutMs: checkNumber('forwardTimeoutMs', options.forwardTimeoutMs, 2000, 1),
    holderCheckMs: checkNumber('holderCheckMs', options.holderCheckMs, 2000, 10),
  };
}
