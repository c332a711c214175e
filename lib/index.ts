export { djustLite, type DjustLite, type RouteOptions } from './middleware';
export { LiveView, type MountContext, type LiveViewClass } from './live-view';
export { eventHandler, type EventList, type EventHandlerOptions, type ListedHandler } from './decorators';
export type { StandardSchemaV1, InferParams } from './standard-schema';
export { DjustError, type DjustErrorCode, type WireErrorCode, type DeveloperErrorCode } from './errors';
export type { DjustLiteOptions, SessionData } from './options';
export { MemoryPubSub, type PubSubAdapter, type Subscriber, type SessionRouter } from './pubsub';
export type { Logger } from './logger';
export type { Clock } from './clock';
export type { TitleTemplate } from './title-template';
export type {
  ClientMessage, ServerMessage, EventParams, JsonValue, PageMetadataMessage, FlashMessage, ErrorMessage, PatchMessage,
  NavigateMessage, ParamsMessage, JsonObject, PushEventMessage, RedirectMessage, ParamsIssue, ReplyMessage,
} from './protocol';
export type { MetaInput, LinkInput, TitleFormatter } from './page-metadata';
export type { RegionPatch, PatchOp, Path } from './region';
