// @ts-check
// Form recovery after a reconnect (README "Forms after a reconnect"): the values the user had in
// each recoverable form go back into the re-mounted form, and the view gets them as an event.
import { CHANGE_ATTR, NO_RECOVER_ATTR, RECOVER_ATTR, SUBMIT_ATTR } from './constants.js';
import { formParams, valueParams } from './events.js';

/** @typedef {Map<string, [string, FormDataEntryValue][]>} FormsSnapshot  form key → its fields' (name, value) pairs */

/**
 * Forms with dj-change, dj-submit or dj-recover and without dj-no-recover, by key: the form's
 * id, else its position among such forms. @param {Document} doc
 */
function recoverable(doc) {
  /** @type {Map<string, HTMLFormElement>} */
  const out = new Map();
  doc.querySelectorAll(`form[${CHANGE_ATTR}],form[${SUBMIT_ATTR}],form[${RECOVER_ATTR}]`).forEach((form, i) => {
    if (!form.hasAttribute(NO_RECOVER_ATTR)) out.set(form.id || `#${i}`, /** @type {HTMLFormElement} */ (form));
  });
  return out;
}

/** The values of every recoverable form. @param {Document} doc @returns {FormsSnapshot} */
export const snapshotForms = (doc) => new Map([...recoverable(doc)].map(([key, form]) => [key, [...new FormData(form)]]));

/**
 * Puts the snapshot's values back into the forms now in `doc` (hidden and file fields keep what
 * they have), then calls `push(event, params)` for each form with `dj-recover` (that event) or
 * `dj-change` (its change event), with all its fields and no `_target`. A form with only
 * dj-submit gets its values back and no event: submitting is the user's call.
 * @param {Document} doc @param {FormsSnapshot} snap @param {(event: string, params: Record<string, unknown>) => void} push
 */
export function recoverForms(doc, snap, push) {
  for (const [key, form] of recoverable(doc)) {
    const entries = snap.get(key);
    if (!entries) continue;
    /** @type {Record<string, FormDataEntryValue[]>} */
    const left = {};
    for (const [name, value] of entries) (left[name] ??= []).push(value);
    for (const el of form.elements) {
      const field = /** @type {HTMLInputElement} */ (el);
      const values = left[field.name] ?? [];
      if (!field.name || field.disabled || field.type == 'hidden') continue;
      if (/^(checkbox|radio)$/.test(field.type)) field.checked = values.includes(field.value);
      else if (field.localName == 'select') for (const o of /** @type {HTMLSelectElement} */ (el).options) o.selected = values.includes(o.value);
      else {
        const value = values.shift(); // a name used twice: the values in order
        if (typeof value == 'string' && field.value != value) field.value = value; // (a file's value is a File)
      }
    }
    const event = form.getAttribute(RECOVER_ATTR) || form.getAttribute(CHANGE_ATTR);
    if (event) push(event, { ...formParams(form), ...valueParams(form) });
  }
}
