/** lib/routes/mount-guards.ts: the order guards run in, the three answers, and failing closed. */
import { resolveLogger } from '../../lib/core/logger';
import { LiveView } from '../../lib';
import type { MountGuard, MountGuardContext } from '../../lib/config/mount-guards';
import { ALLOW, runGuards } from '../../lib/routes/mount-guards';

class AdminView extends LiveView {
  static template = 'admin.njk';
}

const ctx: MountGuardContext = { route: '/admin', view: AdminView, params: {}, url: '/admin', session: { user: 'ann' }, phase: 'mount', req: undefined };

function logged(): { errors: string[]; logger: ReturnType<typeof resolveLogger> } {
  const errors: string[] = [];
  return { errors, logger: resolveLogger({ warn() {}, error: (m) => void errors.push(m) }) };
}

describe('runGuards', () => {
  it('allows at once (synchronously) when every guard returns nothing', () => {
    const { logger } = logged();
    expect(runGuards([], ctx, logger)).toBe(ALLOW);
    expect(runGuards([() => undefined, () => {}], ctx, logger)).toBe(ALLOW);
  });

  it('stops at the first guard that redirects or refuses; later guards do not run', async () => {
    const { logger } = logged();
    const ran: string[] = [];
    const later: MountGuard = () => void ran.push('later');
    expect(runGuards([() => ({ redirect: '/login?next=%2Fadmin' }), later], ctx, logger)).toEqual({ kind: 'redirect', url: '/login?next=%2Fadmin' });
    expect(runGuards([() => ({ refuse: 'admins only' }), later], ctx, logger)).toEqual({ kind: 'refuse', reason: 'admins only' });
    await expect(runGuards([async () => undefined, async () => ({ refuse: 'later' }), later], ctx, logger)).resolves.toEqual({ kind: 'refuse', reason: 'later' });
    expect(ran).toEqual([]);
  });

  it('gives each guard the context', () => {
    const { logger } = logged();
    const seen: MountGuardContext[] = [];
    runGuards([(c) => void seen.push(c)], ctx, logger);
    expect(seen).toEqual([ctx]);
  });

  it.each([
    ['throws', () => { throw new Error('db down'); }, 'threw; the view is refused'],
    ['rejects', () => Promise.reject(new Error('db down')), 'threw; the view is refused'],
    ['returns a redirect to another host', () => ({ redirect: 'https://evil.example/' }), "returned {\"redirect\":\"https://evil.example/\"}"],
    ['returns true', () => true, 'returned true'],
    ['returns two answers at once', () => ({ redirect: '/a', refuse: 'b' }), 'returned {"redirect":"/a","refuse":"b"}'],
  ])('refuses (fails closed) when a guard %s, and logs it with the fix', async (_, guard, logged1) => {
    const { logger, errors } = logged();
    const named = Object.defineProperty(guard as MountGuard, 'name', { value: 'requireAdmin' });
    await expect(Promise.resolve(runGuards([named], ctx, logger))).resolves.toEqual({ kind: 'refuse', reason: 'the mount guard failed' });
    expect(errors).toEqual([expect.stringContaining(`the mount guard requireAdmin of AdminView (route "/admin") ${logged1}`)]);
  });
});
