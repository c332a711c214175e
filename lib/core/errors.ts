/**
 * Codes a client can receive in an `error` message (`code` field). Stable: clients branch on them.
 */
export type WireErrorCode =
  | 'bad_json'
  | 'bad_message'
  | 'not_mounted'
  | 'already_mounted'
  | 'bad_token'
  | 'token_expired'
  | 'unknown_route'
  | 'forbidden'
  | 'unknown_event'
  | 'bad_params'
  | 'handler_failed'
  | 'render_failed'
  | 'mount_failed'
  | 'invalid_meta'
  | 'invalid_flash'
  | 'rate_limited'
  | 'queue_full'
  | 'handler_timeout'
  | 'resume_gap'
  | 'mount_timeout';

/**
 * Codes for errors thrown to the developer (options, API misuse, `liveTest`). Every such error
 * carries one. `DJUST_ERR_INVALID_OPTION` and `DJUST_ERR_INVALID_ARG` come on a `TypeError`
 * or `RangeError` (as Node's own `ERR_INVALID_ARG_TYPE`), the rest on a `DjustError`; branch
 * on `code`, not on the class.
 */
export const DEVELOPER_ERROR_CODES = [
  'DJUST_ERR_INVALID_OPTION',
  'DJUST_ERR_INVALID_ARG',
  'DJUST_ERR_INVALID_ROUTE',
  'DJUST_ERR_INVALID_META',
  'DJUST_ERR_INVALID_FLASH',
  'DJUST_ERR_INVALID_PUSH',
  'DJUST_ERR_NOT_CONNECTED',
  'DJUST_ERR_INVALID_ASYNC',
  'DJUST_ERR_TEMPLATE',
  'DJUST_ERR_CLIENT_MISSING',
  'DJUST_ERR_LIVE_TEST_PAGE',
  'DJUST_ERR_LIVE_TEST_CLOSED',
  'DJUST_ERR_LIVE_TEST_TIMEOUT',
  'DJUST_ERR_LIVE_TEST_PATCH',
  'DJUST_ERR_LIVE_TEST_ELEMENT',
  'DJUST_ERR_LIVE_TEST_FORM',
  'DJUST_ERR_LIVE_TEST_EXPECT',
  'DJUST_ERR_REDIS_UNAVAILABLE',
] as const;

export type DeveloperErrorCode = (typeof DEVELOPER_ERROR_CODES)[number];

/** The codes a `TypeError`/`RangeError` carries; every other developer code comes on a `DjustError`. */
export type ArgumentErrorCode = 'DJUST_ERR_INVALID_OPTION' | 'DJUST_ERR_INVALID_ARG';

export type DjustErrorCode = WireErrorCode | DeveloperErrorCode;

/**
 * Shows the code in the stack's first line (`DjustError [DJUST_ERR_INVALID_META]: …`), as Node
 * does for its own coded errors, while `name` stays the class's.
 */
function stampCode(err: Error, name: string, code: string): void {
  err.name = `${name} [${code}]`;
  void err.stack; // V8 formats the stack's first line on first read
  err.name = name;
}

/**
 * What djust-lite throws for everything but a wrong option or argument (those are
 * `DjustTypeError`/`DjustRangeError`). `code` is fixed and listed in docs/errors.md; `message`
 * says what was wrong and how to fix it.
 *
 * @example
 * try { view.pageMeta = { 'http-equiv': 'refresh' }; }
 * catch (err) { if (err instanceof DjustError && err.code === 'DJUST_ERR_INVALID_META') … }
 */
export class DjustError extends Error {
  readonly code: DjustErrorCode;

  constructor(code: DjustErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    stampCode(this, 'DjustError', code);
  }
}

/** Wire code for a developer-side error raised inside a handler (sent to the client). */
export function wireCodeOf(err: DjustError): WireErrorCode {
  switch (err.code) {
    case 'DJUST_ERR_INVALID_META':
      return 'invalid_meta';
    case 'DJUST_ERR_INVALID_FLASH':
      return 'invalid_flash';
    case 'DJUST_ERR_TEMPLATE':
      return 'render_failed';
    case 'DJUST_ERR_INVALID_OPTION':
    case 'DJUST_ERR_INVALID_ARG':
    case 'DJUST_ERR_INVALID_ROUTE':
    case 'DJUST_ERR_INVALID_PUSH':
    case 'DJUST_ERR_NOT_CONNECTED':
    case 'DJUST_ERR_INVALID_ASYNC':
    case 'DJUST_ERR_CLIENT_MISSING':
    case 'DJUST_ERR_LIVE_TEST_PAGE':
    case 'DJUST_ERR_LIVE_TEST_CLOSED':
    case 'DJUST_ERR_LIVE_TEST_TIMEOUT':
    case 'DJUST_ERR_LIVE_TEST_PATCH':
    case 'DJUST_ERR_LIVE_TEST_ELEMENT':
    case 'DJUST_ERR_LIVE_TEST_FORM':
    case 'DJUST_ERR_LIVE_TEST_EXPECT':
    case 'DJUST_ERR_REDIS_UNAVAILABLE':
      return 'handler_failed';
    default:
      return err.code;
  }
}

/** A wrong option or argument: a `TypeError` with a fixed `code`, as Node's `ERR_INVALID_ARG_TYPE`. */
export class DjustTypeError extends TypeError {
  readonly code: ArgumentErrorCode;

  constructor(code: ArgumentErrorCode, message: string) {
    super(message);
    this.code = code;
    stampCode(this, 'TypeError', code);
  }
}

/** A number option or argument out of its range: a `RangeError` with a fixed `code`. */
export class DjustRangeError extends RangeError {
  readonly code: ArgumentErrorCode;

  constructor(code: ArgumentErrorCode, message: string) {
    super(message);
    this.code = code;
    stampCode(this, 'RangeError', code);
  }
}

/** How an error message shows a value received: strings quoted, objects by kind, never dumped whole. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'symbol' || typeof value === 'bigint') return `a ${typeof value}`;
  return String(value);
}

/**
 * A wrong option: `where` is the call taking the options (`djustLite()`, `liveTest()`);
 * `shown` replaces the value in the message when it must not be echoed (a secret).
 *
 * @example
 * throw invalidOption('djustLite()', 'prefix', 'a path like "/djust"', value);
 * // TypeError: djustLite(): option "prefix" must be a path like "/djust", got "djust". (code DJUST_ERR_INVALID_OPTION)
 */
export function invalidOption(where: string, name: string, expected: string, received: unknown, shown = describeValue(received)): DjustTypeError {
  return new DjustTypeError('DJUST_ERR_INVALID_OPTION', `${where}: option "${name}" must be ${expected}, got ${shown}.`);
}

/** A number option below its minimum (or otherwise out of range). */
export function optionOutOfRange(where: string, name: string, expected: string, received: unknown): DjustRangeError {
  return new DjustRangeError('DJUST_ERR_INVALID_OPTION', `${where}: option "${name}" must be ${expected}, got ${describeValue(received)}.`);
}

/** Throws unless `value` is a finite number of at least `min`: the one number check of every options table. */
export function checkNumberOption(where: string, name: string, value: unknown, min: number): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalidOption(where, name, 'a finite number', value);
  if (value < min) throw optionOutOfRange(where, name, `at least ${min}`, value);
}

/**
 * An option error whose message is not "must be …, got …" (a missing required option, an
 * unknown name). `message` says what was wrong and how to fix it.
 */
export function optionError(message: string): DjustTypeError {
  return new DjustTypeError('DJUST_ERR_INVALID_OPTION', message);
}

/**
 * A wrong argument to a djust-lite function: `call` names the function and its parameters.
 *
 * @example
 * throw invalidArgument('subscribe(topic)', 'topic', 'a non-empty string', topic);
 * // TypeError: subscribe(topic): topic must be a non-empty string, got "". (code DJUST_ERR_INVALID_ARG)
 */
export function invalidArgument(call: string, name: string, expected: string, received: unknown): DjustTypeError {
  return new DjustTypeError('DJUST_ERR_INVALID_ARG', `${call}: ${name} must be ${expected}, got ${describeValue(received)}.`);
}

/** A number argument out of range, e.g. `sendAfter(message, ms)` with a negative `ms`. */
export function argumentOutOfRange(call: string, name: string, expected: string, received: unknown): DjustRangeError {
  return new DjustRangeError('DJUST_ERR_INVALID_ARG', `${call}: ${name} must be ${expected}, got ${describeValue(received)}.`);
}

/** API misuse that is not one wrong value (a decorator on the wrong member…); `message` says how to fix it. */
export function misuse(message: string): DjustTypeError {
  return new DjustTypeError('DJUST_ERR_INVALID_ARG', message);
}
