/**
 * Every default djust-lite uses, in one place. Options are merged over these once,
 * in `resolveOptions` (options.ts); nothing deeper re-reads them.
 */
export const DEFAULTS = {
  /** URL prefix for the client files, the WebSocket and the SSE endpoints. */
  prefix: '/djust',
  /** Signed tokens expire after this long (ms). A client whose token expired reloads the page. */
  tokenTtlMs: 24 * 60 * 60 * 1000,
  /** Largest inbound frame or POST body, in bytes. */
  maxMessageBytes: 64 * 1024,
  /** Events a connection may have waiting behind the one that runs. */
  maxQueuedEvents: 256,
  /** Sustained events per second per connection (token bucket; the burst is the same size). */
  maxEventsPerSecond: 200,
  /** Live connections (WS + SSE) the process accepts in total. */
  maxConnections: 10_000,
  /** Server ping interval for WebSockets and SSE heartbeat comments (ms). */
  heartbeatMs: 30_000,
  /** Bytes queued to a slow client before the connection is closed (1008). */
  maxBufferedBytes: 4 * 1024 * 1024,
  /** SSE: messages kept per session for `Last-Event-ID` replay. */
  sseBufferSize: 256,
  /** SSE: how long a session outlives its dropped stream, waiting for a resume (ms). */
  sseLingerMs: 30_000,
  /** SSE: the `retry:` the stream announces (ms). */
  sseRetryMs: 1_000,
  /** SSE: live sessions one client address may hold. */
  maxSessionsPerClient: 100,
  /** Client: transport to use, `auto` tries WebSocket, then falls back to SSE. */
  transport: 'auto' as 'auto' | 'websocket' | 'sse',
} as const;

/** Rules the browser client applies too live in contract.ts; re-exported here for server modules. */
export { ROOT_ATTR } from './contract';

/** Meta names: letters, digits and `_ . : -`, 1–128 characters. */
export const META_NAME_RE = /^[A-Za-z0-9_.:-]{1,128}$/;

/** Names that match META_NAME_RE but would change how the document is interpreted. */
export const REFUSED_META_NAMES: ReadonlySet<string> = new Set(['http-equiv', 'charset']);
