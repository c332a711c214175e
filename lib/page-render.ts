import type { IncomingMessage, ServerResponse } from 'node:http';
import encodeUrl from 'encodeurl';
import { BUNDLE_NAME } from './assets';
import type { DispatcherContext } from './dispatcher';
import { renderErrorPage } from './environment';
import { escapeHtml } from './html';
import { ViewLifecycle, type RouteEntry } from './lifecycle';
import { templateContext, viewInternals } from './live-view';

/** The request as a live route's handler sees it (Express adds `params` and `originalUrl`). */
export type RouteRequest = IncomingMessage & { params?: Record<string, string | string[]>; originalUrl?: string };

/**
 * The HTTP render of live routes: the same lifecycle a live connection runs (mount →
 * handleParams → pushPatch chain), then the whole page with the client's script tag and the
 * signed token it connects with.
 */
export class PageRender {
  readonly #ctx: DispatcherContext;
  readonly #assetsVersion: string;

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
   * render succeeded or threw. A failure goes on to Express's `next(err)`; in development
   * (NODE_ENV=development) it is logged and answered with the djust/error.njk page instead.
   */
  async render(entry: RouteEntry, req: RouteRequest, res: ServerResponse): Promise<void> {
    try {
      await this.#render(entry, req, res);
    } catch (error) {
      if (process.env.NODE_ENV !== 'development' || res.headersSent) throw error;
      this.#ctx.options.logger.error(`djust-lite: ${entry.name}: the HTTP render of ${req.originalUrl ?? req.url ?? entry.route} failed`, error);
      const html = renderErrorPage(this.#ctx.renderer.env, { error, viewName: entry.name, template: entry.template, url: req.originalUrl ?? req.url ?? entry.route });
      res.statusCode = 500;
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      res.setHeader('Cache-Control', 'no-store');
      res.end(html);
    }
  }

  async #render(entry: RouteEntry, req: RouteRequest, res: ServerResponse): Promise<void> {
    const { options, signer, renderer } = this.#ctx;
    const params: Record<string, string> = {};
    for (const [key, value] of Object.entries(req.params ?? {})) params[key] = Array.isArray(value) ? value.join('/') : value;
    const url = req.originalUrl ?? req.url ?? entry.route;
    const session = options.session ? options.session(req) : undefined;
    const life = new ViewLifecycle(entry, url, params, options.logger, null);
    try {
      const navigate = await life.mount({ session, connected: false, req });
      if (navigate && navigate.url !== url) {
        res.statusCode = 302;
        res.setHeader('Location', encodeUrl(navigate.url)); // as Express's res.location: `/t?q=€` is not a valid header value
        res.setHeader('Cache-Control', 'no-store');
        res.end();
        return;
      }
      const now = this.#ctx.now();
      const token = signer.sign({ route: entry.route, params: life.params, url: life.url, session, iat: now, exp: now + options.tokenTtlMs });
      const html = renderer.renderPage(entry, templateContext(life.view), () => this.scriptsTag(token));
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
}
