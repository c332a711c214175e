import type { IncomingMessage } from 'node:http';

/**
 * True when the request may open a live connection: no `Origin` header (non-browser clients,
 * same-origin EventSource), an Origin whose host is the request's own `Host`, or one listed in
 * `allowedOrigins`.
 */
export function originAllowed(req: IncomingMessage, allowedOrigins: ReadonlySet<string>): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  if (allowedOrigins.has(origin)) return true;
  let host: string;
  try {
    const url = new URL(origin);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
    host = url.host;
  } catch {
    return false;
  }
  return host !== '' && host === req.headers.host;
}
