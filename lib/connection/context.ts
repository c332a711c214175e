import type { Development } from '../render/development';
import type { ResolvedOptions } from '../config/options';
import type { PubSubAdapter } from '../pubsub/pubsub';
import type { Renderer } from '../render/renderer';
import type { TokenSigner } from '../routes/token';
import type { RouteEntry } from '../view/lifecycle';
import type { UploadStore } from './upload-channel';

/** What one `djustLite()` instance gives its live connections and its HTTP render: options, renderer, token signer, pub/sub and routes. */
export interface LiveContext {
  readonly options: ResolvedOptions;
  readonly renderer: Renderer;
  readonly signer: TokenSigner;
  readonly pubsub: PubSubAdapter;
  /** Development aids (lib/render/development.ts); null in production and in tests that build a context by hand. */
  readonly development?: Development | null;
  /** Route pattern → its registered entry. */
  readonly routes: ReadonlyMap<string, RouteEntry>;
  now(): number;
  /** Where uploads in flight are stored (lib/connection/upload-channel.ts); made by djustLite(). */
  readonly uploads?: UploadStore;
}
