import type { Request } from 'express';
import type { JsonValue } from '../contract/protocol';
import type { LiveViewClass } from '../view/live-view';

/**
 * Mount guards: functions that decide, before a view's `mount`, whether it may show — on the
 * HTTP render, on every live mount and on every live switch (Phoenix's `on_mount` on a
 * `live_session`). Types and shape checks here; lib/routes/mount-guards.ts runs them.
 */

/** What a mount guard is told: the request data the HTTP render had, as the view's token carries it. */
export interface MountGuardContext {
  /** The route pattern, e.g. `/admin/:id`. */
  readonly route: string;
  /** The view class registered for it. */
  readonly view: LiveViewClass;
  /** Route params of `url`. */
  readonly params: Readonly<Record<string, string>>;
  /** Path and query as the browser sees it (with the mount path). */
  readonly url: string;
  /** What the `session` option returned for the HTTP request (carried in the signed token). */
  readonly session: JsonValue | undefined;
  /** `'http'`: the page render; `'mount'`: a live connection mounting the page's token; `'navigate'`: a live switch from another view. */
  readonly phase: 'http' | 'mount' | 'navigate';
  /** The Express request: only on the HTTP render (`phase` `'http'`). */
  readonly req: Request | undefined;
}

/**
 * What a guard returns: nothing (or `undefined`) lets the view mount; `{ redirect: '/login' }`
 * sends the browser there (a local path); `{ refuse: 'reason' }` refuses it — 403 over HTTP,
 * the `forbidden` error live. The first guard that does not allow decides.
 */
export type MountGuardResult = void | undefined | { redirect: string } | { refuse: string };

/**
 * A mount guard. May be async; a throw is a refusal the server logs (the client is told only
 * that the view was refused).
 *
 * @example
 * const requireAdmin: MountGuard = ({ session }) =>
 *   (session as { admin?: boolean } | undefined)?.admin ? undefined : { redirect: '/login' };
 */
export type MountGuard = (ctx: MountGuardContext) => MountGuardResult | Promise<MountGuardResult>;

/** One entry of the `liveSessions` option. */
export interface LiveSessionOptions {
  /** Guards every route of this live session runs, in order, before the route's own. */
  onMount?: MountGuard[] | undefined;
}

/** True for an array of functions. */
export function isGuardList(value: unknown): value is MountGuard[] {
  return Array.isArray(value) && value.every((guard) => typeof guard === 'function');
}

/** True for `{ name: { onMount?: [fn…] } }` (the `liveSessions` option). */
export function isLiveSessions(value: unknown): value is Record<string, LiveSessionOptions> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  return Object.entries(value).every(([name, entry]) => name !== '' && typeof entry === 'object' && entry !== null && !Array.isArray(entry)
    && Object.keys(entry).every((key) => key === 'onMount') && ((entry as LiveSessionOptions).onMount === undefined || isGuardList((entry as LiveSessionOptions).onMount)));
}
