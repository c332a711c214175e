import type { JsonObject, ServerMessage } from '../contract/protocol';

/**
 * What the page showed right after one reply, before anything later (a timer, a broadcast, the
 * next event) changed it: `html` is the region as that reply and the messages that came with it
 * left it. A later push cannot race an assertion on it, as one on `view.html()` can.
 */
export interface ViewState {
  /** The live region's inner HTML. Reading it throws if a patch could not be applied (as `view.html()` does). */
  readonly html: string;
  readonly title: string | undefined;
  /** Flash messages, level → message. */
  readonly flash: Record<string, string>;
  /** The page URL (path + query). */
  readonly url: string;
}

/** What one `event()` (or `navigate()`) produced, and the page as its reply left it. */
export interface EventResult extends ViewState {
  ref: number;
  /** The handler's response: `patch` (the region changed) or `reply` (it did not). */
  response: Extract<ServerMessage, { type: 'patch' | 'reply' }>;
  /** The response, then what followed it up to the next response (navigate or redirect, page metadata, flash, push events), in order. */
  messages: ServerMessage[];
}

/** One event an element or form helper sent, as the browser client would send it. */
export interface SentEvent {
  event: string;
  params: JsonObject;
  /** The LiveComponent it went to (the element's `dj-target`), if any. */
  target?: number;
}

/**
 * What an element or form helper did: the result of the last thing it sent (most actions send
 * one event; a click on a submit button with `dj-click` sends the click then the submit; a key
 * may also reach `dj-window-*` bindings), and every event it sent, in order. A `dj-patch` link
 * sends a navigation, listed in `navigatedTo`.
 */
export interface ActionResult extends EventResult {
  sent: SentEvent[];
  /** The URL a dj-patch / dj-navigate link navigated to (live), else undefined. */
  navigatedTo: string | undefined;
}

/** What `view.advance(ms)` did: the timers it fired, the messages that came, and the page after. */
export interface AdvanceResult extends ViewState {
  /** Timers fired (each `sendAfter` counts one). */
  fired: number;
  /** Messages received during the advance, in order. */
  messages: ServerMessage[];
}

/** What `view.element()`, `view.has()` narrow a selector with: text the element contains (whitespace runs count as one space), or a RegExp its text matches. */
export type TextFilter = string | RegExp;

/** A value `view.form(selector, values)` gives a field: text, a number, an option or checkbox value, several (a multiple select, a checkbox group), or true/false for checkboxes. */
export type FieldValue = string | number | boolean | readonly (string | number)[];

/**
 * One element of the live region, found by a CSS selector (and a text filter) each time it is
 * used, as LiveViewTest's `element/3`: each action sends what the browser client sends for it
 * (public/events.js). An action rejects with a `DJUST_ERR_LIVE_TEST_ELEMENT` DjustError when
 * the selector matches no element or several, or when the action would send nothing (a click
 * on an element without `dj-click`). Made by `view.element(selector, text?)`.
 *
 * @example
 * const result = await view.element('#todos li', 'Buy milk').click();   // dj-click with its dj-value-*
 * expect(result.html).toContain('Buy milk (done)');
 */
export interface LiveElement {
  readonly selector: string;
  readonly text: TextFilter | undefined;
  /**
   * Clicks it: the `dj-click` on it or its nearest ancestor (with that element's dj-value-*);
   * a submit button of a `dj-submit` form then submits the form with itself as submitter; a
   * `dj-patch`/`dj-navigate` link without a dj-click navigates live.
   */
  click(): Promise<ActionResult>;
  /** A keydown of `key` (a `KeyboardEvent.key`, e.g. `'Enter'`): its `dj-keydown` (or an ancestor's) and every `dj-window-keydown`, each as its `dj-key` allows, with `{ key, value? }`. */
  keydown(key: string): Promise<ActionResult>;
  /** A keyup of `key`, as `keydown`. */
  keyup(key: string): Promise<ActionResult>;
  /** It gets the focus: its own `dj-focus` (else `dj-window-focus`), with `{ value }` of a field. */
  focus(): Promise<ActionResult>;
  /** It loses the focus: its own `dj-blur` (else `dj-window-blur`), with `{ value }` of a field. */
  blur(): Promise<ActionResult>;
  /** Its hook's `this.pushEvent(event, payload)`, as LiveViewTest's `render_hook`: the element must carry `dj-hook`. */
  hook(event: string, payload?: JsonObject): Promise<ActionResult>;
  /** Its HTML now (outer), as LiveViewTest's `render(element)`. Throws as the actions reject. */
  render(): string;
}

/**
 * A form of the live region with the values a user typed, as LiveViewTest's `form/3`:
 * `change()` and `submit()` send what the browser client sends (FormData order, checkboxes,
 * selects, fields joined by `form="id"`, the submitter). A name the form has no field for, an
 * option its select lacks or a hidden field given another value rejects with a
 * `DJUST_ERR_LIVE_TEST_FORM` DjustError naming the field and the fields the form has. Made by
 * `view.form(selector, values)`.
 *
 * @example
 * await view.form('#signup', { email: 'ada@example.com', plan: 'pro', terms: true }).submit();
 */
export interface LiveForm {
  readonly selector: string;
  readonly values: Readonly<Record<string, FieldValue>>;
  /**
   * The `input` event of the field named `target` (default: the last name in `values`) after
   * the values were typed: the form's `dj-change` with its params and `_target`, or the field's
   * own `dj-change` with `{ value, [name]: value }`.
   */
  change(target?: string): Promise<ActionResult>;
  /**
   * Submits it after the values were typed. With `submitter` (a selector of one of its submit
   * buttons, or one joined by `form="id"`) it is what a click on that button does: its
   * `dj-click` if it has one, then the submit with the button's name and value. Without, it is
   * `form.requestSubmit()`: no button in the params.
   */
  submit(submitter?: string): Promise<ActionResult>;
  /** The form's HTML now (outer), without the values. */
  render(): string;
}
