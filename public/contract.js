// @ts-check
// generated from lib/contract/contract.ts by scripts/build-client.js — do not edit.
/** Attribute that marks the live region: `<div dj-root>`. */
export const ROOT_ATTR = 'dj-root';
/**
 * Attribute the server stamps on a LiveComponent's root element: its id on the page (its
 * `myself`), which `dj-target` names and a `patch`'s `components` address.
 */
export const COMPONENT_ATTR = 'dj-cid';
/** An element's `dj-target="{{ myself }}"` sends its events to that LiveComponent. */
export const TARGET_ATTR = 'dj-target';
/** Id of the element that holds the flash messages. */
export const FLASH_CONTAINER_ID = 'dj-flash-container';
/** Meta names written as `<meta property=…>`: Open Graph (`og:`) and Twitter (`twitter:`). */
export const PROPERTY_META_RE = /^(?:og|twitter):/;
/**
 * The attribute that names a meta tag: `property` for `og:*` / `twitter:*`, else `name`.
 *
 * @example
 * metaAttrFor('og:title'); // 'property'
 * metaAttrFor('description'); // 'name'
 * @param {string} name
 * @returns {'property' | 'name'}
 */
export function metaAttrFor(name) {
  return PROPERTY_META_RE.test(name) ? 'property' : 'name';
}
/**
 * Matches the rels of stylesheets and resource hints (in any token, any case): they load
 * resources into the page, so they belong in the template. `pageLinks` refuses them; the
 * client never snapshots or removes them.
 *
 * @example
 * RESOURCE_REL_RE.test('preload'); // true
 * RESOURCE_REL_RE.test('canonical'); // false
 */
export const RESOURCE_REL_RE = /stylesheet|preload|prefetch|preconnect|prerender/i;
/**
 * One flash message as an element: `tag`, attributes in order, and the message as text. The
 * server writes it as HTML (views/djust/flash.njk), the client builds it with the DOM; both
 * find a level's message again by `data-level`.
 *
 * @example
 * flashElement('info', 'Saved');
 * // { tag: 'div', attrs: { class: 'dj-flash dj-flash-info', role: 'alert', 'data-level': 'info' }, text: 'Saved' }
 * @param {string} level
 * @param {string} message
 * @returns {{ tag: string; attrs: Record<string, string>; text: string }}
 */
export function flashElement(level, message) {
  return { tag: 'div', attrs: { class: `dj-flash dj-flash-${level}`, role: 'alert', 'data-level': level }, text: message };
}
/**
 * The event a click on a flash message sends (`params: { level }`), as Phoenix's
 * `lv:clear-flash`: the server clears that level (no level: all), as `clearFlash(level)` would.
 * The client has removed the message already. No view handler can take this name.
 */
export const CLEAR_FLASH_EVENT = 'dj:clear-flash';
/** The default of option `handlerTimeoutMs`: how long a handler may run before its ref gets `handler_timeout`. */
export const DEFAULT_HANDLER_TIMEOUT_MS = 30_000;
/**
 * What the client waits beyond `handlerTimeoutMs` for an answer before it re-syncs the page: the
 * server's `handler_timeout` (or the answer) comes first. A page whose app changed
 * `handlerTimeoutMs` carries the sum in `data-djust-ack-ms`.
 */
export const ACK_MARGIN_MS = 5000;
/**
 * Error codes after which the client reloads the page to get a fresh token (`resume_gap` never reaches it: public/sse.js re-mounts on it).
 * @type {readonly string[]}
 */
export const RELOAD_CODES = ['bad_token', 'token_expired', 'unknown_route', 'forbidden'];
/**
 * Every server message type; over SSE each is the `event:` name of its frame.
 * @type {readonly string[]}
 */
export const SSE_EVENTS = [
  'mounted',
  'patch',
  'reply',
  'navigate',
  'redirect',
  'page_metadata',
  'flash',
  'push_event',
  'error',
  'pong',
  'dev',
  'upload',
];
