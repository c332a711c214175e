import type { Development } from '../render/development';
import type { ResolvedOptions } from '../config/options';
import type { PubSubAdapter } from '../pubsub/pubsub';
import type { Renderer } from '../render/renderer';
import type { TokenSigner } from '../routes/token';
import type { RouteTable } from '../routes/route-table';
import type { Scheduler } from './scheduler';
import type { UploadStore } from './upload-channel';

/** What one `djustLite()` instance gives its live connections and its HTTP render: options, renderer, token signer, pub/sub, scheduler and routes. */
export interface LiveContext {
  readonly options: ResolvedOptions;
  readonly renderer: Renderer;
  readonly signer: TokenSigner;
  readonly pubsub: PubSubAdapter;
  /** The turns this instance's connections resume on (pushes, queues cut short): one per instance, never shared. */
  readonly scheduler: Scheduler;
  /** Development aids (lib/render/development.ts); null in production and in tests that build a context by hand. */
  readonly development?: Development | null;
  /** The instance's routes: matching, live sessions, mount guards, tokens (lib/routes/route-table.ts). */
  readonly routes: RouteTable;
  now(): number;
  /** Where uploads in flight are stored (lib/connection/upload-channel.ts); made by djustLite(). */
  readonly uploads?: UploadStore;
}
