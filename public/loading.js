// @ts-check
// What an element shows while its event is in flight: class `dj-<kind>-loading`, dj-disable-with,
// and for a submit its form's controls locked.
import { DISABLE_WITH_ATTR } from './constants.js';

/** Per element, what is held on it: key → [holders, undo]. @type {WeakMap<Element, Record<string, [number, () => void]>>} */
const held = new WeakMap();

/**
 * Does `on` to `el` for the first holder of `key`; its undo runs when the last holder releases,
 * so two overlapping events keep the state until both settle.
 * @param {Element} el @param {string} key @param {() => () => void} on @returns {() => void} release
 */
function hold(el, key, on) {
  const all = held.get(el) ?? {};
  held.set(el, all);
  const h = (all[key] ??= [0, on()]);
  h[0]++;
  return () => {
    if (--h[0]) return;
    delete all[key];
    h[1]();
  };
}

/**
 * Disables `el` and shows its dj-disable-with text (an `<input>`: as its value; bare: its text
 * stays); the undo puts back what it had, unless a patch changed the text meanwhile. @param {Element} el
 */
const disable = (el) => hold(el, DISABLE_WITH_ATTR, () => {
  const field = /** @type {HTMLInputElement} */ (el);
  const text = el.getAttribute(DISABLE_WITH_ATTR);
  const input = el.nodeName == 'INPUT';
  const [was, value, kids] = [field.disabled, field.value, [...el.childNodes]];
  if (text && input) field.value = text;
  else if (text) el.textContent = text;
  field.disabled = true;
  return () => {
    field.disabled = was;
    if (!text) return;
    if (input && field.value == text) field.value = value;
    else if (!input && el.textContent == text) el.replaceChildren(...kids);
  };
});

/**
 * A submitting form's control, until the answer: a button (and a file field) disabled, any other
 * field readonly; the undo gives it back its own earlier state. @param {Element} el
 */
const lock = (el) => hold(el, 'lock', () => {
  const name = el.matches('button,[type=submit],[type=button],[type=reset],[type=image],[type=file]') ? 'disabled' : 'readonly';
  const was = el.hasAttribute(name);
  el.setAttribute(name, '');
  return () => el.toggleAttribute(name, was);
});

/**
 * Marks `el` busy with a `kind` event (click, submit, change, keydown…) until the returned function
 * is called: class `dj-<kind>-loading`, and dj-disable-with on `el`. A submitting form's controls
 * (those outside it joined by `form=` too) carry their dj-disable-with and are locked.
 * @param {Element} el @param {string} kind @returns {() => void}
 * @example const done = loading(form, 'submit'); promise.then(done, done);
 */
export function loading(el, kind) {
  const cls = `dj-${kind}-loading`;
  const controls = kind == 'submit' ? [.../** @type {HTMLFormElement} */ (el).elements].filter((c) => c.matches('input,textarea,select,button')) : [el];
  const undo = [
    hold(el, cls, () => (el.classList.add(cls), () => el.classList.remove(cls))),
    ...controls.filter((c) => c.hasAttribute(DISABLE_WITH_ATTR)).map(disable),
    ...(kind == 'submit' ? controls.map(lock) : []),
  ];
  // last taken, first given back: each holder restores the state it found
  return () => undo.reverse().forEach((f) => f());
}
