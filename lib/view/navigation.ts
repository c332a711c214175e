import { DjustError } from '../core/errors';
import type { PendingPatch } from './live-view';
import type { NavigateMessage } from '../contract/protocol';
import { pathOf } from '../contract/urls';

/**
 * Live navigation (`pushPatch`, `dj-patch`): which URLs a view may move to without a page
 * load, the route params of such a URL, and the chain of `handleParams` runs a `pushPatch`
 * starts.
 */

/**
 * `path` (as the browser sees it) from the mount path `base` on: `/app/store` under `/app` is
 * `/store`, `/app` is `/`; null for a path outside the mount path. `base` is '' at the root.
 */
export function pathInMount(base: string, path: string): string | null {
  if (base === '') return path;
  if (!path.startsWith(base)) return null;
  if (path.length === base.length) return '/';
  return path.charCodeAt(base.length) === 47 /* / */ ? path.slice(base.length) : null;
}

/** Route params of a path a route matches, or null: `RouteEntry.match` (Express's rules, lib/routes/route-table.ts). */
export type RouteMatcher = (path: string) => Record<string, string> | null;

/**
 * The route params for moving the view at `current` to `url`: the current params when only
 * the query changes, else the params of `url` by `match` (the view's route); null when `url` is
 * not a path of this view's route (the client then loads it as a new page). URLs are as the
 * browser sees them (`/app/store?x` under `app.use('/app', live)`); `current.base` is the
 * mount path (absent or '' at the root), taken off before matching the route.
 */
export function paramsForPatch(match: RouteMatcher, current: { url: string; params: Record<string, string>; base?: string }, url: string): Record<string, string> | null {
  if (pathOf(url) === pathOf(current.url)) return current.params;
  const path = pathInMount(current.base ?? '', pathOf(url));
  return path === null ? null : match(path);
}

/** `pushPatch` calls one change may chain (handleParams patching again) before it fails. */
export const MAX_PATCH_HOPS = 8;

/** What the patch chain moves: a view at a URL of its route (a ViewLifecycle). */
export interface Patchable {
  readonly route: string;
  /** The mount path the page was served under ('' at the root); URLs include it, the route does not. */
  readonly base: string;
  /** The view class name, for error messages. */
  readonly name: string;
  url: string;
  params: Record<string, string>;
  /** Route params of a path of this view's route, or null (see RouteMatcher). */
  match(path: string): Record<string, string> | null;
  /** Returns and clears the view's pending `pushPatch`. */
  takePatch(): PendingPatch | null;
  /** Runs the view's `handleParams` for its current URL. */
  handleParams(): unknown;
}

/**
 * Runs `handleParams` for each `pushPatch` the view made (a handleParams may patch again, up
 * to MAX_PATCH_HOPS times) and returns the `navigate` message for the client, or null —
 * synchronously when the view made no pushPatch. Throws DJUST_ERR_INVALID_ROUTE for a URL
 * outside the view's route.
 */
export function followPatches(target: Patchable): NavigateMessage | null | Promise<NavigateMessage | null> {
  const patch = target.takePatch();
  return patch ? patchChain(target, patch) : null;
}

async function patchChain(target: Patchable, first: PendingPatch): Promise<NavigateMessage | null> {
  let navigate: NavigateMessage | null = null;
  let replace = true;
  for (let patch: PendingPatch | null = first, hops = 0; patch; patch = target.takePatch(), hops += 1) {
    if (hops === MAX_PATCH_HOPS) {
      throw new DjustError('DJUST_ERR_INVALID_ROUTE', `pushPatch: more than ${MAX_PATCH_HOPS} in a row (handleParams keeps calling pushPatch); the last was "${patch.url}".`);
    }
    const params = paramsForPatch((path) => target.match(path), target, patch.url);
    if (!params) {
      throw new DjustError(
        'DJUST_ERR_INVALID_ROUTE',
        `pushPatch("${patch.url}"): ${target.name} is served at route "${target.base}${target.route}" and this path does not match it; pushPatch stays within one view (link to other pages with a plain <a href>).`,
      );
    }
    target.url = patch.url;
    target.params = params;
    replace &&= patch.replace; // a chain that pushed once is a push
    navigate = { type: 'navigate', url: patch.url, replace };
    await target.handleParams();
  }
  return navigate;
}
