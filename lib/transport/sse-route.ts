/**
 * The one parse of an SSE request's URL (docs/protocol.md, "SSE"): which stream, which
 * endpoint, and the query — by string slicing, without `new URL`, on every request including
 * the per-event POST.
 */

/** Stream ids: what `crypto.randomUUID()` gives, or any 8–128 URL-safe characters. */
export const STREAM_ID_RE = /^[A-Za-z0-9_-]{8,128}$/;

/** An SSE request's route: the stream id, the endpoint, the raw query (after `?`, maybe empty). */
export interface SseRoute {
  id: string;
  /** `stream`: `GET`/`DELETE ${base}/:stream`; `message`: `POST ${base}/:stream/message`; `upload`: `POST ${base}/:stream/upload` (docs/uploads.md). */
  endpoint: 'stream' | 'message' | 'upload';
  query: string;
}

/** What a refused route answers. */
export interface RouteRefusal {
  status: 400 | 404 | 405;
  reason: string;
  headers?: Record<string, string>;
}

/**
 * The route of `method url` under `base` (e.g. `/djust/sse`): null when the path is not under
 * `base` (another handler's), a refusal (404 unknown endpoint, 405 wrong method, 400 bad
 * stream id), or the route.
 *
 * @example
 * sseRoute('POST', '/djust/sse/0b5c…/message', '/djust/sse'); // { id: '0b5c…', endpoint: 'message', query: '' }
 * sseRoute('GET', '/djust/ws', '/djust/sse'); // null
 */
export function sseRoute(method: string, url: string, base: string): SseRoute | RouteRefusal | null {
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  if (path !== base && !path.startsWith(`${base}/`)) return null;
  const rest = path.slice(base.length + 1);
  const slash = rest.indexOf('/');
  const id = slash === -1 ? rest : rest.slice(0, slash);
  const tail = slash === -1 ? null : rest.slice(slash + 1);
  const endpoint = tail === null ? 'stream' : tail === 'message' || tail === 'upload' ? tail : null;
  if (endpoint === null || id === '') {
    return { status: 404, reason: `Not Found: SSE endpoints are GET/DELETE ${base}/:stream and POST ${base}/:stream/message or ${base}/:stream/upload.` };
  }
  const allowed = endpoint === 'stream' ? ['GET', 'DELETE'] : ['POST'];
  if (!allowed.includes(method)) {
    return { status: 405, reason: `Method Not Allowed: use ${allowed.join(' or ')} on ${path}.`, headers: { Allow: allowed.join(', ') } };
  }
  if (!STREAM_ID_RE.test(id)) {
    return { status: 400, reason: `Bad Request: the stream id must be 8-128 characters of A-Z a-z 0-9 _ - (e.g. a UUID), got ${JSON.stringify(id.slice(0, 40))}.` };
  }
  return { id, endpoint, query: q === -1 ? '' : url.slice(q + 1) };
}
