import type { Element } from 'domhandler';
import { DjustError } from '../core/errors';
import type { JsonObject } from '../contract/protocol';
import { changeActions, clickActions, focusActions, keyActions, submitActions } from './browser-actions';
import { fieldNames, fillForm, formOwner, isChecked, isDisabled, isSubmitButton, ownedFields, type BrowserAction } from './browser-params';
import { openTag, outerHtml, type RegionDom } from './region-dom';
import type { ActionResult, FieldValue, LiveElement, LiveForm, TextFilter } from './results';

/** What an element or form helper needs from its view. @internal */
export interface ElementHost {
  /** The region as it is now, to query. */
  dom(): RegionDom;
  /** The page URL now (dj-patch links resolve against it). */
  url(): string;
  /** Sends the actions in order; resolves with the last one's result. */
  run(actions: BrowserAction[]): Promise<ActionResult>;
}

/** `view.element()`'s LiveElement (results.ts): the element looked up at each action, the action built by browser-actions.ts. */
export class ElementHandle implements LiveElement {
  readonly selector: string;
  readonly text: TextFilter | undefined;
  readonly #host: ElementHost;

  /** @internal use `view.element()` */
  constructor(host: ElementHost, selector: string, text?: TextFilter) {
    this.#host = host;
    this.selector = selector;
    this.text = text;
  }

  click(): Promise<ActionResult> {
    return this.#act('click()', (dom, el) => clickActions(dom, el, this.#host.url(), this.#what('click()')));
  }

  keydown(key: string): Promise<ActionResult> {
    return this.#act('keydown()', (dom, el) => keyActions(dom, el, 'keydown', checkKey(key, 'keydown'), this.#what(`keydown(${JSON.stringify(key)})`)));
  }

  keyup(key: string): Promise<ActionResult> {
    return this.#act('keyup()', (dom, el) => keyActions(dom, el, 'keyup', checkKey(key, 'keyup'), this.#what(`keyup(${JSON.stringify(key)})`)));
  }

  focus(): Promise<ActionResult> {
    return this.#act('focus()', (dom, el) => focusActions(dom, el, 'focus', this.#what('focus()')));
  }

  blur(): Promise<ActionResult> {
    return this.#act('blur()', (dom, el) => focusActions(dom, el, 'blur', this.#what('blur()')));
  }

  hook(event: string, payload: JsonObject = {}): Promise<ActionResult> {
    return this.#act('hook()', (_dom, el) => {
      if (el.attribs['dj-hook'] === undefined) {
        throw new DjustError('DJUST_ERR_LIVE_TEST_ELEMENT', `liveTest: ${this.#what(`hook(${JSON.stringify(event)})`)}: ${openTag(el)} has no dj-hook, so no hook of it can push an event.`);
      }
      if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
        throw new DjustError('DJUST_ERR_LIVE_TEST_ELEMENT', `liveTest: ${this.#what('hook()')}: the payload must be an object (pushEvent's params), got ${JSON.stringify(payload)}.`);
      }
      return [{ kind: 'event', event, params: payload }];
    });
  }

  render(): string {
    return outerHtml(this.#find(this.#host.dom(), 'render()'));
  }

  #what(action: string): string {
    return `element(${JSON.stringify(this.selector)}${this.text === undefined ? '' : `, ${typeof this.text === 'string' ? JSON.stringify(this.text) : String(this.text)}`}).${action}`;
  }

  #find(dom: RegionDom, action: string): Element {
    return dom.one(this.selector, this.text, this.#what(action));
  }

  async #act(action: string, build: (dom: RegionDom, el: Element) => BrowserAction[]): Promise<ActionResult> {
    const dom = this.#host.dom();
    return this.#host.run(build(dom, this.#find(dom, action)));
  }
}

/** `view.form()`'s LiveForm (results.ts): the form looked up and filled at each action. */
export class FormHandle implements LiveForm {
  readonly selector: string;
  readonly values: Readonly<Record<string, FieldValue>>;
  readonly #host: ElementHost;

  /** @internal use `view.form()` */
  constructor(host: ElementHost, selector: string, values: Readonly<Record<string, FieldValue>>) {
    this.#host = host;
    this.selector = selector;
    this.values = values;
  }

  change(target?: string): Promise<ActionResult> {
    const name = target ?? Object.keys(this.values).pop();
    const what = this.#what(`change(${target === undefined ? '' : JSON.stringify(target)})`);
    if (name === undefined) {
      return Promise.reject(new DjustError('DJUST_ERR_LIVE_TEST_FORM', `liveTest: ${what}: name the field that changed, change('email'), or give values; it becomes _target.`));
    }
    return this.#act(what, (dom, form) => {
      const fields = ownedFields(dom, form).filter((el) => el.attribs.name === name && !isDisabled(el) && !isSubmitButton(el));
      if (fields.length === 0) {
        throw new DjustError('DJUST_ERR_LIVE_TEST_FORM', `liveTest: ${what}: the form has no field "${name}" to change; its fields: ${fieldNames(dom, form).join(', ') || '(none)'}.`);
      }
      // A radio group changes by the radio now checked.
      const field = fields.find((el) => el.attribs.type?.toLowerCase() === 'radio' && isChecked(dom, el)) ?? (fields[0] as Element);
      return changeActions(dom, field, what);
    });
  }

  submit(submitter?: string): Promise<ActionResult> {
    const what = this.#what(`submit(${submitter === undefined ? '' : JSON.stringify(submitter)})`);
    return this.#act(what, (dom, form) => {
      if (submitter === undefined) return submitActions(dom, form, null, what);
      const button = dom.one(submitter, undefined, `${what}: the submitter`);
      if (!isSubmitButton(button) || formOwner(dom, button) !== form) {
        throw new DjustError('DJUST_ERR_LIVE_TEST_ELEMENT', `liveTest: ${what}: ${openTag(button)} is not a submit button of ${openTag(form)} (a <button> of type submit or an <input type="submit|image">, inside the form or with form="its id").`);
      }
      return clickActions(dom, button, this.#host.url(), what);
    });
  }

  render(): string {
    return outerHtml(this.#host.dom().one(this.selector, undefined, this.#what('render()')));
  }

  #what(action: string): string {
    return `form(${JSON.stringify(this.selector)}).${action}`;
  }

  async #act(what: string, build: (dom: RegionDom, form: Element) => BrowserAction[]): Promise<ActionResult> {
    const dom = this.#host.dom();
    const form = dom.one(this.selector, undefined, what);
    if (form.name !== 'form') throw new DjustError('DJUST_ERR_LIVE_TEST_FORM', `liveTest: ${what}: the selector matched ${openTag(form)}, not a <form>.`);
    fillForm(dom, form, this.values, what);
    return this.#host.run(build(dom, form));
  }
}

function checkKey(key: string, action: string): string {
  if (typeof key !== 'string' || key === '') throw new DjustError('DJUST_ERR_LIVE_TEST_ELEMENT', `liveTest: ${action}(key): key must be a KeyboardEvent key such as "Enter" or "a", got ${JSON.stringify(key)}.`);
  return key;
}
