/**
 * The WebSocket close codes djust-lite sends (RFC 6455, section 7.4.1), written once for every
 * module that closes a socket; docs/protocol.md lists when each is used. Imports nothing.
 */
export const CLOSE_CODES = {
  /** Done on purpose: a mount guard redirected (after the `redirect` message). */
  normal: 1000,
  /** The server is shutting down (`close()`). */
  goingAway: 1001,
  /** A broken rule: rate, mount deadline, bad token, a client too slow to read. */
  policy: 1008,
  /** A frame over `maxMessageBytes` (sent by `ws` itself, from its `maxPayload`). */
  tooBig: 1009,
  /** The view failed to mount (`mount_failed`). */
  serverError: 1011,
} as const;

export type CloseCode = (typeof CLOSE_CODES)[keyof typeof CLOSE_CODES];
