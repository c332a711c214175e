import { createHmac, timingSafeEqual } from 'node:crypto';
import type { JsonValue } from '../contract/protocol';

/** What a signed token carries from the HTTP render to the live connection. */
export interface TokenPayload {
  /** Route pattern the view was registered under, e.g. `/store/:id`. */
  route: string;
  /** Express path params of the rendered URL. */
  params: Record<string, string>;
  /** Path + query of the rendered URL, as the browser sees it (with the mount path). */
  url: string;
  /** The mount path the page was served under (`req.baseUrl`, e.g. `/app`); absent at the root. */
  base?: string;
  /** Data from the `session` option, available as `ctx.session` on connect. */
  session?: JsonValue;
  /** Issued at, ms since the epoch. `sign()` sets it to now when left out. */
  iat?: number;
  /** Expiry, ms since the epoch. */
  exp: number;
}

export type VerifyResult =
  | { ok: true; payload: TokenPayload }
  | { ok: false; code: 'bad_token' | 'token_expired'; message: string };

/** Longest token accepted, in characters (a cheap bound before any decoding). */
const MAX_TOKEN_CHARS = 16 * 1024;

function b64url(buf: Buffer): string {
  return buf.toString('base64url');
}

/**
 * `text` decoded as base64url, or null unless `text` is exactly how base64url spells those
 * bytes: no padding, no characters outside the alphabet, no non-zero leftover bits. Node's own
 * decoder skips what it does not know, so `mac`, `mac!!`, `mac==` would all decode alike.
 */
function strictB64url(text: string): Buffer | null {
  const bytes = Buffer.from(text, 'base64url');
  return b64url(bytes) === text ? bytes : null;
}

const malformed = (message: string): VerifyResult => ({ ok: false, code: 'bad_token', message: `${message}; reload the page to get a fresh one.` });

/**
 * HMAC-SHA256 signer for view tokens: `base64url(json).base64url(mac)`. Keys are checked in
 * order, so a secret can be rotated by passing `[newSecret, oldSecret]`. A token verifies only
 * in its one canonical spelling, and only for `maxLifetimeMs` after its `iat` (the verifying
 * server's option `tokenTtlMs`, so lowering it also shortens tokens already handed out).
 *
 * @example
 * const signer = new TokenSigner([secret], options.tokenTtlMs);
 * const token = signer.sign({ route: '/chat', params: {}, url: '/chat', iat: now, exp: now + options.tokenTtlMs });
 * signer.verify(token); // { ok: true, payload }
 */
export class TokenSigner {
  readonly #secrets: readonly string[];
  readonly #maxLifetimeMs: number;

  /** `maxLifetimeMs`: the longest `exp - iat` a verified token may have (option `tokenTtlMs`). */
  constructor(secrets: readonly string[], maxLifetimeMs: number) {
    this.#secrets = secrets;
    this.#maxLifetimeMs = maxLifetimeMs;
  }

  #mac(body: string, secret: string): Buffer {
    return createHmac('sha256', secret).update(body).digest();
  }

  sign(payload: TokenPayload): string {
    const stamped = payload.iat === undefined ? { ...payload, iat: Date.now() } : payload;
    const body = b64url(Buffer.from(JSON.stringify(stamped)));
    return `${body}.${b64url(this.#mac(body, this.#secrets[0] as string))}`;
  }

  verify(token: string, now: number = Date.now()): VerifyResult {
    const dot = token.indexOf('.');
    if (dot <= 0 || dot !== token.lastIndexOf('.') || token.length > MAX_TOKEN_CHARS) return malformed('Token is malformed');
    const body = token.slice(0, dot);
    const given = strictB64url(token.slice(dot + 1));
    const valid = given !== null && this.#secrets.some((secret) => {
      const expected = this.#mac(body, secret);
      return given.length === expected.length && timingSafeEqual(given, expected);
    });
    if (!valid) {
      return { ok: false, code: 'bad_token', message: 'Token signature does not match; it was altered or signed with another secret. Reload the page.' };
    }
    const json = strictB64url(body);
    if (json === null) return malformed('Token body is not canonical base64url');
    let payload: TokenPayload;
    try {
      payload = JSON.parse(json.toString('utf8')) as TokenPayload;
    } catch {
      return malformed('Token body is not valid JSON');
    }
    if (typeof payload !== 'object' || payload === null) return malformed('Token body is not a JSON object');
    if (typeof payload.exp !== 'number' || payload.exp <= now) {
      return { ok: false, code: 'token_expired', message: 'Token expired; reload the page to get a fresh one (option tokenTtlMs sets the lifetime).' };
    }
    if (typeof payload.iat !== 'number' || now - payload.iat >= this.#maxLifetimeMs) {
      return { ok: false, code: 'token_expired', message: `Token is older than option tokenTtlMs (${this.#maxLifetimeMs} ms) allows; reload the page to get a fresh one.` };
    }
    return { ok: true, payload };
  }
}
