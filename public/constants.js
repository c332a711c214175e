// @ts-check
/**
 * The attributes, classes and ids only the client reads or writes. Those the server writes too
 * (the root attribute, the flash markup, reload codes) are in ./contract.js, generated from lib/contract/contract.ts.
 */
import { ACK_MARGIN_MS, DEFAULT_HANDLER_TIMEOUT_MS } from './contract.js';
export const CLICK_ATTR = 'dj-click';
export const SUBMIT_ATTR = 'dj-submit';
export const CHANGE_ATTR = 'dj-change';
/** `dj-debounce="300"` (ms after the last trigger) or `"blur"` (when the field loses focus); on any event binding. */
export const DEBOUNCE_ATTR = 'dj-debounce';
/** `dj-throttle="500"`: the first trigger now, then at most once per ms; the last one in a window at its end. */
export const THROTTLE_ATTR = 'dj-throttle';
/** The wait of a bare `dj-debounce` / `dj-throttle` (an empty value), as Phoenix's. */
export const DEFAULT_RATE_MS = 300;
/** `dj-key="Enter"`: only that key (case-insensitive) triggers the element's key bindings. */
export const KEY_ATTR = 'dj-key';
/** `dj-disable-with="Saving…"`: disabled and showing this text while its event is in flight (bare: keeps its text). */
export const DISABLE_WITH_ATTR = 'dj-disable-with';
/** `dj-window-keydown` etc.: listened to on window; the element carrying it gives the name and values. */
export const WINDOW_ATTR_PREFIX = 'dj-window-';
export const VALUE_ATTR_PREFIX = 'dj-value-';
export const CONNECTED_CLASS = 'dj-connected';
export const DISCONNECTED_CLASS = 'dj-disconnected';
/** Reconnect delays in ms; the last one repeats. A random 0–25% is added to each. */
export const BACKOFF_MS = [250, 500, 1000, 2000, 5000, 10000];
/** SSE: a POST that fails (network, 408, 429, 5xx) is tried again after each of these ms, then the transport ends. */
export const POST_RETRY_MS = [250, 1000, 3000];
/** No answer (`patch`/`reply`/`error`) to any outstanding ref for this long: re-sync (the default handlerTimeoutMs + a margin). */
export const ACK_TIMEOUT_MS = DEFAULT_HANDLER_TIMEOUT_MS + ACK_MARGIN_MS;
/** Refs sent and not yet answered, at most; further events wait in the queue until answers come. */
export const MAX_UNACKED = 64;
/** Forms opt out of recovery after a reconnect with this; `dj-recover="event"` names the event to send. */
export const NO_RECOVER_ATTR = 'dj-no-recover';
export const RECOVER_ATTR = 'dj-recover';
/** Events kept while disconnected; older ones are dropped past this. */
export const MAX_PENDING_EVENTS = 100;
/** Application-level ping interval (keeps proxies from closing an idle socket). */
export const PING_MS = 25000;
/** Live navigation: `<a href="/store?product=mug" dj-patch>` (or `dj-patch="/url"` on any element). */
export const PATCH_ATTR = 'dj-patch';
/** The visually hidden aria-live region that announces title changes. */
export const ANNOUNCER_ID = 'dj-announcer';
/** At most one title announcement per this many ms; the latest title is announced when it ends. */
export const ANNOUNCE_MS = 2000;
