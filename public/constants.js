// @ts-check
/** Every attribute, class and id the client reads or writes. */
export const ROOT_ATTR = 'dj-root';
export const CLICK_ATTR = 'dj-click';
export const SUBMIT_ATTR = 'dj-submit';
export const CHANGE_ATTR = 'dj-change';
export const DEBOUNCE_ATTR = 'dj-debounce';
export const VALUE_ATTR_PREFIX = 'dj-value-';
export const CONNECTED_CLASS = 'dj-connected';
export const DISCONNECTED_CLASS = 'dj-disconnected';
export const FLASH_CONTAINER_ID = 'dj-flash-container';
/** Reconnect delays in ms; the last one repeats. A random 0–25% is added to each. */
export const BACKOFF_MS = [250, 500, 1000, 2000, 5000, 10000];
/** Events kept while disconnected; older ones are dropped past this. */
export const MAX_PENDING_EVENTS = 100;
/** Application-level ping interval (keeps proxies from closing an idle socket). */
export const PING_MS = 25000;
/** Error codes after which the page must be reloaded to get a fresh token. */
export const RELOAD_CODES = ['bad_token', 'token_expired', 'unknown_route', 'resume_gap'];
/** Live navigation: `<a href="/store?product=mug" dj-patch>` (or `dj-patch="/url"` on any element). */
export const PATCH_ATTR = 'dj-patch';
/** The visually hidden aria-live region that announces title changes. */
export const ANNOUNCER_ID = 'dj-announcer';
/** At most one title announcement per this many ms; the latest title is announced when it ends. */
export const ANNOUNCE_MS = 2000;
