// @ts-check
/**
 * Applies `page_metadata` messages to the document head, synchronously (never via
 * requestAnimationFrame: background tabs pause it, and they are where "Inbox (3)" matters).
 * Values are text: document.title and setAttribute only.
 */

/** @param {string} name */
export function metaAttrFor(name) {
  return name.startsWith('og:') || name.startsWith('twitter:') ? 'property' : 'name';
}

/**
 * Every `<meta>` in the head for `name`, whether written with `name=` or `property=`.
 * @param {Document} doc @param {string} name
 * @returns {HTMLMetaElement[]}
 */
export function findMeta(doc, name) {
  /** @type {HTMLMetaElement[]} */
  const found = [];
  for (const el of doc.head.querySelectorAll('meta')) {
    if (el.getAttribute('name') === name || el.getAttribute('property') === name) found.push(el);
  }
  return found;
}

/**
 * @typedef {{ type: 'page_metadata', action: 'title', value: string }
 *   | { type: 'page_metadata', action: 'meta', name: string, content?: string, remove?: boolean }} PageMetadataMessage
 */

/** @param {Document} doc @param {PageMetadataMessage} msg */
export function applyPageMetadata(doc, msg) {
  if (msg.action === 'title') {
    if (typeof msg.value === 'string' && doc.title !== msg.value) doc.title = msg.value;
    return;
  }
  if (msg.action !== 'meta' || typeof msg.name !== 'string') return;
  const [first, ...extra] = findMeta(doc, msg.name);
  for (const el of extra) el.remove();
  if (msg.remove) {
    first?.remove();
    return;
  }
  if (typeof msg.content !== 'string') return;
  if (first) {
    if (first.getAttribute('content') !== msg.content) first.setAttribute('content', msg.content);
    return;
  }
  const el = doc.createElement('meta');
  el.setAttribute(metaAttrFor(msg.name), msg.name);
  el.setAttribute('content', msg.content);
  doc.head.appendChild(el);
}
