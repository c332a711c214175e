import { createHmac, timingSafeEqual } from 'node:crypto';
import type { JsonValue } from './protocol';

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
  /** Expiry, ms since the epoch. */
  exp: number;
}

export type VerifyResult =
  | { ok: true; payload: TokenPayload }
  | { ok: false; code: 'bad_token' | 'token_expired'; message: string };

function b64url(buf: Buffer): string {
  return buf.toString('base64url');
}

/**
 * HMAC-SHA256 signer for view tokens: `base64url(json).base64url(mac)`. Keys are checked in
 * order, so a secret can be rotated by passing `[newSecret, oldSecret]`.
 */
export class TokenSigner {
  readonly #secrets: readonly string[];

  constructor(secrets: readonly string[]) {
    this.#secrets = secrets;
  }

  #mac(body: string, secret: string): Buffer {
    return createHmac('sha256', secret).update(body).digest();
  }

  sign(payload: TokenPayload): string {
    const body = b64url(Buffer.from(JSON.stringify(payload)));
    return `${body}.${b64url(this.#mac(body, this.#secrets[0] as string))}`;
  }

  verify(token: string, now: number = Date.now()): VerifyResult {
    const dot = token.indexOf('.');
    if (dot <= 0 || dot !== token.lastIndexOf('.') || token.length > 16 * 1024) {
      return { ok: false, code: 'bad_token', message: 'Token is malformed; reload the page to get a fresh one.' };
    }
    const body = token.slice(0, dot);
    const given = Buffer.from(token.slice(dot + 1), 'base64url');
    const valid = this.#secrets.some((secret) => {
      const expected = this.#mac(body, secret);
      return given.length === expected.length && timingSafeEqual(given, expected);
    });
    if (!valid) {
      return { ok: false, code: 'bad_token', message: 'Token signature does not match; it was altered or signed with another secret. Reload the page.' };
    }
    let payload: TokenPayload;
    try {
      payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as TokenPayload;
    } catch {
      return { ok: false, code: 'bad_token', message: 'Token body is not valid JSON; reload the page.' };
    }
    if (typeof payload.exp !== 'number' || payload.exp <= now) {
      return { ok: false, code: 'token_expired', message: 'Token expired; reload the page to get a fresh one (option tokenTtlMs sets the lifetime).' };
    }
    return { ok: true, payload };
  }
}
