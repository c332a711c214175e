/**
 * A LiveContext built by hand, as djustLite() builds one, for tests that drive a Connection
 * without a server (the fixture views, a memory pub/sub, a scheduler of its own).
 */
import type { LiveContext } from '../../lib/connection/context';
import { Scheduler } from '../../lib/connection/scheduler';
import { resolveOptions, type DjustLiteOptions } from '../../lib/config/options';
import { MemoryPubSub, type PubSubAdapter } from '../../lib/pubsub/pubsub';
import { createEnvironment } from '../../lib/render/nunjucks';
import { Renderer } from '../../lib/render/renderer';
import { RouteTable } from '../../lib/routes/route-table';
import { TokenSigner } from '../../lib/routes/token';
import { FIXTURE_VIEWS } from './server';

/** `options` over the fixture views; `now` (default Date.now) and `pubsub` (default a new MemoryPubSub) as given. */
export function liveContext(options: DjustLiteOptions = {}, parts: { now?: () => number; pubsub?: PubSubAdapter } = {}): LiveContext {
  const resolved = resolveOptions({ views: FIXTURE_VIEWS, ...options });
  const signer = new TokenSigner(resolved.secrets, resolved.tokenTtlMs);
  return {
    options: resolved,
    renderer: new Renderer(createEnvironment(FIXTURE_VIEWS)),
    signer,
    pubsub: parts.pubsub ?? new MemoryPubSub(),
    scheduler: new Scheduler(),
    routes: new RouteTable(resolved, signer),
    now: parts.now ?? Date.now,
  };
}

/** The `mount` frame for `route` (no params), signed by the context's signer, valid a minute from its `now()`. */
export function mountFrame(ctx: LiveContext, route: string): string {
  return JSON.stringify({ type: 'mount', token: ctx.signer.sign({ route, params: {}, url: route, exp: ctx.now() + 60_000 }) });
}
