export { djustLite, type DjustLite } from './middleware';
export { LiveView, type MountContext, type LiveViewClass } from './live-view';
export { eventHandler } from './decorators';
export { DjustError, type DjustErrorCode, type WireErrorCode, type DeveloperErrorCode } from './errors';
export type { DjustLiteOptions, Logger, TitleTemplate } from './options';
export type {
  ClientMessage, ServerMessage, EventParams, JsonValue, PageMetadataMessage, FlashMessage, ErrorMessage, PatchMessage,
} from './protocol';
export type { MetaInput } from './page-metadata';
