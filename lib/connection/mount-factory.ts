import type { LiveContext } from './context';
import { MountedView, type ParamsBudget } from './mounted-view';
import { ViewLifecycle, isThenable, type RouteEntry } from '../view/lifecycle';
import { viewInternals, type ViewHost } from '../view/live-view';
import type { JsonValue } from '../contract/protocol';
import type { GuardOutcome } from '../routes/mount-guards';

/**
 * The one place a live connection makes a view: the route's mount guards first, then the
 * lifecycle and its MountedView — for the first mount of a page's token and for every switch
 * to another view (dj-navigate, back/forward, pushNavigate) alike. The HTTP render runs the
 * same guards through the route table (lib/http/page-render.ts).
 */

/** Which view to make, where, and for whom. */
export interface MountRequest {
  readonly entry: RouteEntry;
  /** URL as the browser sees it (with the mount path) and the route params of it. */
  readonly url: string;
  readonly params: Record<string, string>;
  /** The mount path the page was served under ('' at the root). */
  readonly base: string;
  /** What the `session` option gave the HTTP render (carried in the token). */
  readonly session: JsonValue | undefined;
  /** When the page's token was first issued (HTTP render): tokens minted for this view keep it. */
  readonly issuedAt: number;
  /** The connection's params budget (schema checks bounded and charged to its rate). */
  readonly budget: ParamsBudget;
  /** `'mount'`: a page's token; `'navigate'`: a switch from another view. */
  readonly phase: 'mount' | 'navigate';
  /** Flash messages the previous view showed, carried into this one (a switch). */
  readonly flash?: Record<string, string> | undefined;
}

/** A view made and ready to mount, or what its guards said instead. */
export type Made = { readonly kind: 'view'; readonly view: MountedView } | Exclude<GuardOutcome, { kind: 'allow' }>;

/**
 * Runs `request.entry`'s mount guards, then, when they allow, makes its view with `host`'s
 * services (timers, subscriptions). Mount it with `view.mount` (first mount) or
 * `view.mountInPlace` (a switch). Synchronous when the route has no async guard.
 *
 * @example
 * const made = await makeView(ctx, { entry, url, params, base, session, issuedAt, phase: 'mount' }, host);
 * if (made.kind === 'view') await made.view.mount({ session, connected: true }, out);
 */
export function makeView(ctx: LiveContext, request: MountRequest, host: () => ViewHost): Made | Promise<Made> {
  const outcome = ctx.routes.guard(request.entry, { params: request.params, url: request.url, session: request.session, phase: request.phase, req: undefined });
  return isThenable<GuardOutcome>(outcome) ? Promise.resolve(outcome).then((settled) => build(ctx, request, host, settled)) : build(ctx, request, host, outcome);
}

function build(ctx: LiveContext, request: MountRequest, host: () => ViewHost, outcome: GuardOutcome): Made {
  if (outcome.kind !== 'allow') return outcome;
  const { logger } = ctx.options;
  const life = new ViewLifecycle(request.entry, request.url, request.params, logger, host(), request.base);
  if (request.flash) viewInternals(life.view).openFlash().carry(request.flash);
  return { kind: 'view', view: new MountedView(life, ctx.renderer, logger, request.issuedAt, request.budget) };
}
