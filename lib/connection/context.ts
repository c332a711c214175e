import type { ResolvedOptions } from '../config/options';
import type { PubSub } from '../pubsub/pubsub';
import type { Renderer } from '../render/renderer';
import type { TokenSigner } from '../routes/token';
import type { RouteEntry } from '../view/lifecycle';

/** What one `djustLite()` instance gives its live connections and its HTTP render: options, renderer, token signer, pub/sub and routes. */
export interface LiveContext {
  readonly options: ResolvedOptions;
  readonly renderer: Renderer;
  readonly signer: TokenSigner;
  readonly pubsub: PubSub;
  /** Route pattern → its registered entry. */
  readonly routes: ReadonlyMap<string, RouteEntry>;
  now(): number;
}
