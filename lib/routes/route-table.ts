import { DjustError, invalidArgument, misuse } from '../core/errors';
import { pathOf } from '../contract/urls';
import type { JsonValue } from '../contract/protocol';
import { handlersOf } from '../view/decorators';
import { LiveView, type LiveViewClass } from '../view/live-view';
import type { RouteEntry } from '../view/lifecycle';
import { pathInMount } from '../view/navigation';
import type { TitleFormatter } from '../view/page-metadata';
import { checkTitleTemplate, titleFormatter } from '../view/title-template';
import type { ResolvedOptions } from '../config/options';
import { isGuardList, type MountGuard, type MountGuardContext } from '../config/mount-guards';
import { compilePath, DEFAULT_ROUTING, pathShape, type ExpressParams, type PathMatcher, type RoutingSettings } from './express-paths';
import { ALLOW, runGuards, type GuardOutcome } from './mount-guards';
import type { TokenSigner } from './token';

/**
 * The one route table of a `djustLite()` instance: registration and the duplicate check, the
 * match of a path (HTTP render, live mount, live switch, pushPatch — Express's rules, the app's
 * `case sensitive routing` and `strict routing`, the installed Express's path syntax), live
 * session membership, mount guards and token minting. Every path that decides which view shows
 * goes through here.
 */

/** The third argument of `live.route(path, View, options)`. */
export interface RouteOptions {
  /**
   * A name shared by routes whose pages the browser may switch between without a page load —
   * `dj-navigate` links, back/forward — as Phoenix's `live_session`. Express middleware in front
   * of a route does not run for such a switch: guard live views with `onMount` (here, or for the
   * whole live session in option `liveSessions`).
   */
  liveSession?: string | undefined;
  /** Mount guards of this route, run after its live session's, before `mount`, on the HTTP render and every live mount and switch. */
  onMount?: MountGuard[] | undefined;
}

/** A registered route matched by a path, with its params as the view gets them (Express 5 wildcards joined with `/`). */
export interface RouteMatch {
  readonly entry: RouteEntry;
  readonly params: Record<string, string>;
}

/** What a token is minted for. `issuedAt`: when the page was first rendered over HTTP — a live switch keeps it, so navigating never extends a token's life. */
export interface TokenSubject {
  readonly entry: RouteEntry;
  readonly base: string;
  readonly params: Record<string, string>;
  readonly url: string;
  readonly session: JsonValue | undefined;
  readonly issuedAt: number;
}

/** Express params as a view gets them: a wildcard's segments joined with `/`. */
export function viewParams(params: ExpressParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(params)) out[key] = Array.isArray(value) ? value.join('/') : value;
  return out;
}

/** Compiled matchers of one pattern, one per combination of the two settings (made on first use). */
function matcherCache(pattern: string): (settings: RoutingSettings) => PathMatcher {
  const compiled: (PathMatcher | undefined)[] = [];
  return (settings) => {
    const slot = (settings.caseSensitive ? 1 : 0) + (settings.strict ? 2 : 0);
    return (compiled[slot] ??= compilePath(pattern, settings));
  };
}

/**
 * A route entry matched with Express's default settings: for tests and benchmarks that build a
 * view by hand. `live.route()` makes its entries through a RouteTable, which follows the app's.
 */
export function routeEntry(route: string, viewClass: LiveViewClass, formatTitle: TitleFormatter, liveSession?: string): RouteEntry {
  const matcher = matcherCache(route);
  const match = (path: string): Record<string, string> | null => liveMatch(matcher(DEFAULT_ROUTING), path);
  return { route, viewClass, template: viewClass.template, name: viewClass.name, formatTitle, liveSession, match };
}

/** A live match: a param that is not valid percent-encoding matches nothing (over HTTP Express answers 400). */
function liveMatch(matcher: PathMatcher, path: string): Record<string, string> | null {
  try {
    const params = matcher(path);
    return params === null ? null : viewParams(params);
  } catch {
    return null;
  }
}

function checkRoute(path: unknown, viewClass: unknown): asserts viewClass is LiveViewClass {
  if (typeof path !== 'string' || !path.startsWith('/')) {
    throw new DjustError('DJUST_ERR_INVALID_ROUTE', `route(path, View): path must be a string starting with "/", got ${JSON.stringify(path)}.`);
  }
  if (typeof viewClass !== 'function' || !(viewClass.prototype instanceof LiveView)) {
    throw new DjustError('DJUST_ERR_INVALID_ROUTE', `route("${path}", View): View must be a class that extends LiveView.`);
  }
  const template = (viewClass as unknown as { template?: unknown }).template;
  if (typeof template !== 'string' || template.length === 0) {
    throw new DjustError('DJUST_ERR_INVALID_ROUTE', `route("${path}", ${viewClass.name}): set "static template = 'name.njk'" on the view class.`);
  }
}

function checkRouteOptions(path: string, options: unknown): RouteOptions {
  if (options === undefined) return {};
  const where = `route("${path}", View, options)`;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) throw invalidArgument(where, 'options', 'an object such as { liveSession: "app" }', options);
  for (const key of Object.keys(options)) {
    if (key !== 'liveSession' && key !== 'onMount') throw misuse(`${where}: unknown option "${key}"; the route options are liveSession and onMount.`);
  }
  const { liveSession, onMount } = options as RouteOptions;
  if (liveSession !== undefined && (typeof liveSession !== 'string' || liveSession === '')) {
    throw invalidArgument(where, 'liveSession', 'a non-empty string naming the group of routes the browser may navigate between live', liveSession);
  }
  if (onMount !== undefined && !isGuardList(onMount)) throw invalidArgument(where, 'onMount', 'an array of mount guard functions', onMount);
  return { liveSession, onMount };
}

/**
 * The routes of one `djustLite()` instance.
 *
 * @example
 * const table = new RouteTable(options, signer);
 * table.add('/store/:id', StoreView, { liveSession: 'shop' });
 * table.matchLive('', '/Store/7'); // { entry, params: { id: '7' } } (Express ignores letter case by default)
 */
export class RouteTable {
  readonly #options: ResolvedOptions;
  readonly #signer: TokenSigner;
  /** Route pattern → entry, in registration order (Express tries routes in that order too). */
  readonly #entries = new Map<string, RouteEntry>();
  /** Each entry's compiled matchers. */
  readonly #matchers = new Map<RouteEntry, (settings: RoutingSettings) => PathMatcher>();
  /** pathShape(pattern) → the pattern registered, for the duplicate check. */
  readonly #shapes = new Map<string, string>();
  readonly #guards = new Map<RouteEntry, readonly MountGuard[]>();
  /** The app's routing settings, learnt from the first Express app seen (Express's defaults until then). */
  #settings: RoutingSettings = DEFAULT_ROUTING;
  #checkedSessions = false;

  constructor(options: ResolvedOptions, signer: TokenSigner) {
    this.#options = options;
    this.#signer = signer;
  }

  /** Registers `viewClass` at `path`; throws DJUST_ERR_INVALID_ROUTE for a bad route or one Express would match like an earlier one. */
  add(path: string, viewClass: LiveViewClass, routeOptions?: RouteOptions): RouteEntry {
    checkRoute(path, viewClass);
    const { liveSession, onMount } = checkRouteOptions(path, routeOptions);
    const where = `route("${path}", ${viewClass.name})`;
    const template = checkTitleTemplate(viewClass.titleTemplate, `${where}: static titleTemplate`);
    let shape: string;
    try {
      shape = pathShape(path);
    } catch (cause) {
      throw new DjustError('DJUST_ERR_INVALID_ROUTE', `${where}: Express cannot parse this path: ${(cause as Error).message}`, { cause });
    }
    const taken = this.#shapes.get(shape);
    if (taken !== undefined) {
      const same = taken === path ? 'this path' : `"${taken}", which Express matches the same (trailing slash, letter case and param names aside)`;
      throw new DjustError('DJUST_ERR_INVALID_ROUTE', `route("${path}"): a view is already registered for ${same}.`);
    }
    handlersOf(viewClass); // a malformed `static events` throws now, not on the first event
    const matcher = matcherCache(path);
    const match = (target: string): Record<string, string> | null => liveMatch(matcher(this.#settings), target);
    const entry: RouteEntry = {
      route: path,
      viewClass,
      template: viewClass.template,
      name: viewClass.name,
      formatTitle: titleFormatter(template ?? this.#options.titleTemplate, this.#options.defaultTitle),
      liveSession,
      match,
    };
    this.#matchers.set(entry, matcher);
    this.#shapes.set(shape, path);
    this.#entries.set(path, entry);
    const sessionGuards = liveSession === undefined ? [] : this.#options.liveSessions[liveSession]?.onMount ?? [];
    this.#guards.set(entry, [...sessionGuards, ...(onMount ?? [])]);
    return entry;
  }

  /** The entry registered for `route` (a token names its route by pattern). */
  get(route: string): RouteEntry | undefined {
    this.#checkSessions();
    return this.#entries.get(route);
  }

  get size(): number {
    return this.#entries.size;
  }

  /**
   * Follows the routing settings of `app` (an Express app: `app.enabled('case sensitive routing')`,
   * `app.enabled('strict routing')`); anything else is ignored.
   */
  learnSettings(app: unknown): void {
    const enabled = typeof app === 'function' ? (app as { enabled?: unknown }).enabled : undefined;
    if (typeof enabled !== 'function') return;
    const caseSensitive = Boolean(enabled.call(app, 'case sensitive routing'));
    const strict = Boolean(enabled.call(app, 'strict routing'));
    if (caseSensitive !== this.#settings.caseSensitive || strict !== this.#settings.strict) this.#settings = Object.freeze({ caseSensitive, strict });
  }

  /** The routing settings in force. */
  get settings(): RoutingSettings {
    return this.#settings;
  }

  /**
   * The route an HTTP GET of `path` (from the mount path on, no query) renders, the first
   * registered that matches; null for none. Throws a URIError with `status` 400 for a param that
   * is not valid percent-encoding, as Express does (pass it to `next(err)`).
   */
  matchHttp(path: string): { entry: RouteEntry; params: ExpressParams } | null {
    this.#checkSessions();
    for (const [entry, matcher] of this.#matchers) {
      const params = matcher(this.#settings)(path);
      if (params !== null) return { entry, params };
    }
    return null;
  }

  /** The route a live switch to `url` (as the browser sees it, under the mount path `base`) mounts; null for none. */
  matchLive(base: string, url: string): RouteMatch | null {
    const path = pathInMount(base, pathOf(url));
    if (path === null) return null;
    for (const entry of this.#entries.values()) {
      const params = entry.match(path);
      if (params !== null) return { entry, params };
    }
    return null;
  }

  /**
   * Whether the connection may switch from `from` to `to` live. The browser (a `params` frame:
   * dj-navigate, back/forward) may go to a route of the same named live session, or to a view
   * this connection has shown; a server `pushNavigate` to a route of the same named live
   * session, or to any live route with option `pushNavigateScope: 'anyLiveRoute'`. Anything else
   * loads as a page, so the Express middleware in front of its route runs. Mount guards run on
   * every switch besides.
   */
  mayNavigate(from: RouteEntry, to: RouteEntry, byClient: boolean, visited: (entry: RouteEntry) => boolean): boolean {
    const same = from.liveSession !== undefined && from.liveSession === to.liveSession;
    if (byClient) return same || visited(to);
    return same || this.#options.pushNavigateScope === 'anyLiveRoute';
  }

  /** Runs `entry`'s mount guards (its live session's, then its own) for `ctx`; ALLOW at once when it has none. */
  guard(entry: RouteEntry, ctx: Omit<MountGuardContext, 'route' | 'view'>): GuardOutcome | Promise<GuardOutcome> {
    const guards = this.#guards.get(entry);
    if (guards === undefined || guards.length === 0) return ALLOW;
    return runGuards(guards, { ...ctx, route: entry.route, view: entry.viewClass }, this.#options.logger);
  }

  /** A signed token for `subject`, valid until `issuedAt` + option tokenTtlMs. */
  mint(subject: TokenSubject): string {
    const { entry, base, params, url, session, issuedAt } = subject;
    return this.#signer.sign({ route: entry.route, ...(base && { base }), params, url, session, iat: issuedAt, exp: issuedAt + this.#options.tokenTtlMs });
  }

  /** Once, when the table is first used: a `liveSessions` name no route uses is most likely a typo (its guards guard nothing). */
  #checkSessions(): void {
    if (this.#checkedSessions) return;
    this.#checkedSessions = true;
    const used = new Set([...this.#entries.values()].map((entry) => entry.liveSession));
    for (const name of Object.keys(this.#options.liveSessions)) {
      if (!used.has(name)) this.#options.logger.warn(`djust-lite: option liveSessions names "${name}", but no route has { liveSession: "${name}" }; its onMount guards guard nothing. Live sessions in use: ${[...used].filter(Boolean).join(', ') || 'none'}.`);
    }
  }
}
