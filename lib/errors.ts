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
  | 'unknown_event'
  | 'bad_params'
  | 'handler_failed'
  | 'render_failed'
  | 'mount_failed'
  | 'invalid_meta'
  | 'invalid_flash'
  | 'rate_limited'
  | 'queue_full'
  | 'resume_gap';

/** Codes for errors thrown to the developer (options, API misuse). */
export type DeveloperErrorCode =
  | 'DJUST_ERR_INVALID_OPTION'
  | 'DJUST_ERR_INVALID_ROUTE'
  | 'DJUST_ERR_INVALID_META'
  | 'DJUST_ERR_INVALID_FLASH'
  | 'DJUST_ERR_NOT_CONNECTED'
  | 'DJUST_ERR_TEMPLATE';

export type DjustErrorCode = WireErrorCode | DeveloperErrorCode;

/**
 * The one error class djust-lite throws. `code` is fixed and listed in the README's
 * "Error codes" section; `message` says what was wrong and how to fix it.
 *
 * @example
 * try { view.pageMeta = { 'http-equiv': 'refresh' }; }
 * catch (err) { if (err instanceof DjustError && err.code === 'DJUST_ERR_INVALID_META') … }
 */
export class DjustError extends Error {
  readonly code: DjustErrorCode;

  constructor(code: DjustErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DjustError';
    this.code = code;
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
    case 'DJUST_ERR_INVALID_ROUTE':
    case 'DJUST_ERR_NOT_CONNECTED':
      return 'handler_failed';
    default:
      return err.code;
  }
}
