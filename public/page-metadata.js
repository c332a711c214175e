// @ts-check
// page_metadata → <head>: synchronous (no rAF: background tabs too), text only. README "Managing the document head".
import { metaAttrFor, RESOURCE_REL_RE } from './contract.js';

/** @typedef {{ type?: string, action: string, value?: string, name?: string, content?: string, rel?: string, href?: string, remove?: boolean }} PageMetadataMessage */
/** @typedef {{ t: string, h: Record<string, string> }} HeadSnapshot  title; "m name"/"l rel" → content/href */


/** Head meta (by name= or property=) and links (by rel; never stylesheets, resource hints) with their keys. @param {Document} doc */
function tags(doc) {
  /** @type {[Element, string][]} */
  const out = [];
  for (const el of doc.head.querySelectorAll('meta,link')) {
    const meta = el.localName == 'meta';
    const id = meta ? el.getAttribute('name') ?? el.getAttribute('property') : el.getAttribute('rel')?.trim().toLowerCase().split(/\s+/).join(' ');
    if (id && (meta || !RESOURCE_REL_RE.test(id))) out.push([el, (meta ? 'm ' : 'l ') + id]);
  }
  return out;
}

/**
 * Sets (null: removes) the tag of `key`. `live`: a link also matches one rel token, and duplicates go.
 * @param {Document} doc @param {string} key @param {string | null | undefined} value @param {boolean} live
 */
function put(doc, key, value, live) {
  const [first, ...extra] = tags(doc).filter(([, k]) => k == key || (live && key[0] == 'l' && k[0] == 'l' && k.split(' ').includes(key.slice(2)))).map(([el]) => el);
  const attr = key[0] == 'm' ? 'content' : 'href';
  if (value === null) return [first, ...extra].forEach((el) => el?.remove());
  if (typeof value != 'string') return;
  if (live) extra.forEach((el) => el.remove());
  const name = key.slice(2);
  const el = first ?? doc.head.appendChild(doc.createElement(attr == 'href' ? 'link' : 'meta'));
  if (!first) el.setAttribute(attr == 'href' ? 'rel' : metaAttrFor(name), name);
  if (el.getAttribute(attr) !== value) el.setAttribute(attr, value);
}

/** @param {Document} doc @param {unknown} title @returns {boolean} changed */
const setTitle = (doc, title) => typeof title == 'string' && doc.title !== title && !!(doc.title = title);

/** Applies one message; true when the title changed. @param {Document} doc @param {PageMetadataMessage} msg */
export function applyPageMetadata(doc, msg) {
  if (msg.action == 'title') return setTitle(doc, msg.value);
  const link = msg.action == 'link';
  if (link || msg.action == 'meta') put(doc, (link ? 'l ' : 'm ') + (link ? msg.rel : msg.name), msg.remove ? null : link ? msg.href : msg.content, true);
  return false;
}

/** @param {Document} doc @returns {HeadSnapshot} */
export function snapshotHead(doc) {
  /** @type {Record<string, string>} */
  const h = {};
  for (const [el, k] of tags(doc).reverse()) h[k] = el.getAttribute(k[0] == 'm' ? 'content' : 'href') ?? '';
  return { t: doc.title, h };
}

/** Restores a snapshot (tags it lacks go); true when the title changed. @param {Document} doc @param {HeadSnapshot} snap */
export function applySnapshot(doc, snap) {
  for (const [, k] of tags(doc)) if (!(k in snap.h)) put(doc, k, null, false);
  for (const k in snap.h) put(doc, k, snap.h[k], false);
  return setTitle(doc, snap.t);
}
