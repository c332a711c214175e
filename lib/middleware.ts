import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import { Server as NetServer } from 'node:net';
import type { Duplex } from 'node:stream';
import { Router } from 'express';
import { BUNDLE_NAME, ClientAssets } from './assets';
import { type DispatcherContext } from './dispatcher';
import { DjustError, invalidArgument } from './errors';
import { escapeHtml } from './html';
import { routeEntry, ViewLifecycle, type RouteEntry } from './lifecycle';
import { LiveView, templateContext, viewInternals, type LiveViewClass } from './live-view';
import { checkTitleTemplate, resolveOptions, titleFormatter, type DjustLiteOptions, type ResolvedOptions } from './options';
import { PubSub } from './pubsub';
import { createEnvironment, prepareEnvironment } from './environment';
import { Renderer } from './render';
import { TokenSigner } from './token';
import { SseTransport } from './transport/sse';
import { WebSocketTransport } from './transport/websocket';

type Next = (err?: unknown) => void;

type RequestListener = (this: HttpServer | HttpsServer, req: IncomingMessage, res: ServerResponse) => void;

/**
 * Puts `take` in front of the server's request listeners (the Express app): SSE requests
 * under the prefix are answered there, before any middleware, as WebSocket upgrades are;
 * every other request goes on to the listeners as before. Express costs ~70 µs per request
 * here and keeps each held-open stream's routing state alive (~5 KB RSS per idle SSE
 * connection). A server with no request listener yet is left alone (the middleware then
 * serves SSE). Returns the function that puts the listeners back.
 */
function takeSseRequests(server: HttpServer | HttpsServer, take: (req: IncomingMessage, res: ServerResponse) => boolean): () => void {
  const listeners = server.listeners('request') as RequestListener[];
  if (listeners.length === 0) return () => {};
  const front: RequestListener = function djustLiteSse(req, res) {
    if (take(req, res)) return;
    for (const listener of listeners) listener.call(this, req, res);
  };
  server.removeAllListeners('request');
  server.on('request', front);
  return () => {
    if (!server.listeners('request').includes(front)) return;
    server.off('request', front);
    for (const listener of listeners) server.on('request', listener);
  };
}

/**
 * The middleware `djustLite()` returns: mount it with `app.use(live)`.
 */
export interface DjustLite {
  (req: IncomingMessage, res: ServerResponse, next: Next): void;
  /** Serves `ViewClass` at `path` (Express path syntax, e.g. `/store/:id`). Returns the middleware. */
  route(path: string, viewClass: LiveViewClass): DjustLite;
  /**
   * Handles WebSocket upgrades on `server`, and takes SSE requests under the prefix ahead of
   * the server's request listeners (Express middleware does not see live traffic on either
   * transport). Optional: otherwise done on the first request seen.
   */
  attach(server: HttpServer | HttpsServer): DjustLite;
  /** Delivers `message` to `handleInfo` of every view subscribed to `topic`; returns how many. */
  broadcast(topic: string, message: unknown): number;
  /** Live connections open now (WebSocket and SSE). */
  readonly connectionCount: number;
  /** Closes every live connection (views unmount) and stops timers. */
  close(): Promise<void>;
  /** The options after defaults. */
  readonly options: Readonly<ResolvedOptions>;
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

/**
 * Creates the djust-lite middleware: serves your LiveView routes as server-rendered pages, the
 * browser client under `prefix`, and the live connections (WebSocket, SSE).
 *
 * @example
 * const live = djustLite({ views: 'views' });
 * live.route('/chat', ChatView);
 * app.use(live);
 * live.attach(app.listen(3000));
 */
export function djustLite(input?: DjustLiteOptions): DjustLite {
  const options = resolveOptions(input);
  const env = options.env ? prepareEnvironment(options.env) : createEnvironment(options.views);
  const routes = new Map<string, RouteEntry>();
  let connections = 0;

  const ctx: DispatcherContext = {
    options,
    renderer: new Renderer(env, options.logger.debug),
    signer: new TokenSigner(options.secrets),
    pubsub: new PubSub(),
    routes,
    now: Date.now,
  };
  const counter = { count: () => connections, track: (delta: 1 | -1) => void (connections += delta) };
  const websocket = new WebSocketTransport(ctx, counter);
  const sse = new SseTransport(ctx, counter);
  const assets = new ClientAssets();
  const router = Router();
  const attached = new WeakSet<HttpServer | HttpsServer>();
  const { prefix } = options;
  function scriptsTag(token: string): string {
    return `<script type="module" src="${prefix}/${BUNDLE_NAME}?v=${assets.version}" data-djust-token="${escapeHtml(token)}" ` +
      `data-djust-prefix="${escapeHtml(prefix)}" data-djust-transport="${options.transport}"` +
      `${options.announceTitle ? '' : ' data-djust-announce="false"'}></script>`;
  }

  /**
   * The HTTP render of a live route: the same lifecycle a connection runs (mount →
   * handleParams → pushPatch chain), then the whole page with the signed token. A pushPatch
   * to another URL answers a redirect there. The view unmounts when the response is done,
   * whether the render succeeded or threw.
   */
  async function renderHttp(entry: RouteEntry, req: IncomingMessage & { params?: Record<string, string | string[]>; originalUrl?: string }, res: ServerResponse): Promise<void> {
    const params: Record<string, string> = {};
    for (const [key, value] of Object.entries(req.params ?? {})) params[key] = Array.isArray(value) ? value.join('/') : value;
    const url = req.originalUrl ?? req.url ?? entry.route;
    const session = options.session ? options.session(req) : undefined;
    const life = new ViewLifecycle(entry, url, params, options.logger, null);
    try {
      const navigate = await life.mount({ session, connected: false, req });
      if (navigate && navigate.url !== url) {
        // pushPatch during the HTTP render: the browser should be at that URL; send it there.
        res.statusCode = 302;
        res.setHeader('Location', navigate.url);
        res.setHeader('Cache-Control', 'no-store');
        res.end();
        return;
      }
      const token = ctx.signer.sign({ route: entry.route, params: life.params, url: life.url, session, exp: ctx.now() + options.tokenTtlMs });
      const html = ctx.renderer.renderPage(entry, templateContext(life.view), () => scriptsTag(token));
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

  function onUpgrade(this: HttpServer | HttpsServer, req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (websocket.handleUpgrade(req, socket, head)) return;
    // Not ours; if nobody else listens for upgrades, answer instead of leaving it hanging.
    if (this.listenerCount('upgrade') === 1) socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
  }

  const live = function djustLiteMiddleware(req: IncomingMessage, res: ServerResponse, next: Next): void {
    const server = (req.socket as { server?: unknown }).server;
    // http.Server and https.Server are both net.Servers that emit 'upgrade'.
    if (server instanceof NetServer) live.attach(server as HttpServer);
    if (sse.handle(req, res)) return;
    const path = (req.url ?? '/').split('?', 1)[0] as string;
    if (path.startsWith(`${prefix}/`) && (req.method === 'GET' || req.method === 'HEAD')) {
      if (assets.serve(path.slice(prefix.length + 1), req, res)) return;
    }
    router(req as never, res as never, next);
  } as DjustLite;

  live.route = (routePath, viewClass) => {
    checkRoute(routePath, viewClass);
    const template = checkTitleTemplate(viewClass.titleTemplate, `route("${routePath}", ${viewClass.name}): static titleTemplate`);
    if (routes.has(routePath)) throw new DjustError('DJUST_ERR_INVALID_ROUTE', `route("${routePath}"): a view is already registered for this path.`);
    const entry = routeEntry(routePath, viewClass, titleFormatter(template ?? options.titleTemplate, options.defaultTitle));
    routes.set(routePath, entry);
    router.get(routePath, (req, res, next) => {
      renderHttp(entry, req, res).catch(next);
    });
    return live;
  };
  live.attach = (server) => {
    if (!(server instanceof NetServer)) throw invalidArgument('attach(server)', 'server', 'an http.Server or https.Server (what app.listen() returns)', server);
    if (attached.has(server)) return live;
    attached.add(server);
    server.on('upgrade', onUpgrade);
    const restore = takeSseRequests(server, (req, res) => sse.handle(req, res));
    server.once('close', () => {
      server.off('upgrade', onUpgrade);
      restore();
    });
    return live;
  };
  live.broadcast = (topic, message) => ctx.pubsub.broadcast(topic, message);
  Object.defineProperty(live, 'connectionCount', { get: () => connections });
  Object.defineProperty(live, 'options', { value: options });
  live.close = async () => {
    websocket.close();
    await sse.close();
  };

  for (const [routePath, viewClass] of Object.entries(options.routes)) live.route(routePath, viewClass);
  return live;
}
