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
 *
 * @example
 * resolveLogger({ warn: console.warn, error: console.error }).debug('refused: bad origin'); // does nothing
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
