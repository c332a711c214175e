import type { IncomingMessage } from 'node:http';
import type { TrustFunction } from './client-address';

/** The first value of a comma-separated header, trimmed; '' for none. */
function first(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] ?? '' : header ?? '';
  const comma = value.indexOf(',');
  return (comma === -1 ? value : value.slice(0, comma)).trim();
}

/**
 * True when the request may open a live connection: no `Origin` header (non-browser clients,
 * same-origin EventSource), one listed in `allowedOrigins`, or the page's own origin. That is
 * an http(s) Origin whose host is the request's `Host` — or, when the request carries
 * `X-Forwarded-Host` and `proxy.trust` (Express's compiled `trust proxy` setting, read only
 * then) trusts the socket's peer, the public origin as Express's `req.protocol` and `req.host`
 * compute it: `X-Forwarded-Proto` (else the socket's scheme) `://` `X-Forwarded-Host`, first
 * values, default port dropped. Without `trust proxy` those headers are ignored.
 *
 * @example
 * originAllowed(req, new Set(['https://partner.example']), addresses); // addresses: ClientAddresses
 */
export function originAllowed(req: IncomingMessage, allowedOrigins: ReadonlySet<string>, proxy?: { readonly trust: TrustFunction }): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  if (allowedOrigins.has(origin)) return true;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.host === '') return false;
  const forwardedHost = first(req.headers['x-forwarded-host']);
  if (forwardedHost === '' || !proxy?.trust(req.socket.remoteAddress ?? '', 0)) return url.host === req.headers.host;
  const scheme = first(req.headers['x-forwarded-proto']) || ((req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http');
  try {
    return new URL(`${scheme}://${forwardedHost}`).origin === url.origin;
  } catch {
    return false;
  }
}
