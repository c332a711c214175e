import type { Element } from 'domhandler';
import { DjustError } from '../core/errors';
import type { JsonObject } from '../contract/protocol';
import { fieldValue, formOwner, formParams, isDisabled, isSubmitButton, valueOf, valueParams, type BrowserAction } from './browser-params';
import { closest, openTag, type RegionDom } from './region-dom';

/**
 * The events the browser client (public/events.js, public/navigation.js) sends for one user
 * action on an element of the region, in the order it sends them. Each throws a DjustError
 * (`DJUST_ERR_LIVE_TEST_ELEMENT` / `_FORM`) when the action would send nothing, saying why.
 */

const has = (attr: string) => (el: Element): boolean => el.attribs[attr] !== undefined;
const event = (el: Element, attr: string, params: JsonObject): BrowserAction => {
  const action: BrowserAction = { kind: 'event', event: el.attribs[attr] as string, params: { ...params, ...valueParams(el) } };
  // `dj-target="{{ myself }}"`: public/client.js sends the LiveComponent's id with the event
  const target = Number(el.attribs['dj-target']);
  if (target > 0) action.target = target;
  return action;
};

function nothing(what: string, why: string, code: 'DJUST_ERR_LIVE_TEST_ELEMENT' | 'DJUST_ERR_LIVE_TEST_FORM' = 'DJUST_ERR_LIVE_TEST_ELEMENT'): never {
  throw new DjustError(code, `liveTest: ${what} sends nothing: ${why}`);
}

/**
 * A click on `el`: the `dj-click` on it or its nearest ancestor (with that element's
 * dj-value-*); then, when `el` is (inside) a submit button of a `dj-submit` form, that form's
 * submit with the button as submitter. Without a dj-click, a dj-patch / dj-navigate link (on
 * it or an ancestor) navigates live to its URL, resolved against `pageUrl`.
 */
export function clickActions(dom: RegionDom, el: Element, pageUrl: string, what: string): BrowserAction[] {
  const button = closest(el, (up) => up.name === 'button' || (up.name === 'input' && isSubmitButton(up)));
  if (button && isDisabled(button)) nothing(what, `${openTag(button)} is disabled, and a disabled button gets no click.`);
  const actions: BrowserAction[] = [];
  const clickable = closest(el, has('dj-click'));
  if (clickable) actions.push(event(clickable, 'dj-click', {}));
  const form = button && isSubmitButton(button) ? formOwner(dom, button) : null;
  if (form?.attribs['dj-submit'] !== undefined) actions.push(...submitActions(dom, form, button, what));
  if (actions.length > 0) return actions;
  const link = closest(el, (up) => has('dj-patch')(up) || has('dj-navigate')(up));
  if (link) {
    const to = link.attribs['dj-patch'] || link.attribs['dj-navigate'] || link.attribs.href || '';
    const base = new URL(pageUrl, 'http://page.invalid');
    const url = new URL(to, base);
    if (url.origin !== base.origin) nothing(what, `${openTag(link)} leads to another origin (${url.origin}); the browser loads it, no live navigation.`);
    return [{ kind: 'navigate', url: url.pathname + url.search }];
  }
  return nothing(what, form ? `its form ${openTag(form)} has no dj-submit (and no dj-click is on the button or above it).`
    : 'no dj-click on it or an ancestor, and it is no submit button of a dj-submit form nor a dj-patch/dj-navigate link.');
}

/**
 * A key event on `el`: the `dj-keydown` (or keyup) on it or its nearest ancestor, then every
 * `dj-window-keydown` element of the region, each sent only when its `dj-key` (if any) is `key`
 * (case-insensitive), with `{ key, value? }` and its dj-value-*.
 */
export function keyActions(dom: RegionDom, el: Element, type: 'keydown' | 'keyup', key: string, what: string): BrowserAction[] {
  const wants = (target: Element): boolean => {
    const want = target.attribs['dj-key'];
    return key !== '' && (!want || want.toLowerCase() === key.toLowerCase());
  };
  const own = closest(el, has(`dj-${type}`));
  const windows = dom.filter(has(`dj-window-${type}`));
  const actions: BrowserAction[] = [];
  if (own && wants(own)) actions.push(event(own, `dj-${type}`, { key, ...valueOf(dom, own) }));
  for (const target of windows) if (wants(target)) actions.push(event(target, `dj-window-${type}`, { key, ...valueOf(dom, target) }));
  if (actions.length > 0) return actions;
  const filtered = [own, ...windows].filter((t): t is Element => t !== null).map(openTag);
  return nothing(what, `${own ? '' : `no dj-${type} on it or an ancestor; `}${filtered.length > 0 ? `the key ${JSON.stringify(key)} is not the dj-key of ${filtered.join(', ')}.` : `no dj-window-${type} in the region.`}`);
}

/** Focus or blur of `el`: its own `dj-focus` / `dj-blur` (not an ancestor's, as the client reads it), else its `dj-window-focus` / `dj-window-blur`, with `{ value? }` and its dj-value-*. */
export function focusActions(dom: RegionDom, el: Element, kind: 'focus' | 'blur', what: string): BrowserAction[] {
  for (const attr of [`dj-${kind}`, `dj-window-${kind}`]) if (has(attr)(el)) return [event(el, attr, valueOf(dom, el))];
  return nothing(what, `it has no dj-${kind} (nor dj-window-${kind}); the client reads the element itself, not its ancestors.`);
}

/**
 * An `input` event on `field`: the `dj-change` on it or its nearest ancestor, else (a field
 * joined by `form="id"`) its form's. A form sends its params and `_target` (the field's name);
 * a field sends `{ value, [name]: value }`. Both add the dj-change element's dj-value-*.
 */
export function changeActions(dom: RegionDom, field: Element, what: string): BrowserAction[] {
  const owner = formOwner(dom, field);
  const el = closest(field, has('dj-change')) ?? (owner && has('dj-change')(owner) ? owner : null);
  if (!el) nothing(what, `no dj-change on the field ${openTag(field)}, an ancestor or its form.`, 'DJUST_ERR_LIVE_TEST_FORM');
  if (el.name === 'form') return [event(el, 'dj-change', { ...formParams(dom, el), _target: field.attribs.name ?? '' })];
  const name = el.attribs.name;
  const value = fieldValue(dom, el);
  return [event(el, 'dj-change', { ...valueOf(dom, el), ...(name && value !== undefined ? { [name]: value } : {}) })];
}

/** A submit of `form` (a `dj-submit` form), by `submitter` or none (`requestSubmit()`): FormData with the submitter, and the form's dj-value-*. */
export function submitActions(dom: RegionDom, form: Element, submitter: Element | null, what: string): BrowserAction[] {
  if (form.attribs['dj-submit'] === undefined) {
    throw new DjustError('DJUST_ERR_LIVE_TEST_FORM', `liveTest: ${what}: ${openTag(form)} has no dj-submit, so a submit sends nothing (and the browser would load its action as a page).`);
  }
  return [event(form, 'dj-submit', formParams(dom, form, submitter))];
}
