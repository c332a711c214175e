import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import { Server as NetServer } from 'node:net';
import { ClientAssets } from './assets';
import { ServerAttachments } from './attach';
import { ClientAddresses } from '../transport/client-address';
import type { LiveContext } from '../connection/context';
import { UploadStore } from '../connection/upload-channel';
import { invalidArgument } from '../core/errors';
import { RouteTable, viewParams, type RouteOptions } from '../routes/route-table';
import { MountPaths, MAX_MOUNT_PATHS } from './mount-paths';
import type { LiveViewClass } from '../view/live-view';
import { resolveOptions, type DjustLiteOptions, type ResolvedOptions } from '../config/options';
import { PageRender, type RouteRequest } from './page-render';
import { MemoryPubSub } from '../pubsub/pubsub';
import { BUILTIN_VIEWS, createEnvironment, prepareEnvironment } from '../render/nunjucks';
import { Renderer } from '../render/renderer';
import { TokenSigner } from '../routes/token';
import { ConnectionLimits } from '../transport/connection-limits';
import { SseTransport } from '../transport/sse';
import { WebSocketTransport } from '../transport/websocket';
import { WriteBatch } from '../transport/write-batch';
import { READY_BUDGET_NS, Scheduler } from '../connection/scheduler';
import { Development, forgetCompiledTemplates, searchedFolders } from '../render/development';
import { isDevelopment } from '../config/options';

type Next = (err?: unknown) => void;

export type { RouteOptions };

/**
 * The middleware `djustLite()` returns: mount it with `app.use(live)`.
 */
export interface DjustLite {
  (req: IncomingMessage, res: ServerResponse, next: Next): void;
  /**
   * Serves `ViewClass` at `path` (the installed Express's path syntax, e.g. `/store/:id`, matched
   * under the app's `case sensitive routing` and `strict routing` settings, over HTTP and live
   * alike). Returns the middleware. `liveSession` groups routes the browser may navigate between
   * live (docs/view-api.md, "Live sessions"); `onMount` guards run before `mount` on the HTTP
   * render and every live mount and switch (docs/security.md, "Guarding live views").
   *
   * @example
   * live.route('/admin/:id', AdminView, { liveSession: 'admin', onMount: [requireAdmin] });
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
  const signer = new TokenSigner(options.secrets, options.tokenTtlMs);
  const routes = new RouteTable(options, signer);

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
  // One write batch for both transports of this instance: the writes of a turn leave together,
  // and the scheduler lets them go around each slice of pushes.
  const writes = new WriteBatch();
  const ctx: LiveContext = {
    options,
    renderer,
    development,
    signer,
    pubsub: options.pubsub ?? new MemoryPubSub(),
    routes,
    scheduler: new Scheduler(READY_BUDGET_NS, () => writes.flush()),
    now: Date.now,
    uploads: new UploadStore(options.uploadDir, options.logger),
  };
  ctx.uploads?.sweep(); // upload folders a crashed or killed process left behind
  const limits = new ConnectionLimits(options.maxConnections, options.maxConnectionsPerClient);
  // The app's `trust proxy` setting also decides the client address of live traffic, which
  // never passes through Express: learnt from `req.app` here, or from the server in attach().
  const addresses = new ClientAddresses();
  const websocket = new WebSocketTransport(ctx, limits, addresses, writes);
  const sse = new SseTransport(ctx, limits, addresses, writes);
  const assets = new ClientAssets();
  const pages = new PageRender(ctx, assets.version);
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
    const app = (req as { app?: unknown }).app;
    addresses.learnFrom(app);
    // Mounted with app.use('/app', live) or in a router: Express took the mount path off req.url.
    const base = (req as { baseUrl?: string }).baseUrl;
    if (base) mounts.learn(base);
    if (!sawApp) learnLocals(app);
    // `case sensitive routing` and `strict routing`, for HTTP and live matching alike.
    routes.learnSettings(app);
    if (sse.handle(req, res)) return;
    const path = (req.url ?? '/').split('?', 1)[0] as string;
    if (path.startsWith(`${prefix}/`) && (req.method === 'GET' || req.method === 'HEAD')) {
      if (assets.serve(path.slice(prefix.length + 1), req, res)) return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    let found: ReturnType<RouteTable['matchHttp']>;
    try {
      found = routes.matchHttp(path);
    } catch (err) {
      return next(err); // a param that is not valid percent-encoding: 400, as Express answers
    }
    if (found === null) return next();
    // As Express's router: the params on req.params (wildcards as arrays on Express 5).
    (req as RouteRequest).params = found.params;
    pages.render(found.entry, viewParams(found.params), req, res).catch(next);
  } as DjustLite;

  live.route = (routePath, viewClass, routeOptions) => {
    routes.add(routePath, viewClass, routeOptions);
    return live;
  };
  live.attach = (server) => {
    if (!(server instanceof NetServer)) throw invalidArgument('attach(server)', 'server', 'an http.Server or https.Server (what app.listen() returns)', server);
    // The middleware calls attach() on every request: look for the app once.
    if (!addresses.known) for (const listener of server.listeners('request')) addresses.learnFrom(listener);
    // A live render may come before any request (a browser reconnecting after a restart).
    if (!sawApp) for (const listener of server.listeners('request')) learnLocals(listener);
    for (const listener of server.listeners('request')) routes.learnSettings(listener);
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
