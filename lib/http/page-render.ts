import type { IncomingMessage, ServerResponse } from 'node:http';
import encodeUrl from 'encodeurl';
import type { Request } from 'express';
import { BUNDLE_NAME } from './assets';
import type { LiveContext } from '../connection/context';
import { renderErrorPage } from '../render/nunjucks';
import { escapeHtml } from '../render/html';
import { ViewLifecycle, type RouteEntry } from '../view/lifecycle';
import { templateContext, viewInternals } from '../view/live-view';
import { ACK_MARGIN_MS, DEFAULT_HANDLER_TIMEOUT_MS } from '../contract/contract';
import { DjustError } from '../core/errors';


/**
 * The request as a live route's handler sees it (Express adds `params`, `originalUrl` and
 * `baseUrl`); it reaches `ctx.req` and the `session` option typed as Express's `Request`,
 * which it is when the middleware runs inside an Express app.
 */
export type RouteRequest = IncomingMessage & { params?: Record<string, string | string[]>; originalUrl?: string; baseUrl?: string };

/** The response as Express gives it: `res.locals` holds what earlier middleware left for the render. */
export type RouteResponse = ServerResponse & { locals?: Record<string, unknown> };

/**
 * The HTTP render of live routes: the same lifecycle a live connection runs (mount →
 * handleParams → pushPatch chain), then the whole page with the client's script tag and the
 * signed token it connects with.
 */
export class PageRender {
  readonly #ctx: LiveContext;
  readonly #assetsVersion: string;
  /** Routes already told their page has no `{% djust_scripts %}` (development: said once per route). */
  readonly #warnedNoScripts = new Set<RouteEntry>();

  constructor(ctx: LiveContext, assetsVersion: string) {
    this.#ctx = ctx;
    this.#assetsVersion = assetsVersion;
  }

  /**
   * What `{% djust_scripts %}` renders: the bundle's module script carrying the token and client
   * settings, with `nonce` (a Content-Security-Policy nonce) when given. `base`: the mount path
   * the page was served under (`req.baseUrl`), put before the prefix so the browser finds the
   * bundle and the endpoints where Express routes them.
   */
  scriptsTag(token: string, nonce?: string, base = ''): string {
    const { transport, announceTitle, handlerTimeoutMs } = this.#ctx.options;
    const prefix = escapeHtml(base + this.#ctx.options.prefix);
    // The client waits for an answer this long before it re-syncs (the default needs no attribute).
    const ackMs = handlerTimeoutMs === DEFAULT_HANDLER_TIMEOUT_MS ? '' : ` data-djust-ack-ms="${handlerTimeoutMs + ACK_MARGIN_MS}"`;
    return `<script type="module" src="${prefix}/${BUNDLE_NAME}?v=${this.#assetsVersion}"${nonce ? ` nonce="${escapeHtml(nonce)}"` : ''} data-djust-token="${escapeHtml(token)}" ` +
      `data-djust-prefix="${prefix}" data-djust-transport="${transport}"` +
      `${announceTitle ? '' : ' data-djust-announce="false"'}${ackMs}></script>`;
  }

  /**
   * Answers a GET of `entry`'s route with the page, or a redirect when a pushPatch during the
   * render moved it to another URL. The view unmounts when the response is done, whether the
   * render succeeded or threw. A failure goes on to Express's `next(err)`; in development
   * (NODE_ENV=development) it is logged and answered with the djust/error.njk page instead.
   */
  async render(entry: RouteEntry, params: Record<string, string>, req: RouteRequest, res: RouteResponse): Promise<void> {
    try {
      await this.#render(entry, params, req, res);
    } catch (error) {
      if (process.env.NODE_ENV !== 'development' || res.headersSent || error instanceof DjustError && error.code === 'forbidden') throw error;
      this.#ctx.options.logger.error(`djust-lite: ${entry.name}: the HTTP render of ${req.originalUrl ?? req.url ?? entry.route} failed`, error);
      const html = renderErrorPage(this.#ctx.renderer.env, { error, viewName: entry.name, template: entry.template, url: req.originalUrl ?? req.url ?? entry.route });
      res.statusCode = 500;
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      res.setHeader('Cache-Control', 'no-store');
      res.end(html);
    }
  }

  async #render(entry: RouteEntry, params: Record<string, string>, req: RouteRequest, res: RouteResponse): Promise<void> {
    const { options, routes, renderer } = this.#ctx;
    // URLs as the browser sees them; the route is matched from the mount path on.
    const url = req.originalUrl ?? req.url ?? entry.route;
    const base = req.baseUrl ?? '';
    const expressReq = req as Request;
    const session = options.session ? options.session(expressReq) : undefined;
    const issuedAt = this.#ctx.now();
    // The route's mount guards, as every live mount and switch runs them (lib/routes/route-table.ts).
    let outcome = routes.guard(entry, { params, url, session, phase: 'http', req: expressReq });
    if (outcome instanceof Promise) outcome = await outcome;
    if (outcome.kind === 'redirect') return redirect(res, outcome.url);
    if (outcome.kind === 'refuse') {
      if (options.logger.refusal.enabled) options.logger.refusal(`${entry.name}: GET ${url} refused by its mount guards: ${outcome.reason} (403)`);
      throw Object.assign(new DjustError('forbidden', `${entry.name} refused: ${outcome.reason}`), { status: 403, statusCode: 403, expose: true });
    }
    const life = new ViewLifecycle(entry, url, params, options.logger, null, base);
    try {
      const navigate = await life.mount({ session, connected: false, req: expressReq, locals: res.locals ?? {} });
      // pushNavigate and redirect answer as pushPatch does: the browser loads the URL.
      const target = life.takeLeave()?.url ?? (navigate && navigate.url !== url ? navigate.url : null);
      if (target !== null) return redirect(res, target);
      const token = routes.mint({ entry, base, params: life.params, url: life.url, session, issuedAt });
      // A nonce the template passes wins; else the one the app left for this response (helmet's pattern).
      const appNonce = typeof res.locals?.cspNonce === 'string' ? res.locals.cspNonce : undefined;
      let scripts = false;
      const html = renderer.renderPage(entry, templateContext(life.view), (nonce?: string) => {
        scripts = true;
        return this.scriptsTag(token, nonce ?? appNonce, base);
      });
      if (!scripts) this.#noScripts(entry);
      const { connection } = options.logger;
      if (connection.enabled) connection(`${entry.name} rendered for GET ${url} (HTTP)`);
      viewInternals(life.view).markRendered();
      res.statusCode = 200;
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      res.setHeader('Cache-Control', 'no-store');
      res.end(html);
    } finally {
      await life.unmount('its HTTP render ended');
    }
  }

  /**
   * A live route's page without `{% djust_scripts %}` never connects: it stays a static page
   * and nothing else would say why. In development (NODE_ENV unset or "development", as
   * Express reckons it) that is logged once per route, with the fix.
   */
  #noScripts(entry: RouteEntry): void {
    if ((process.env.NODE_ENV ?? 'development') !== 'development' || this.#warnedNoScripts.has(entry)) return;
    this.#warnedNoScripts.add(entry);
    this.#ctx.options.logger.warn(
      `djust-lite: the page of live route "${entry.route}" (${entry.name}, template "${entry.template}") has no {% djust_scripts %}, ` +
        'so it never connects and stays static. Add {% djust_scripts %} before </body> (in the template or the layout it extends).',
    );
  }
}

/** Answers 302 to `target`. */
function redirect(res: ServerResponse, target: string): void {
  res.statusCode = 302;
  res.setHeader('Location', encodeUrl(target)); // as Express's res.location: `/t?q=€` is not a valid header value
  res.setHeader('Cache-Control', 'no-store');
  res.end();
}
