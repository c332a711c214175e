// @ts-check
/**
 * The attributes, classes and ids only the client reads or writes. Those the server writes too
 * (the root attribute, the flash markup, reload codes) are in ./contract.js, generated from lib/contract.ts.
 */
export const CLICK_ATTR = 'dj-click';
export const SUBMIT_ATTR = 'dj-submit';
export const CHANGE_ATTR = 'dj-change';
export const DEBOUNCE_ATTR = 'dj-debounce';
export const VALUE_ATTR_PREFIX = 'dj-value-';
export const CONNECTED_CLASS = 'dj-connected';
export const DISCONNECTED_CLASS = 'dj-disconnected';
/** Reconnect delays in ms; the last one repeats. A random 0–25% is added to each. */
export const BACKOFF_MS = [250, 500, 1000, 2000, 5000, 10000];
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
