export { djustLite, type DjustLite, type RouteOptions } from './http/djust-lite';
export { LiveView, type MountContext, type LiveViewClass } from './view/live-view';
export { eventHandler, type EventList, type EventHandlerOptions, type ListedHandler } from './view/decorators';
export type { StandardSchemaV1, InferParams } from './core/standard-schema';
export { DjustError, type DjustErrorCode, type WireErrorCode, type DeveloperErrorCode } from './core/errors';
export type { DjustLiteOptions, SessionData } from './config/options';
export { MemoryPubSub, type PubSubAdapter, type Subscriber, type StreamRouter } from './pubsub/pubsub';
export type { Logger } from './core/logger';
export type { Clock } from './core/clock';
export type { TitleTemplate } from './view/title-template';
export type {
  ClientMessage, ServerMessage, EventParams, JsonValue, PageMetadataMessage, FlashMessage, ErrorMessage, PatchMessage,
  NavigateMessage, ParamsMessage, JsonObject, PushEventMessage, RedirectMessage, ParamsIssue, ReplyMessage,
} from './contract/protocol';
export {
  JS, JsCommands, type JsCommand, type JsTarget, type JsTransition, type JsToOptions, type JsTransitionOptions, type JsShowOptions,
  type JsToggleOptions, type JsDispatchOptions, type JsPushOptions, type JsNavigateOptions,
} from './render/js-commands';
export type { MetaInput, LinkInput, TitleFormatter } from './view/page-metadata';
export type { UploadOptions, UploadEntry, UploadConfig, UploadErrorCode, ExternalTarget } from './view/uploads';
export type { RegionPatch, PatchOp, Path } from './render/region';
