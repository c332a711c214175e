// @ts-check
// After a submit's answer the form shows what the server rendered, as in Phoenix: each field takes
// the value its attributes now say (value, checked, selected; a textarea's text), focused or not.

/**
 * Sets each field of `form` (those joined by `form=` too) to the value the server rendered,
 * except the fields `keep` picks (typed in since the submit), buttons and file fields.
 * @param {HTMLFormElement} form @param {(field: Element) => boolean} keep
 * @example takeServerValues(form, (field) => typedSinceSubmit.has(field));
 */
export function takeServerValues(form, keep) {
  for (const el of form.elements) {
    const field = /** @type {HTMLInputElement} */ (el);
    if (keep(el) || /^(file|submit|button|reset|image)$/.test(field.type)) continue;
    if (el.nodeName == 'SELECT') for (const o of /** @type {HTMLSelectElement} */ (el).options) o.selected = o.defaultSelected;
    else if (/^(checkbox|radio)$/.test(field.type)) field.checked = field.defaultChecked;
    else if ('defaultValue' in field) field.value = field.defaultValue;
  }
}
