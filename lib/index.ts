export { djustLite, type DjustLite, type RouteOptions } from './http/djust-lite';
export { LiveView, type MountContext, type LiveViewClass } from './view/live-view';
export { AsyncResult, type AsyncOutcome, type AsyncValues } from './view/async-work';
export { LiveComponent, type LiveComponentClass, type ComponentId } from './view/live-component';
export { eventHandler, type EventList, type EventHandlerOptions, type ListedHandler } from './view/decorators';
export type { StandardSchemaV1, InferParams } from './core/standard-schema';
export { DjustError, type DjustErrorCode, type WireErrorCode, type DeveloperErrorCode } from './core/errors';
export type { DjustLiteOptions, SessionData } from './config/options';
export type { MountGuard, MountGuardContext, MountGuardResult, LiveSessionOptions } from './config/mount-guards';
export { MemoryPubSub, type PubSubAdapter, type Subscriber, type StreamRouter } from './pubsub/pubsub';
export type { Logger } from './core/logger';
export type { Clock } from './core/clock';
export type { TitleTemplate } from './view/title-template';
export type {
  ClientMessage, ServerMessage, EventParams, JsonValue, PageMetadataMessage, FlashMessage, ErrorMessage, PatchMessage,
  NavigateMessage, ParamsMessage, JsonObject, PushEventMessage, RedirectMessage, ParamsIssue, ReplyMessage, StreamPatch, StreamInsertOp,
} from './contract/protocol';
export {
  JS, JsCommands, type JsCommand, type JsTarget, type JsTransition, type JsToOptions, type JsTransitionOptions, type JsShowOptions,
  type JsToggleOptions, type JsDispatchOptions, type JsPushOptions, type JsNavigateOptions,
} from './render/js-commands';
export type { MetaInput, LinkInput, TitleFormatter } from './view/page-metadata';
export type { UploadOptions, UploadEntry, UploadConfig, UploadErrorCode, ExternalTarget } from './view/uploads';
export type { StreamOptions, StreamInsertOptions } from './view/streams';
export type { RegionPatch, PatchOp, Path } from './render/region';
