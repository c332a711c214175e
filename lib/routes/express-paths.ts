import { createRequire } from 'node:module';

/**
 * Express's path matching, taken from the installed Express: the `path-to-regexp` its router
 * uses (Express 5: `router` → path-to-regexp 8; Express 4: its own path-to-regexp 0.1), called
 * with the options its router passes for `router.get(path, …)`, and params decoded as it
 * decodes them. The HTTP render and live navigation both match through here, so a URL that
 * renders over HTTP is the URL that matches live.
 */

/** The app's routing settings (`app.set('case sensitive routing')`, `app.set('strict routing')`). */
export interface RoutingSettings {
  readonly caseSensitive: boolean;
  readonly strict: boolean;
}

/** Express's defaults: letter case and a trailing slash are ignored. */
export const DEFAULT_ROUTING: RoutingSettings = Object.freeze({ caseSensitive: false, strict: false });

/** Route params as Express gives them; values are strings (Express 5 wildcards: arrays of segments). */
export type ExpressParams = Record<string, string | string[]>;

/**
 * One compiled route pattern: the params of a path it matches, or null. Throws a URIError with
 * `status` 400 for a param that is not valid percent-encoding, as Express does.
 */
export type PathMatcher = (path: string) => ExpressParams | null;

/** path-to-regexp 8 (Express 5), only the call made here. */
interface PathToRegexp8 {
  pathToRegexp(path: string, options: { sensitive: boolean; end: boolean; trailing: boolean }): { regexp: RegExp };
  match(path: string, options: { sensitive: boolean; end: boolean; trailing: boolean; decode: (value: string) => string }): (path: string) => false | { params: Record<string, string | string[] | undefined> };
}
/** path-to-regexp 0.1 (Express 4): `pathToRegexp(path, keys, options)`. */
type PathToRegexp01 = (path: string, keys: { name: string | number }[], options: { sensitive: boolean; strict: boolean; end: boolean }) => RegExp;

type Loaded = { major: 5; lib: PathToRegexp8 } | { major: 4; lib: PathToRegexp01 };

let loaded: Loaded | null = null;

/** The path-to-regexp of the Express that `require('express')` finds (a peer dependency: the app's own). */
function load(): Loaded {
  if (loaded) return loaded;
  const fromExpress = createRequire(require.resolve('express'));
  const major = Number(String((fromExpress('./package.json') as { version: string }).version).split('.')[0]);
  loaded = major >= 5
    ? { major: 5, lib: createRequire(fromExpress.resolve('router'))('path-to-regexp') as PathToRegexp8 }
    : { major: 4, lib: fromExpress('path-to-regexp') as PathToRegexp01 };
  return loaded;
}

/** The installed Express major version (4 or 5). */
export function expressMajor(): 4 | 5 {
  return load().major;
}

/** As Express's router: `decodeURIComponent`, a URIError marked 400 when it fails. */
function decodeParam(value: string): string {
  if (value.length === 0 || !value.includes('%')) return value;
  try {
    return decodeURIComponent(value);
  } catch (err) {
    if (err instanceof URIError) {
      err.message = `Failed to decode param '${value}'`;
      Object.assign(err, { status: 400, statusCode: 400 });
    }
    throw err;
  }
}

/**
 * Compiles `pattern` as Express's router compiles `router.get(pattern)` under `settings`.
 * Throws what path-to-regexp throws for a pattern it cannot parse (e.g. `/a/*` on Express 5).
 *
 * @example
 * compilePath('/store/:id', DEFAULT_ROUTING)('/Store/7/'); // { id: '7' }
 */
export function compilePath(pattern: string, settings: RoutingSettings): PathMatcher {
  const express = load();
  if (express.major === 5) {
    // router/lib/layer.js: non-strict routes drop the pattern's trailing slashes and allow one on the path.
    const source = settings.strict || pattern === '/' ? pattern : pattern.replace(/\/+$/, '');
    const match = express.lib.match(source, { sensitive: settings.caseSensitive, end: true, trailing: !settings.strict, decode: decodeParam });
    return (path) => {
      const found = match(path);
      if (!found) return null;
      const params: ExpressParams = {};
      for (const [key, value] of Object.entries(found.params)) if (value !== undefined) params[key] = value;
      return params;
    };
  }
  if (pattern === '*') return (path) => ({ 0: decodeParam(path) }); // express 4's fast_star
  const keys: { name: string | number }[] = [];
  const regexp = express.lib(pattern, keys, { sensitive: settings.caseSensitive, strict: settings.strict, end: true });
  return (path) => {
    const found = regexp.exec(path);
    if (!found) return null;
    const params: ExpressParams = {};
    for (let i = 1; i < found.length; i += 1) {
      const value = found[i];
      const key = keys[i - 1];
      if (value !== undefined && key !== undefined) params[String(key.name)] = decodeParam(value);
    }
    return params;
  };
}

/**
 * What two patterns must share to match the same paths under Express's default settings: the
 * compiled pattern with param names left out. Used to refuse a second view for the same paths.
 */
export function pathShape(pattern: string): string {
  const express = load();
  if (express.major === 5) {
    const source = pattern === '/' ? pattern : pattern.replace(/\/+$/, '');
    return express.lib.pathToRegexp(source, { sensitive: false, end: true, trailing: true }).regexp.source.toLowerCase();
  }
  return express.lib(pattern, [], { sensitive: false, strict: false, end: true }).source.toLowerCase();
}
