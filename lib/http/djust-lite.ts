import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import { Server as NetServer } from 'node:net';
import { Router } from 'express';
import { ClientAssets } from './assets';
import { ServerAttachments } from './attach';
import { ClientAddresses } from '../transport/client-address';
import { handlersOf } from '../view/decorators';
import type { LiveContext } from '../connection/context';
import { UploadStore } from '../connection/upload-channel';
import { DjustError, invalidArgument, misuse } from '../core/errors';
import { routeEntry, type RouteEntry } from '../view/lifecycle';
import { MountPaths, MAX_MOUNT_PATHS } from './mount-paths';
import { LiveView, type LiveViewClass } from '../view/live-view';
import { resolveOptions, type DjustLiteOptions, type ResolvedOptions } from '../config/options';
import { checkTitleTemplate, titleFormatter } from '../view/title-template';
import { PageRender } from './page-render';
import { MemoryPubSub } from '../pubsub/pubsub';
import { BUILTIN_VIEWS, createEnvironment, prepareEnvironment } from '../render/nunjucks';
import { Renderer } from '../render/renderer';
import { TokenSigner } from '../routes/token';
import { ConnectionLimits } from '../transport/connection-limits';
import { SseTransport } from '../transport/sse';
import { WebSocketTransport } from '../transport/websocket';
import { Development, forgetCompiledTemplates, searchedFolders } from '../render/development';
import { isDevelopment } from '../config/options';

type Next = (err?: unknown) => void;

/**
 * The middleware `djustLite()` returns: mount it with `app.use(live)`.
 */
export interface DjustLite {
  (req: IncomingMessage, res: ServerResponse, next: Next): void;
  /**
   * Serves `ViewClass` at `path` (Express path syntax, e.g. `/store/:id`). Returns the middleware.
   * `liveSession` groups routes the browser may navigate between live (docs/view-api.md, "Live sessions").
   */
  route(path: string, viewClass: LiveViewClass, options?: RouteOptions): DjustLite;
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
  /** Closes every live connection (views unmount), stops timers and closes the `pubsub` adapter. */
  close(): Promise<void>;
  /** The options after defaults. */
  readonly options: Readonly<ResolvedOptions>;
}

/** The third argument of `live.route(path, View, options)`. */
export interface RouteOptions {
  /**
   * A name shared by routes whose pages the browser may switch between without a page load on
   * its own — `dj-navigate` links, back/forward — as Phoenix's `live_session`. Express middleware
   * in front of a route does not run for such a switch (nor for a server's `pushNavigate`): a
   * view that needs an access check makes it in `mount` from `ctx.session`.
   */
  liveSession?: string;
}

function checkRouteOptions(path: string, options: unknown): RouteOptions {
  if (options === undefined) return {};
  const where = `route("${path}", View, options)`;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) throw invalidArgument(where, 'options', 'an object such as { liveSession: "app" }', options);
  for (const key of Object.keys(options)) {
    if (key !== 'liveSession') throw misuse(`${where}: unknown option "${key}"; the only route option is liveSession.`);
  }
  const { liveSession } = options as RouteOptions;
  if (liveSession !== undefined && (typeof liveSession !== 'string' || liveSession === '')) {
    throw invalidArgument(where, 'liveSession', 'a non-empty string naming the group of routes the browser may navigate between live', liveSession);
  }
  return { liveSession };
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

/** What Express's default router compares: no trailing slash, lower case. */
function matchKey(routePath: string): string {
  return (routePath.length > 1 ? routePath.replace(/\/+$/, '') || '/' : routePath).toLowerCase();
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
// Longer than 60 lines on purpose: it only wires the pieces together, and the middleware,
// route(), attach() and close() share their state through this one closure.
export function djustLite(input?: DjustLiteOptions): DjustLite {
  const options = resolveOptions(input);
  const env = options.env ? prepareEnvironment(options.env) : createEnvironment(options.views);
  const routes = new Map<string, RouteEntry>();
  /** matchKey(path) → the path registered, for the duplicate check. */
  const takenPaths = new Map<string, string>();

  // Development only: the whole-page notice and, unless liveReload is false, template reloads.
  const development = isDevelopment() ? new Development(options.logger) : null;
  const renderer = new Renderer(env, options.logger.render, development ?? undefined);
  if (development && options.liveReload) {
    const folders = options.env ? searchedFolders(env).filter((folder) => folder !== BUILTIN_VIEWS) : [options.views];
    development.watch(folders, () => {
      forgetCompiledTemplates(env);
      renderer.forgetTemplates();
    });
  }
  const ctx: LiveContext = {
    options,
    renderer,
    development,
    signer: new TokenSigner(options.secrets, options.tokenTtlMs),
    pubsub: options.pubsub ?? new MemoryPubSub(),
    routes,
    now: Date.now,
    uploads: new UploadStore(options.uploadDir, options.logger),
  };
  ctx.uploads?.sweep(); // upload folders a crashed or killed process left behind
  const limits = new ConnectionLimits(options.maxConnections, options.maxConnectionsPerClient);
  // The app's `trust proxy` setting also decides the client address of live traffic, which
  // never passes through Express: learnt from `req.app` here, or from the server in attach().
  const addresses = new ClientAddresses();
  const websocket = new WebSocketTransport(ctx, limits, addresses);
  const sse = new SseTransport(ctx, limits, addresses);
  const assets = new ClientAssets();
  const pages = new PageRender(ctx, assets.version);
  const router = Router();
  const { prefix } = options;
  const mounts = new MountPaths(prefix, () => options.logger.warn(
    `djust-lite: mounted under more than ${MAX_MOUNT_PATHS} paths (a parameter in the mount path?); WebSocket and SSE under the others pass through Express or are refused.`,
  ));
  const servers = new ServerAttachments(websocket, sse, mounts);
  let sawApp = false;
  /** app.locals in every template context (the object itself: later changes show), from the first Express app seen. */
  const learnLocals = (app: unknown): void => {
    const locals = typeof app === 'function' ? (app as { locals?: unknown }).locals : undefined;
    if (typeof locals !== 'object' || locals === null) return;
    sawApp = true;
    ctx.renderer.locals = locals as Record<string, unknown>;
  };

  const live = function djustLiteMiddleware(req: IncomingMessage, res: ServerResponse, next: Next): void {
    const server = (req.socket as { server?: unknown }).server;
    // http.Server and https.Server are both net.Servers that emit 'upgrade'.
    if (server instanceof NetServer) live.attach(server as HttpServer);
    addresses.learnFrom((req as { app?: unknown }).app);
    // Mounted with app.use('/app', live) or in a router: Express took the mount path off req.url.
    const base = (req as { baseUrl?: string }).baseUrl;
    if (base) mounts.learn(base);
    if (!sawApp) learnLocals((req as { app?: unknown }).app);
    if (sse.handle(req, res)) return;
    const path = (req.url ?? '/').split('?', 1)[0] as string;
    if (path.startsWith(`${prefix}/`) && (req.method === 'GET' || req.method === 'HEAD')) {
      if (assets.serve(path.slice(prefix.length + 1), req, res)) return;
    }
    router(req as never, res as never, next);
  } as DjustLite;

  live.route = (routePath, viewClass, routeOptions) => {
    checkRoute(routePath, viewClass);
    const { liveSession } = checkRouteOptions(routePath, routeOptions);
    const template = checkTitleTemplate(viewClass.titleTemplate, `route("${routePath}", ${viewClass.name}): static titleTemplate`);
    // Express matches "/ok", "/ok/" and "/OK" alike (strict and caseSensitive are off by default).
    const key = matchKey(routePath);
    const taken = takenPaths.get(key);
    if (taken !== undefined) {
      const same = taken === routePath ? 'this path' : `"${taken}", which Express matches the same (trailing slash and letter case are ignored)`;
      throw new DjustError('DJUST_ERR_INVALID_ROUTE', `route("${routePath}"): a view is already registered for ${same}.`);
    }
    handlersOf(viewClass); // a malformed `static events` throws now, not on the first event
    takenPaths.set(key, routePath);
    const entry = routeEntry(routePath, viewClass, titleFormatter(template ?? options.titleTemplate, options.defaultTitle), liveSession);
    routes.set(routePath, entry);
    router.get(routePath, (req, res, next) => {
      pages.render(entry, req, res).catch(next);
    });
    return live;
  };
  live.attach = (server) => {
    if (!(server instanceof NetServer)) throw invalidArgument('attach(server)', 'server', 'an http.Server or https.Server (what app.listen() returns)', server);
    // The middleware calls attach() on every request: look for the app once.
    if (!addresses.known) for (const listener of server.listeners('request')) addresses.learnFrom(listener);
    // A live render may come before any request (a browser reconnecting after a restart).
    if (!sawApp) for (const listener of server.listeners('request')) learnLocals(listener);
    servers.attach(server);
    return live;
  };
  live.broadcast = (topic, message) => ctx.pubsub.broadcast(topic, message);
  Object.defineProperty(live, 'connectionCount', { get: () => limits.count });
  Object.defineProperty(live, 'options', { value: options });
  live.close = async () => {
    development?.close();
    websocket.close();
    await sse.close();
    await ctx.pubsub.close();
    ctx.uploads?.close();
  };

  for (const [routePath, viewClass] of Object.entries(options.routes)) live.route(routePath, viewClass);
  return live;
}
