/**
 * Which URLs may travel on the wire: same-origin paths for `params`, `pushPatch` and
 * `pushNavigate`; absolute http(s) URLs for `redirect`. Shared by the protocol parser and the
 * view API; imports nothing.
 */

/** Longest URL a `params` message or `pushPatch` may carry. */
export const MAX_URL_LENGTH = 2048;

/**
 * True for a same-origin path + query (+ hash): starts with one `/`, not `//` or `/\`
 * (both are other hosts to a browser), no whitespace or control characters, at most
 * MAX_URL_LENGTH characters.
 */
export function isLocalPath(url: unknown): url is string {
  return typeof url === 'string' && url.length <= MAX_URL_LENGTH && /^\/(?![/\\])/.test(url) && !/[\u0000-\u0020\u007f]/.test(url);
}

/**
 * True for an absolute http(s) URL `redirect()` may send the browser to: `http://` or
 * `https://`, a URL the WHATWG parser takes, no whitespace or control characters, at most
 * MAX_URL_LENGTH characters.
 */
export function isHttpUrl(url: unknown): url is string {
  return typeof url === 'string' && url.length <= MAX_URL_LENGTH && /^https?:\/\/[^/\\]/i.test(url) && !/[\u0000-\u0020\u007f]/.test(url) && URL.canParse(url);
}

/** `/store?product=mug#x` → `/store`. */
export function pathOf(url: string): string {
  return url.split(/[?#]/, 1)[0] as string;
}
