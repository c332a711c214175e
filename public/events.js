// @ts-check
import { CHANGE_ATTR, CLICK_ATTR, DEBOUNCE_ATTR, KEY_ATTR, SUBMIT_ATTR, THROTTLE_ATTR, VALUE_ATTR_PREFIX, WINDOW_ATTR_PREFIX } from './constants.js';
import { takeServerValues } from './form-values.js';
import { loading } from './loading.js';
import { limiter } from './rate.js';

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

/**
 * Form fields as params (those outside it joined by `form=` too), with the named button that
 * submitted it as the browser would send it; a name used twice becomes an array. Files are skipped.
 * @param {HTMLFormElement} form @param {HTMLElement | null} [submitter] @returns {Params}
 */
export function formParams(form, submitter = null) {
  /** @type {Params} */
  const params = {};
  for (const [name, value] of new FormData(form, submitter)) {
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

/** A field's `{ value }`, else `{}`. @param {Element} el @returns {Params} */
const valueOf = (el) => (el.matches('input,select,textarea') ? { value: fieldValue(el) } : {});

/** The element carrying `attr` at or above the event's target. @param {Event} ev @param {string} attr */
const closest = (ev, attr) => (ev.target instanceof Element ? ev.target.closest(`[${attr}]`) : null);

/**
 * Wires the event bindings by delegation on `doc` (and window for `dj-window-*`): `dj-click`,
 * `dj-submit`, `dj-change` (on `input`), `dj-keydown`/`dj-keyup` (with `dj-key`), `dj-focus`/`dj-blur`,
 * their `dj-window-*` forms, each with `dj-debounce`/`dj-throttle`. Calls `push(event, params)`;
 * while the promise it may return is pending the element carries `dj-<kind>-loading` and dj-disable-with.
 * @param {Document} doc @param {(event: string, params: Params, el: Element) => unknown} push  `el`: the element carrying the binding
 * @returns {() => void} removes the listeners and drops held calls
 * @example const unbind = bindEvents(document, (event, params) => client.pushEvent(event, params));
 */
// Over 60 lines: one closure holds every binding's listener, so unbind() can remove them all.
export function bindEvents(doc, push) {
  const rate = limiter();
  /** @type {(() => void)[]} */
  const offs = [];
  /** @param {EventTarget | null} target @param {string} type @param {(ev: KeyboardEvent & SubmitEvent) => void} fn */
  const on = (target, type, fn) => {
    const listener = /** @type {EventListener} */ (fn);
    target?.addEventListener(type, listener);
    offs.push(() => target?.removeEventListener(type, listener));
  };

  /** Per field, the `input` count at its last input: which fields were typed in since a submit. @type {WeakMap<EventTarget, number>} */
  const typed = new WeakMap();
  let inputs = 0;

  /**
   * Sends `el`'s `attr` event with `params()` and its dj-value-*; `el` shows it loading until the
   * answer. @param {Element} el @param {string} attr @param {() => Params} params
   */
  const send = (el, attr, params) => {
    const p = /** @type {Promise<unknown> | undefined} */ (push(/** @type {string} */ (el.getAttribute(attr)), { ...params(), ...valueParams(el) }, el));
    if (typeof p?.then != 'function') return;
    const done = loading(el, attr.replace(/^dj-(window-)?/, ''));
    p.then(done, done);
    return p;
  };

  /**
   * {@link send}, now or as dj-debounce/dj-throttle on `by` say (`params()` is read when it goes:
   * a held call sends the form as it is then); `tag`: a key binding's key.
   * @param {Element} el @param {string} attr @param {() => Params} params @param {Element} [by] @param {string} [tag]
   */
  const fire = (el, attr, params, by = el, tag) => rate.run(by, attr, () => void send(el, attr, params), tag);

  /** Key, focus and blur bindings: `{ key?, value? }`; a key event passes only `dj-key`'s key. @param {string} attr @param {Iterable<Element | null>} els @param {KeyboardEvent} ev */
  const fireAll = (attr, els, ev) => {
    for (const el of els) {
      const want = el?.getAttribute(KEY_ATTR);
      if (!el || /key/.test(attr) && (!ev.key || want && want.toLowerCase() != ev.key.toLowerCase())) continue;
      fire(el, attr, () => ({ ...(ev.key && { key: ev.key }), ...valueOf(el) }), el, ev.key);
    }
  };

  on(doc, 'click', (ev) => {
    const el = closest(ev, CLICK_ATTR);
    if (!el) return;
    // as Phoenix: the click keeps its default (a checkbox toggles, a submit button submits) but on href="#"
    if (el.getAttribute('href') == '#') ev.preventDefault();
    fire(el, CLICK_ATTR, () => ({}));
  });
  on(doc, 'submit', (ev) => {
    const form = ev.target instanceof HTMLFormElement && ev.target.hasAttribute(SUBMIT_ATTR) ? ev.target : null;
    if (!form) return;
    ev.preventDefault();
    // The server sees the form's last change before the submit. A form's dj-debounce is for its
    // changes: the submit goes now (held until blur, Enter in a field would send nothing).
    rate.flush((w) => w.key == CHANGE_ATTR && (form.contains(w.el) || /** @type {HTMLInputElement} */ (w.el).form == form));
    const since = inputs;
    // After the answer the server's values win, but in a field typed in since (form-values.js).
    send(form, SUBMIT_ATTR, () => formParams(form, ev.submitter))?.then(() => takeServerValues(form, (f) => (typed.get(f) ?? 0) > since), () => {});
  });
  on(doc, 'input', (ev) => {
    const target = /** @type {HTMLInputElement} */ (ev.target);
    typed.set(target, ++inputs);
    // a field's own dj-change, else its form's (also from outside it, by `form=`)
    const el = !target.hasAttribute(CHANGE_ATTR) && target.form?.hasAttribute(CHANGE_ATTR) ? target.form : closest(ev, CHANGE_ATTR);
    if (!el) return;
    const name = el.getAttribute('name');
    const params = () => el instanceof HTMLFormElement
      ? { ...formParams(el), _target: target.getAttribute('name') ?? '' }
      : { ...valueOf(el), ...(name && { [name]: fieldValue(el) }) };
    // a form's field may carry its own dj-debounce / dj-throttle
    fire(el, CHANGE_ATTR, params, target.matches(`[${DEBOUNCE_ATTR}],[${THROTTLE_ATTR}]`) ? target : el);
  });
  for (const type of ['keydown', 'keyup']) {
    on(doc, type, (ev) => fireAll(`dj-${type}`, [closest(ev, `dj-${type}`)], ev));
    on(doc.defaultView, type, (ev) => fireAll(WINDOW_ATTR_PREFIX + type, doc.querySelectorAll(`[${WINDOW_ATTR_PREFIX}${type}]`), ev));
  }
  for (const [type, kind] of /** @type {const} */ ([['focusin', 'focus'], ['focusout', 'blur']])) {
    on(doc, type, (ev) => {
      const el = /** @type {Element} */ (ev.target);
      // losing focus sends a field's held call (dj-debounce) and ends its dj-throttle window
      if (kind == 'blur') rate.flush((w) => w.el.contains(el));
      fireAll(`dj-${kind}`, [el.hasAttribute?.(`dj-${kind}`) ? el : null], ev);
    });
    on(doc.defaultView, kind, (ev) => fireAll(WINDOW_ATTR_PREFIX + kind, doc.querySelectorAll(`[${WINDOW_ATTR_PREFIX}${kind}]`), ev));
  }
  return () => {
    offs.forEach((off) => off());
    rate.stop();
  };
}
