// @ts-check
import { CHANGE_ATTR, CLICK_ATTR, DEBOUNCE_ATTR, SUBMIT_ATTR, VALUE_ATTR_PREFIX } from './constants.js';

/** @typedef {Record<string, unknown>} Params */

/** `dj-value-*` attributes of `el` as params (`dj-value-id="3"` → `{ id: "3" }`). @param {Element} el @returns {Params} */
export function valueParams(el) {
  /** @type {Params} */
  const params = {};
  for (const attr of el.attributes) {
    if (attr.name.startsWith(VALUE_ATTR_PREFIX)) params[attr.name.slice(VALUE_ATTR_PREFIX.length)] = attr.value;
  }
  return params;
}

/** Form fields as params; a name used twice becomes an array. Files are skipped. @param {HTMLFormElement} form @returns {Params} */
export function formParams(form) {
  /** @type {Params} */
  const params = {};
  for (const [name, value] of new FormData(form)) {
    if (typeof value !== 'string') continue;
    const prev = params[name];
    params[name] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  return params;
}

/** @param {Element} el */
function fieldValue(el) {
  const field = /** @type {HTMLInputElement} */ (el);
  if (field.type === 'checkbox' || field.type === 'radio') return field.checked ? field.value : '';
  return field.value;
}

/**
 * Wires `dj-click`, `dj-submit` and `dj-change` (on `input`, with optional `dj-debounce="ms"`) by
 * delegation on `doc`; calls `push(eventName, params)` for each.
 * @param {Document} doc @param {(event: string, params: Params) => void} push
 * @returns {() => void} removes the listeners
 */
export function bindEvents(doc, push) {
  /** @type {WeakMap<Element, ReturnType<typeof setTimeout>>} */
  const timers = new WeakMap();

  /** @param {Event} ev */
  const onClick = (ev) => {
    const el = ev.target instanceof Element ? ev.target.closest(`[${CLICK_ATTR}]`) : null;
    if (!el) return;
    ev.preventDefault();
    push(/** @type {string} */ (el.getAttribute(CLICK_ATTR)), valueParams(el));
  };
  /** @param {Event} ev */
  const onSubmit = (ev) => {
    const form = ev.target instanceof HTMLFormElement && ev.target.hasAttribute(SUBMIT_ATTR) ? ev.target : null;
    if (!form) return;
    ev.preventDefault();
    push(/** @type {string} */ (form.getAttribute(SUBMIT_ATTR)), { ...formParams(form), ...valueParams(form) });
  };
  /** @param {Event} ev */
  const onChange = (ev) => {
    if (!(ev.target instanceof Element)) return;
    const target = ev.target;
    const el = target.closest(`[${CHANGE_ATTR}]`);
    if (!el) return;
    const params = el instanceof HTMLFormElement
      ? { ...formParams(el), _target: target.getAttribute('name') ?? '' }
      : { value: fieldValue(el), ...(el.getAttribute('name') ? { [/** @type {string} */ (el.getAttribute('name'))]: fieldValue(el) } : {}) };
    const send = () => push(/** @type {string} */ (el.getAttribute(CHANGE_ATTR)), { ...params, ...valueParams(el) });
    const wait = Number(el.getAttribute(DEBOUNCE_ATTR));
    if (!(wait > 0)) return send();
    clearTimeout(timers.get(el));
    timers.set(el, setTimeout(send, wait));
  };
  doc.addEventListener('click', onClick);
  doc.addEventListener('submit', onSubmit);
  doc.addEventListener('input', onChange);
  return () => {
    doc.removeEventListener('click', onClick);
    doc.removeEventListener('submit', onSubmit);
    doc.removeEventListener('input', onChange);
  };
}
