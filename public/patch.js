// @ts-check
// Region patches (docs/diff-format.md). Keeps the focused field (focus, caret, typed value)
// and the children of dj-update="ignore" and "stream"; server text goes in as text, attributes or <template> HTML.

import { STREAM, applyStreams } from './streams.js';

import { COMPONENT_ATTR } from './contract.js';

const IGNORE = '[dj-update="ignore"]';
/** Elements whose children the client keeps: ignored ones, and stream containers (but on a `mounted` / `navigate`). */
const KEEP = `${IGNORE},${STREAM}`;
/** Properties synced with their attribute, except in the focused field. @type {Record<string, string>} */
const PROPS = { value: 'INPUT', checked: 'INPUT', selected: 'OPTION' };

/** @typedef {[string, (number | string)[], ...(string | number | null)[]]} Op  a path starting with a string starts at that LiveComponent (dj-cid) */
/** @typedef {{ type?: string, html?: string, ops?: unknown[], streams?: import('./streams.js').StreamPatch[] }} Patch */

/**
 * @param {Element} root the dj-root element
 * @param {Patch} patch `{html}` replaces the content, `{ops}` patches it, then `streams` apply
 * @returns {boolean} false if an op found no node (DOM changed behind the server's back)
 * @example applyPatch(root, { ops: [['t', [0, 0], '2']] });
 */
export function applyPatch(root, patch) {
  const doc = root.ownerDocument;
  const active = doc.activeElement;
  const field = /** @type {HTMLInputElement | null} */ (active !== root && root.contains(active) ? active : null);
  /** @type {[number | null, number | null, string | null] | null} */
  let sel = null;
  try {
    if (field) sel = [field.selectionStart, field.selectionEnd, field.selectionDirection];
  } catch { /* no caret */ }
  let ok = true;
  if (typeof patch.html == 'string') {
    const next = /** @type {Element} */ (root.cloneNode(false));
    next.innerHTML = patch.html;
    // a mount (first, after a reconnect, or another view's) renders its streams afresh
    swap(root, next, field, true, /^(mounted|navigate)$/.test(patch.type ?? '') ? IGNORE : KEEP);
  } else for (const op of patch.ops ?? []) ok = run(root, /** @type {Op} */ (op), field) && ok;
  if (patch.streams) applyStreams(root, patch.streams, (old, html) => swap(old, parse(old, html), field));
  if (field?.isConnected && doc.activeElement !== field) {
    field.focus({ preventScroll: true });
    try {
      if (sel?.[0] != null) field.setSelectionRange(sel[0], sel[1], /** @type {'none'} */ (sel[2] ?? 'none'));
    } catch { /* no caret */ }
  }
  return ok;
}

/**
 * What each of `els` (elements of `root`) will be once `patch` is applied: a detached copy, or
 * null when the patch removes or replaces it. `root` is left as it is.
 * @param {Element} root @param {Patch} patch @param {Element[]} els
 * @returns {(Element | null)[]}
 * @example const [next] = preview(root, { ops }, [chart]); // next.getAttribute('data-points')
 */
export function preview(root, patch, els) {
  const html = typeof patch.html == 'string';
  const copy = /** @type {Element} */ (root.cloneNode(!html));
  if (html) {
    copy.innerHTML = /** @type {string} */ (patch.html);
    // new content replaces all but the dj-update="ignore" elements and the focused field's ancestors
    return els.map((el) => (ignored(el) || el.contains(root.ownerDocument.activeElement) ? twinOf(root, copy, el) : null));
  }
  // before the ops the copy has root's shape: each element's twin is at its path
  const twins = els.map((el) => twinOf(root, copy, el));
  for (const op of patch.ops ?? []) run(copy, /** @type {Op} */ (op), null);
  return twins.map((t) => (t && copy.contains(t) ? t : null));
}

/** @param {Node} node */
export const ignored = (node) => node.nodeType == 1 && /** @type {Element} */ (node).matches(KEEP);

/** @param {Element} root @param {Op} op @param {Element | null} field */
function run(root, [code, path, ...args], field) {
  /** @type {Node | undefined} */
  let node = root;
  for (const i of path) {
    if (ignored(node)) return true;
    // a LiveComponent's op starts at its element
    if (!(node = typeof i == 'string' ? root.querySelector(`[${COMPONENT_ATTR}="${i}"]`) ?? undefined : node.childNodes[i])) return false;
  }
  const el = /** @type {Element} */ (node);
  const kids = el.childNodes;
  const at = Number(args[0]);
  if (code == 't') node.nodeValue = String(args[0]);
  else if (code == 'a') {
    for (let i = 0; i < args.length; i += 2) {
      const name = String(args[i]);
      const value = args[i + 1];
      if (value == null) el.removeAttribute(name);
      else el.setAttribute(name, String(value));
      if (PROPS[name] == el.nodeName && !field?.contains(el)) Object.assign(el, { [name]: name == 'value' ? value ?? '' : value != null });
    }
  } else if (code == 'r') swap(el, parse(el, String(args[0])), field);
  else if (ignored(el)) return true;
  else if (code == 'd') for (let n = Number(args[1]); n--;) kids[at]?.remove();
  else if (code == 'i') {
    const ref = kids[at] ?? null;
    for (const html of args.slice(1)) el.insertBefore(parse(el, String(html)), ref);
  } else if (code == 'm') {
    for (let i = 0; i < args.length; i += 2) {
      const child = kids[Number(args[i])];
      if (!child) return false;
      el.insertBefore(el.removeChild(child), kids[Number(args[i + 1])] ?? null);
    }
  }
  // an edited <textarea> no longer shows its text: show the server's, unless the user is in it
  const area = /** @type {HTMLTextAreaElement} */ (code == 't' ? node.parentNode : el);
  if (code != 'a' && area?.nodeName == 'TEXTAREA' && area != field) area.value = area.defaultValue;
  return true;
}

/** The node `html` stands for, parsed inert. @param {Node} near @param {string} html */
function parse(near, html) {
  const t = /** @type {Document} */ (near.ownerDocument).createElement('template');
  t.innerHTML = html;
  return /** @type {Element} */ (t.content.firstChild);
}

/**
 * Puts `next` in place of `old` (root: its content), keeping old elements matching `keep` and the field.
 * @param {Element} old @param {Element} next @param {Element | null} field @param {boolean} [root] @param {string} [keep]
 */
function swap(old, next, field, root, keep = KEEP) {
  // a stream container replaced by itself: its attributes change, its children stay
  if (!root && keep == KEEP && old.matches(STREAM) && next.matches(STREAM) && old.id == next.id) return morph(old, next, old, null);
  for (const [o, n] of [...old.querySelectorAll(keep)].map((o) => [o, twinOf(old, next, o)])) {
    if (o && n && next.contains(n)) {
      morph(o, n, o, null);
      n.replaceWith(o);
    }
  }
  const twin = field && old.contains(field) ? twinOf(old, next, field) : null;
  if (root || (twin && old.nodeName == next.nodeName)) return morph(old, next, field, twin);
  if (field && twin) {
    morph(field, twin, field, null);
    twin.replaceWith(field);
  }
  old.replaceWith(next);
}

/**
 * Gives `el` the attributes and children of `src`, leaving `field` and its ancestors attached
 * where `twin` (its counterpart) has ancestors of the same names.
 * @param {Element} el @param {Element} src @param {Element | null} field @param {Element | null} twin
 */
function morph(el, src, field, twin) {
  for (const { name } of [...el.attributes]) if (!src.hasAttribute(name)) el.removeAttribute(name);
  for (const { name, value } of src.attributes) if (el.getAttribute(name) != value) el.setAttribute(name, value);
  if (el == field) {
    if (!el.matches(KEEP) && el.innerHTML != src.innerHTML) el.replaceChildren(...src.childNodes);
    return;
  }
  /** @type {Node | null} */
  let keep = field;
  /** @type {Node | null} */
  let nxt = twin;
  while (keep && keep.parentNode != el) keep = keep.parentNode;
  while (nxt && nxt.parentNode != src) nxt = nxt.parentNode;
  const kids = [...src.childNodes];
  if (keep && nxt && keep.nodeName == nxt.nodeName) {
    const i = kids.indexOf(/** @type {ChildNode} */ (nxt));
    for (const child of [...el.childNodes]) if (child != keep) child.remove();
    /** @type {Element} */ (keep).before(...kids.slice(0, i));
    /** @type {Element} */ (keep).after(...kids.slice(i + 1));
    morph(/** @type {Element} */ (keep), /** @type {Element} */ (nxt), field, twin);
  } else {
    if (keep && field && twin) {
      morph(field, twin, field, null);
      twin.replaceWith(field);
    }
    el.replaceChildren(...kids);
  }
}

/** `el`'s counterpart in `next`: same id, else same path. @param {Element} old @param {Element} next @param {Element} el */
function twinOf(old, next, el) {
  /** @type {number[]} */
  const path = [];
  for (let n = el; n != old; n = /** @type {Element} */ (n.parentNode)) path.unshift([.../** @type {Element} */ (n.parentNode).childNodes].indexOf(n));
  /** @type {Node | undefined} */
  let t = el.id ? [next, ...next.querySelectorAll('[id]')].find((e) => e.id == el.id) : next;
  if (!el.id) for (const i of path) t = t?.childNodes[i];
  return t?.nodeName == el.nodeName ? /** @type {Element} */ (t) : null;
}
