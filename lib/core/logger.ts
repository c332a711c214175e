import createDebug from 'debug';

/**
 * Where djust-lite reports problems. Defaults to `console` for info, warnings and errors, with
 * debug lines off unless `DEBUG=djust-lite:*` is set (the `debug` package, as Express does).
 * Give `debug` (and `info`) to receive those lines yourself: each debug line then starts with
 * its namespace (`djust-lite:event …`), and all of them are on. docs/debugging.md lists them.
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

/**
 * One debug namespace: call it with a line, and test `enabled` first wherever building the
 * line costs anything (that keeps a switched-off namespace at one property read).
 */
export interface DebugChannel {
  (message: string): void;
  readonly enabled: boolean;
}

/** The debug namespaces, `djust-lite:<name>`. */
export const DEBUG_NAMESPACES = ['connection', 'event', 'refusal', 'head', 'render'] as const;
export type DebugNamespace = (typeof DEBUG_NAMESPACES)[number];

/** The logger the rest of djust-lite calls: every level is callable (missing ones do nothing). */
export interface ResolvedLogger extends Record<DebugNamespace, DebugChannel> {
  /** Dropped messages and closed connections of the server core: the `refusal` namespace. */
  debug: DebugChannel;
  info(message: string): void;
  warn(message: string): void;
  error(message: string, error?: unknown): void;
  /** The `slowHandlerMs` option: handlers slower than this are logged on `event`. */
  readonly slowHandlerMs: number;
}

/** The line without the `djust-lite: ` its callers may start it with (the namespace says it). */
function bare(message: string): string {
  return message.startsWith('djust-lite: ') ? message.slice(12) : message;
}

const off: DebugChannel = Object.assign((_message: string): void => {}, { enabled: false });

/**
 * `djust-lite:<name>` through the `debug` package; its `enabled` follows `DEBUG` and
 * `debug.enable()`. The answer is kept until `debug.enable()`/`disable()` changes the namespaces
 * (they replace `createDebug.namespaces`), so a switched-off guard is one string comparison.
 */
function debugPackageChannel(name: DebugNamespace): DebugChannel {
  const log = createDebug(`djust-lite:${name}`);
  const channel = (message: string): void => log('%s', bare(message));
  let seen: string | undefined;
  let on = false;
  return Object.defineProperty(channel, 'enabled', {
    get: () => {
      const namespaces = (createDebug as { namespaces?: string }).namespaces;
      if (namespaces !== seen) {
        seen = namespaces;
        on = log.enabled === true;
      }
      return on;
    },
  }) as DebugChannel;
}

/** Every namespace to the user's `debug(message)`, prefixed with its namespace; always enabled. */
function userChannel(logger: Logger, name: DebugNamespace): DebugChannel {
  return Object.assign((message: string): void => logger.debug?.(`djust-lite:${name} ${bare(message)}`), { enabled: true });
}

/**
 * Fills in the levels a logger lacks; methods stay called on their logger. No logger: info,
 * warnings and errors go to `console`, debug lines to the `debug` package (off unless `DEBUG`
 * names them). A logger without `debug`: debug lines are off.
 *
 * @example
 * resolveLogger({ warn: console.warn, error: console.error }).refusal('bad origin'); // does nothing
 * resolveLogger(undefined).event.enabled; // true when DEBUG=djust-lite:* or djust-lite:event
 */
export function resolveLogger(logger: Logger | undefined, slowHandlerMs = 100): ResolvedLogger {
  const channels = {} as Record<DebugNamespace, DebugChannel>;
  for (const name of DEBUG_NAMESPACES) {
    channels[name] = logger === undefined ? debugPackageChannel(name) : typeof logger.debug === 'function' ? userChannel(logger, name) : off;
  }
  if (logger === undefined) {
    return { ...channels, slowHandlerMs, debug: channels.refusal, info: (m) => console.info(m), warn: (m) => console.warn(m), error: (m, e) => (e === undefined ? console.error(m) : console.error(m, e)) };
  }
  return {
    ...channels,
    slowHandlerMs,
    debug: channels.refusal,
    info: typeof logger.info === 'function' ? (m) => logger.info?.(m) : off,
    warn: (m) => logger.warn(m),
    error: (m, e) => logger.error(m, e),
  };
}
