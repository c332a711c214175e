/**
 * Live navigation (`pushPatch`, `dj-patch`): which URLs a view may move to without a page
 * load, and the route params of such a URL. Pure functions; the dispatcher joins them to
 * the view.
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

/** `/store?product=mug#x` → `/store`. */
export function pathOf(url: string): string {
  return url.split(/[?#]/, 1)[0] as string;
}

/**
 * Route params of `path` for an Express route `pattern` made of literal and `:name`
 * segments (`/store/:id`); null when it does not match. Patterns using other syntax
 * (`*splat`, `{optional}`) match only themselves — such views can patch the query, not
 * the path.
 */
export function matchRoute(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return pattern === path ? {} : null;
  const params: Record<string, string> = {};
  for (const [i, segment] of want.entries()) {
    const value = got[i] as string;
    const name = /^:([A-Za-z_$][\w$]*)$/.exec(segment)?.[1];
    if (name === undefined) {
      if (segment !== value) return null;
      continue;
    }
    if (value === '') return null;
    try {
      params[name] = decodeURIComponent(value);
    } catch {
      return null;
    }
  }
  return params;
}

/**
 * The route params for moving the view at `current` to `url`: the current params when only
 * the query changes, else the params of `url` matched against `route`; null when `url` is
 * not a path of this view's route (the client then loads it as a new page).
 */
export function paramsForPatch(route: string, current: { url: string; params: Record<string, string> }, url: string): Record<string, string> | null {
  if (pathOf(url) === pathOf(current.url)) return current.params;
  return matchRoute(route, pathOf(url));
}
