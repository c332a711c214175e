import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Request } from 'express';
import { BUNDLE_NAME } from './assets';
import type { DispatcherContext } from './dispatcher';
import { escapeHtml } from './html';
import { ViewLifecycle, type RouteEntry } from './lifecycle';
import { templateContext, viewInternals } from './live-view';

/**
 * The request as a live route's handler sees it (Express adds `params` and `originalUrl`); it
 * reaches `ctx.req` and the `session` option typed as Express's `Request`, which it is when the
 * middleware runs inside an Express app.
 */
export type RouteRequest = IncomingMessage & { params?: Record<string, string | string[]>; originalUrl?: string };

/**
 * The HTTP render of live routes: the same lifecycle a live connection runs (mount →
 * handleParams → pushPatch chain), then the whole page with the client's script tag and the
 * signed token it connects with.
 */
export class PageRender {
  readonly #ctx: DispatcherContext;
  readonly #assetsVersion: string;
  /** Routes already told their page has no `{% djust_scripts %}` (development: said once per route). */
  readonly #warnedNoScripts = new Set<RouteEntry>();

  constructor(ctx: DispatcherContext, assetsVersion: string) {
    this.#ctx = ctx;
    this.#assetsVersion = assetsVersion;
  }

  /** What `{% djust_scripts %}` renders: the bundle's module script carrying the token and client settings. */
  scriptsTag(token: string): string {
    const { prefix, transport, announceTitle } = this.#ctx.options;
    return `<script type="module" src="${prefix}/${BUNDLE_NAME}?v=${this.#assetsVersion}" data-djust-token="${escapeHtml(token)}" ` +
      `data-djust-prefix="${escapeHtml(prefix)}" data-djust-transport="${transport}"` +
      `${announceTitle ? '' : ' data-djust-announce="false"'}></script>`;
  }

  /**
   * Answers a GET of `entry`'s route with the page, or a redirect when a pushPatch during the
   * render moved it to another URL. The view unmounts when the response is done, whether the
   * render succeeded or threw (the error goes on to the caller, then Express's `next(err)`).
   */
  async render(entry: RouteEntry, req: RouteRequest, res: ServerResponse): Promise<void> {
    const { options, signer, renderer } = this.#ctx;
    const params: Record<string, string> = {};
    for (const [key, value] of Object.entries(req.params ?? {})) params[key] = Array.isArray(value) ? value.join('/') : value;
    const url = req.originalUrl ?? req.url ?? entry.route;
    const expressReq = req as Request;
    const session = options.session ? options.session(expressReq) : undefined;
    const life = new ViewLifecycle(entry, url, params, options.logger, null);
    try {
      const navigate = await life.mount({ session, connected: false, req: expressReq });
      if (navigate && navigate.url !== url) {
        res.statusCode = 302;
        res.setHeader('Location', navigate.url);
        res.setHeader('Cache-Control', 'no-store');
        res.end();
        return;
      }
      const token = signer.sign({ route: entry.route, params: life.params, url: life.url, session, exp: this.#ctx.now() + options.tokenTtlMs });
      let scripts = false;
      const html = renderer.renderPage(entry, templateContext(life.view), () => {
        scripts = true;
        return this.scriptsTag(token);
      });
      if (!scripts) this.#noScripts(entry);
      const { connection } = options.logger;
      if (connection.enabled) connection(`${entry.name} rendered for GET ${url} (HTTP)`);
      const internals = viewInternals(life.view);
      internals.metadata.markRendered();
      internals.flash.markRendered();
      res.statusCode = 200;
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      res.setHeader('Cache-Control', 'no-store');
      res.end(html);
    } finally {
      await life.unmount();
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
