import type { LiveContext } from './context';
import type { RouteEntry } from '../view/lifecycle';
import type { Departure, MountedView } from './mounted-view';
import { makeView } from './mount-factory';
import { templateContext, viewInternals, type ViewHost } from '../view/live-view';
import { MAX_PATCH_HOPS } from '../view/navigation';
import { errorMessage, type ServerMessage } from '../contract/protocol';

/**
 * Live navigation between views (`pushNavigate`, or a `params` frame for another route's URL):
 * a connection leaves its view for the live route at the URL — when the route table lets it
 * switch live (lib/routes/route-table.ts: live sessions), the route's mount guards allow it and
 * its page shares the layout — so the browser only swaps the live region. Anything else is a
 * page load, where Express middleware and the HTTP render's guards run.
 */

/** What `leaveView` needs from the connection it works for. */
export interface SwitchHost {
  readonly ctx: LiveContext;
  /** The services of a new view on this connection (its timers and subscriptions its own). */
  hostServices(): ViewHost;
  /** False once the job switching views was given up (it timed out) or the connection closed. */
  current(): boolean;
  /** Whether this connection has shown `entry`'s view (its page was loaded, or a pushNavigate went there). */
  visited(entry: RouteEntry): boolean;
}

/**
 * Moves the connection from `from` to the view at `departure.url`, after `from`'s response is
 * in `out`. The route's view mounts (with `from`'s session data and flash); when its page's
 * layout is `from`'s, `out` gets `navigate` with its region's HTML and a token for it (minted with
 * the page's first `iat`, so navigating never extends its life; a `reply`
 * for the `params` frame first), then its head, flash and push events, and the new session is
 * returned: the caller installs it and closes `from`. Otherwise the new view unmounts and `out`
 * gets `redirect` (a `pushNavigate`; then `from`'s side channel) or `unknown_route` (a `params`
 * frame: the client loads the page), and `from` is returned. Mount guards run before the new
 * view is made: a redirect sends the browser there, a refusal answers `forbidden` to a `params`
 * frame (the client loads the page) or redirects a `pushNavigate` to it. A new view whose mount calls
 * `pushNavigate` again is followed up to MAX_PATCH_HOPS times.
 */
// Over 60 lines: the hops of one switch (route, mount, layout check, hand-over) read in order in one loop.
export async function leaveView(host: SwitchHost, from: MountedView, departure: Departure, out: ServerMessage[]): Promise<MountedView> {
  const { ctx } = host;
  const { logger } = ctx.options;
  const { base } = from.life;
  const fromParams = departure.ref !== undefined;
  const flash = viewInternals(from.life.view).flash?.current;
  let { url, replace } = departure;
  /** The view stays: the client loads `target` (or, after `params`, the URL it asked for). */
  const stay = (why: string, target = url, replaceIt = replace): MountedView => {
    if (fromParams) {
      if (logger.refusal.enabled) logger.refusal(`${from.name}: live navigation to ${JSON.stringify(departure.url)} refused: ${why} (unknown_route)`);
      out.push(errorMessage('unknown_route', `"${departure.url}" is not a path of ${from.name}'s route "${from.life.route}" nor of a live route sharing its layout; load it as a page.`, departure.ref ?? null));
      return from;
    }
    return redirect(target, why, replaceIt);
  };
  /** The view stays and the browser loads `target` (after a `params` frame: in place of the history entry it pushed). */
  const redirect = (target: string, why: string, replaceIt = replace): MountedView => {
    if (logger.connection.enabled) logger.connection(`${from.name} redirects to ${target}: ${why}`);
    if (fromParams && departure.ref !== undefined && departure.ref !== null) out.push({ type: 'reply', ref: departure.ref });
    out.push({ type: 'redirect', url: target, replace: fromParams || replaceIt });
    from.drain(out);
    return from;
  };
  for (let hops = 0; ; hops += 1) {
    if (hops > MAX_PATCH_HOPS) {
      logger.error(`djust-lite: pushNavigate: more than ${MAX_PATCH_HOPS} in a row (each view's mount navigates on); the last was "${url}".`);
      if (fromParams) return stay(`more than ${MAX_PATCH_HOPS} pushNavigate in a row`);
      out.push(errorMessage('handler_failed', `pushNavigate: more than ${MAX_PATCH_HOPS} in a row (each view's mount navigates on); the last was "${url}". ${from.name} stays.`));
      from.drain(out);
      return from;
    }
    const target = ctx.routes.matchLive(base, url);
    if (target === null) return stay('no live route matches it');
    if (!ctx.routes.mayNavigate(from.life.entry, target.entry, fromParams, (entry) => host.visited(entry))) {
      return stay(fromParams
        ? `${target.entry.name} is not in ${from.name}'s live session (route option liveSession) and this connection has not shown it`
        : `${target.entry.name} is not in ${from.name}'s live session (route option liveSession; option pushNavigateScope)`);
    }
    let made = makeView(ctx, { entry: target.entry, url, params: target.params, base, session: from.life.session, issuedAt: from.issuedAt, phase: 'navigate', flash, budget: from.budget }, () => host.hostServices());
    if (made instanceof Promise) made = await made;
    if (!host.current()) {
      if (made.kind === 'view') await made.view.close('the navigation was given up');
      return from;
    }
    if (made.kind === 'redirect') return redirect(made.url, `the mount guards of ${target.entry.name} redirect to ${made.url}`);
    if (made.kind === 'refuse') {
      if (logger.refusal.enabled) logger.refusal(`${from.name}: live navigation to ${JSON.stringify(url)} refused by the mount guards of ${target.entry.name}: ${made.reason}`);
      if (!fromParams) return stay(`the mount guards of ${target.entry.name} refuse it`);
      out.push(errorMessage('forbidden', `${target.entry.name} refused: ${made.reason}`, departure.ref ?? null));
      return from;
    }
    const mounted = made.view;
    const life = mounted.life;
    let html: string;
    try {
      html = await mounted.mountInPlace({ session: from.life.session, connected: true });
    } catch (err) {
      await mounted.close('its mount failed');
      logger.error(`djust-lite: ${target.entry.name}.mount() failed on live navigation to ${url}; loading the page instead`, err);
      return host.current() ? stay(`${target.entry.name}.mount() failed`) : from;
    }
    if (!host.current()) {
      await mounted.close('the navigation was given up');
      return from;
    }
    const next = life.takeLeave();
    if (next !== null) {
      await mounted.close(`it navigated on to ${next.url}`);
      if (!host.current()) return from;
      if (next.kind === 'redirect') return redirect(next.url, `${target.entry.name}.mount() redirected`, next.replace);
      url = next.url;
      replace &&= next.replace;
      continue;
    }
    let same = false;
    try {
      same = ctx.renderer.renderLayout(from.life.entry, templateContext(from.life.view)) === ctx.renderer.renderLayout(target.entry, templateContext(life.view));
    } catch (err) {
      logger.error(`djust-lite: comparing the layouts of ${from.name} and ${target.entry.name} failed`, err);
    }
    if (!same) {
      await mounted.close('its page does not share the layout');
      return host.current() ? stay(`${target.entry.name}'s page does not share ${from.name}'s layout (the HTML outside the live region differs)`) : from;
    }
    const token = ctx.routes.mint({ entry: target.entry, base, params: life.params, url: life.url, session: life.session, issuedAt: from.issuedAt });
    if (departure.ref !== undefined && departure.ref !== null) out.push({ type: 'reply', ref: departure.ref });
    out.push({ type: 'navigate', url: life.url, replace, html, token });
    mounted.takeOver(from, out);
    if (logger.connection.enabled) logger.connection(`${from.name} navigated to ${mounted.name} at ${life.url}`);
    return mounted;
  }
}
