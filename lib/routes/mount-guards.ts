import { isLocalPath } from '../contract/urls';
import { isThenable } from '../view/lifecycle';
import type { ResolvedLogger } from '../core/logger';
import type { MountGuard, MountGuardContext, MountGuardResult } from '../config/mount-guards';

/**
 * Runs mount guards (types in lib/config/mount-guards.ts) in order; the first that does not
 * allow decides. A guard that throws, or returns something that is not a guard result, refuses
 * (fails closed) and is logged with the fix.
 */

/** What the guards decided. */
export type GuardOutcome = { readonly kind: 'allow' } | { readonly kind: 'redirect'; readonly url: string } | { readonly kind: 'refuse'; readonly reason: string };

export const ALLOW: GuardOutcome = Object.freeze({ kind: 'allow' });

/** The outcome one guard's return value stands for; null: allow, go on to the next guard. */
function outcomeOf(result: unknown, where: string, logger: ResolvedLogger): GuardOutcome | null {
  if (result === undefined) return null;
  if (typeof result === 'object' && result !== null && !Array.isArray(result)) {
    const keys = Object.keys(result);
    if (keys.length === 1 && keys[0] === 'redirect' && isLocalPath((result as { redirect: unknown }).redirect)) {
      return { kind: 'redirect', url: (result as { redirect: string }).redirect };
    }
    if (keys.length === 1 && keys[0] === 'refuse' && typeof (result as { refuse: unknown }).refuse === 'string') {
      return { kind: 'refuse', reason: (result as { refuse: string }).refuse };
    }
  }
  logger.error(`djust-lite: ${where} returned ${JSON.stringify(result) ?? String(result)}; a mount guard returns nothing (allow), { redirect: '/local/path' } or { refuse: 'reason' }. Refused.`);
  return { kind: 'refuse', reason: 'the mount guard failed' };
}

/**
 * The guards' decision for `ctx`: synchronous when every guard is (no guards: ALLOW at once).
 *
 * @example
 * await runGuards([requireAdmin], { route: '/admin', view: AdminView, params: {}, url: '/admin', session, phase: 'mount', req: undefined }, logger);
 */
export function runGuards(guards: readonly MountGuard[], ctx: MountGuardContext, logger: ResolvedLogger): GuardOutcome | Promise<GuardOutcome> {
  for (let i = 0; i < guards.length; i += 1) {
    const guard = guards[i] as MountGuard;
    const where = `the mount guard ${guard.name || `#${i + 1}`} of ${ctx.view.name} (route "${ctx.route}")`;
    let result: MountGuardResult | Promise<MountGuardResult>;
    try {
      result = guard(ctx);
    } catch (err) {
      return failed(where, err, logger);
    }
    if (isThenable<MountGuardResult>(result)) {
      return Promise.resolve(result).then(
        (settled) => outcomeOf(settled, where, logger) ?? runGuards(guards.slice(i + 1), ctx, logger),
        (err: unknown) => failed(where, err, logger),
      );
    }
    const outcome = outcomeOf(result, where, logger);
    if (outcome !== null) return outcome;
  }
  return ALLOW;
}

function failed(where: string, err: unknown, logger: ResolvedLogger): GuardOutcome {
  logger.error(`djust-lite: ${where} threw; the view is refused`, err);
  return { kind: 'refuse', reason: 'the mount guard failed' };
}
