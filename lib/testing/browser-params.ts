// Over 300 lines on purpose: the browser's form rules (which fields a form owns, each input
// type's value, FormData's entry list) and the client's event bindings (public/events.js) are
// one model, kept whole so __tests__/testing/browser-params-parity.test.ts compares it to both.
import type { Element } from 'domhandler';
import { DomUtils, parseDocument } from 'htmlparser2';
import { DjustError } from '../core/errors';
import type { JsonObject } from '../contract/protocol';
import { closest, openTag, type RegionDom } from './region-dom';
import type { FieldValue } from './results';

/**
 * What the browser client (public/events.js) sends for one user action, rebuilt from the
 * region's HTML without a DOM: dj-value-*, FormData's entries (with the clicked submitter and
 * `form="id"` fields), `_target`, key and focus bindings. Each function answers the events the
 * client would push, in order, or a live navigation (a dj-patch / dj-navigate link).
 */

/** One thing the client does for an action: push an event, or navigate live (a `params` frame). */
/** `target`: the LiveComponent of the element's `dj-target`, as the client sends it. */
export type BrowserAction = { kind: 'event'; event: string; params: JsonObject; target?: number } | { kind: 'navigate'; url: string };


const VALUE_PREFIX = 'dj-value-';
const INPUT_TYPES = new Set('hidden text search tel url email password date month week time datetime-local number range color checkbox radio file submit image reset button'.split(' '));
const BUTTON_INPUTS = new Set(['submit', 'image', 'reset', 'button']);
const ASCII_SPACE = /^[\t\n\f\r ]+|[\t\n\f\r ]+$/g;

// ---- reading fields as the DOM does ---------------------------------------------------------

/** `dj-value-*` attributes as params, in attribute order (events.js valueParams). */
export function valueParams(el: Element): JsonObject {
  const params: JsonObject = {};
  for (const [name, value] of Object.entries(el.attribs)) if (name.startsWith(VALUE_PREFIX)) params[name.slice(VALUE_PREFIX.length)] = value;
  return params;
}

/** An input's type state: its `type` attribute lower-cased, `text` when missing or unknown. */
export function inputType(el: Element): string {
  const type = (el.attribs.type ?? '').toLowerCase();
  return INPUT_TYPES.has(type) ? type : 'text';
}

const isField = (el: Element): boolean => el.name === 'input' || el.name === 'select' || el.name === 'textarea';
const isSubmittable = (el: Element): boolean => isField(el) || el.name === 'button';
const isButton = (el: Element): boolean => el.name === 'button' || (el.name === 'input' && BUTTON_INPUTS.has(inputType(el)));
const isCheckable = (el: Element): boolean => el.name === 'input' && (inputType(el) === 'checkbox' || inputType(el) === 'radio');
const parentElement = (el: Element): Element | null => (el.parent && DomUtils.isTag(el.parent) ? el.parent : null);

/** A button that submits its form when clicked: `<button>` (type submit, the default) or `<input type=submit|image>`. */
export function isSubmitButton(el: Element): boolean {
  if (el.name === 'button') return !['reset', 'button'].includes((el.attribs.type ?? '').toLowerCase());
  return el.name === 'input' && (inputType(el) === 'submit' || inputType(el) === 'image');
}

/** Disabled itself, or inside a disabled fieldset (outside that fieldset's first legend). */
export function isDisabled(el: Element): boolean {
  if (el.attribs.disabled !== undefined) return true;
  for (let up = parentElement(el), child = el; up; child = up, up = parentElement(up)) {
    if (up.name !== 'fieldset' || up.attribs.disabled === undefined) continue;
    const legend = up.children.find((c): c is Element => DomUtils.isTag(c) && c.name === 'legend');
    if (child !== legend) return true;
  }
  return false;
}

/** The form a field belongs to: the one its `form="id"` names (null if that is no form), else its nearest form ancestor. */
export function formOwner(dom: RegionDom, el: Element): Element | null {
  if (el.attribs.form !== undefined) {
    const named = dom.byId(el.attribs.form);
    return named?.name === 'form' ? named : null;
  }
  const parent = parentElement(el);
  return parent ? closest(parent, (up) => up.name === 'form') : null;
}

/** A checkbox's or radio's checkedness: its `checked` attribute; of a radio group, the last one checked. */
export function isChecked(dom: RegionDom, el: Element): boolean {
  if (el.attribs.checked === undefined) return false;
  if (inputType(el) !== 'radio' || !el.attribs.name) return true;
  const group = radioGroup(dom, el);
  return group.filter((r) => r.attribs.checked !== undefined).pop() === el;
}

function radioGroup(dom: RegionDom, el: Element): Element[] {
  const owner = formOwner(dom, el);
  return dom.filter((r) => r.name === 'input' && inputType(r) === 'radio' && r.attribs.name === el.attribs.name && formOwner(dom, r) === owner);
}

/** A select's options: its option children and those of its optgroup children. */
function optionsOf(select: Element): Element[] {
  const out: Element[] = [];
  for (const child of select.children) {
    if (!DomUtils.isTag(child)) continue;
    if (child.name === 'option') out.push(child);
    else if (child.name === 'optgroup') for (const c of child.children) if (DomUtils.isTag(c) && c.name === 'option') out.push(c);
  }
  return out;
}

const optionValue = (opt: Element): string => opt.attribs.value ?? DomUtils.textContent(opt).replace(/[\t\n\f\r ]+/g, ' ').replace(ASCII_SPACE, '');
const optionDisabled = (opt: Element): boolean => opt.attribs.disabled !== undefined || (parentElement(opt)?.name === 'optgroup' && parentElement(opt)?.attribs.disabled !== undefined);

/** Selected options: those with `selected` (a single select: the last of them, else its first enabled option unless `size` > 1). */
function selectedOptions(select: Element): Element[] {
  const options = optionsOf(select);
  const marked = options.filter((o) => o.attribs.selected !== undefined);
  if (select.attribs.multiple !== undefined) return marked;
  if (marked.length > 0) return [marked[marked.length - 1] as Element];
  if (Number(select.attribs.size) > 1) return [];
  const first = options.find((o) => !optionDisabled(o));
  return first ? [first] : [];
}

/** Textareas a fill typed into → their value (a textarea's markup is its default value only). */
const typed = new WeakMap<Element, string>();

/** A textarea's value: what a fill typed, else its text with entities decoded, the parser's one leading newline dropped, CR LF as LF. */
function textareaValue(el: Element): string {
  const value = typed.get(el);
  if (value !== undefined) return value;
  const raw = DomUtils.textContent(el);
  // htmlparser2 keeps a textarea's text raw; a <title> is read as the browser reads a textarea (entities decoded).
  const text = /<\/title/i.test(raw) ? raw : DomUtils.textContent(parseDocument(`<title>${raw}</title>`));
  return text.replace(/^\r?\n/, '').replace(/\r\n?/g, '\n');
}

/** `el.value` as the DOM answers it (undefined for an element that is not a field). */
export function domValue(el: Element): string | undefined {
  if (el.name === 'select') return selectedOptions(el).map(optionValue)[0] ?? '';
  if (el.name === 'textarea') return textareaValue(el);
  if (el.name === 'button') return el.attribs.value ?? '';
  if (el.name !== 'input') return undefined;
  const type = inputType(el);
  if (type === 'checkbox' || type === 'radio') return el.attribs.value ?? 'on';
  if (type === 'file') return '';
  return sanitize(type, el.attribs.value ?? '', el);
}

/** events.js fieldValue: a checkbox or radio gives its value when checked, else ''. */
export function fieldValue(dom: RegionDom, el: Element): string | undefined {
  if (isCheckable(el)) return isChecked(dom, el) ? (el.attribs.value ?? 'on') : '';
  return domValue(el);
}

/** events.js valueOf: `{ value }` of a field, `{}` of anything else. */
export function valueOf(dom: RegionDom, el: Element): JsonObject {
  return isField(el) ? { value: fieldValue(dom, el) ?? '' } : {};
}

// ---- each input type's value sanitisation (HTML "value sanitization algorithm") --------------

const FLOAT = /^-?(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const parseFloatStrict = (v: string | undefined): number | null => (v !== undefined && FLOAT.test(v) && Number.isFinite(Number(v)) ? Number(v) : null);
const daysIn = (year: number, month: number): number => new Date(Date.UTC(year, month, 0)).getUTCDate();

function validDate(v: string): boolean {
  const m = /^(\d{4,})-(\d{2})-(\d{2})$/.exec(v);
  return !!m && Number(m[1]) > 0 && Number(m[2]) >= 1 && Number(m[2]) <= 12 && Number(m[3]) >= 1 && Number(m[3]) <= daysIn(Number(m[1]), Number(m[2]));
}

/** A valid time as [hours, minutes, seconds, fraction digits], else null. */
function parseTime(v: string): [number, number, number, string] | null {
  const m = /^(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?$/.exec(v);
  if (!m || Number(m[1]) > 23 || Number(m[2]) > 59 || Number(m[3] ?? 0) > 59) return null;
  return [Number(m[1]), Number(m[2]), Number(m[3] ?? 0), m[4] ?? ''];
}

function weeksIn(year: number): number {
  const jan1 = new Date(Date.UTC(year, 0, 1)).getUTCDay();
  const leap = daysIn(year, 2) === 29;
  return jan1 === 4 || (leap && jan1 === 3) ? 53 : 52;
}

function sanitizeRange(v: string, el: Element): string {
  const min = parseFloatStrict(el.attribs.min) ?? 0;
  const max = Math.max(min, parseFloatStrict(el.attribs.max) ?? 100);
  const given = parseFloatStrict(v);
  let value = given ?? min + (max - min) / 2;
  const stepAttr = (el.attribs.step ?? '').toLowerCase();
  const step = stepAttr === 'any' ? null : (() => { const s = parseFloatStrict(el.attribs.step); return s !== null && s > 0 ? s : 1; })();
  if (value < min) value = min;
  if (value > max) value = max;
  if (step !== null) {
    const snapped = min + Math.round((value - min) / step) * step;
    value = snapped > max ? snapped - step : snapped;
  }
  return given !== null && value === given ? v : String(value);
}

function sanitize(type: string, v: string, el: Element): string {
  const oneLine = v.replace(/[\r\n]/g, '');
  switch (type) {
    case 'text': case 'search': case 'tel': case 'password':
      return oneLine;
    case 'url':
      return oneLine.replace(ASCII_SPACE, '');
    case 'email':
      return el.attribs.multiple !== undefined ? oneLine.split(',').map((s) => s.replace(ASCII_SPACE, '')).join(',') : oneLine.replace(ASCII_SPACE, '');
    case 'number':
      return parseFloatStrict(v) === null ? '' : v;
    case 'range':
      return sanitizeRange(v, el);
    case 'color': // Chromium now also reads CSS colors ("red" → "#ff0000"); Firefox and jsdom do not: write #rrggbb
      return /^#[0-9a-fA-F]{6}$/.test(v) ? v.toLowerCase() : '#000000';
    case 'date':
      return validDate(v) ? v : '';
    case 'month': {
      const m = /^(\d{4,})-(\d{2})$/.exec(v);
      return m && Number(m[1]) > 0 && Number(m[2]) >= 1 && Number(m[2]) <= 12 ? v : '';
    }
    case 'week': {
      const m = /^(\d{4,})-W(\d{2})$/.exec(v);
      return m && Number(m[1]) > 0 && Number(m[2]) >= 1 && Number(m[2]) <= weeksIn(Number(m[1])) ? v : '';
    }
    case 'time':
      return parseTime(v) ? v : '';
    case 'datetime-local': {
      const m = /^(.+)[T ](.+)$/.exec(v);
      const time = m && validDate(m[1] as string) ? parseTime(m[2] as string) : null;
      if (!m || !time) return '';
      const [h, min, s, fraction] = time;
      const ms = fraction.padEnd(3, '0').replace(/0+$/, '');
      const rest = ms ? `:${String(s).padStart(2, '0')}.${ms}` : s ? `:${String(s).padStart(2, '0')}` : '';
      return `${m[1]}T${String(h).padStart(2, '0')}:${String(min).padStart(2, '0')}${rest}`;
    }
    default:
      return v;
  }
}

// ---- forms ----------------------------------------------------------------------------------

/** The form's fields in document order: in it, or outside it joined by `form="id"`. */
export function ownedFields(dom: RegionDom, form: Element): Element[] {
  return dom.filter((el) => isSubmittable(el) && formOwner(dom, el) === form);
}

/** `new FormData(form, submitter)`'s entries: files left out (the client sends strings only). */
export function formEntries(dom: RegionDom, form: Element, submitter: Element | null = null): [string, string][] {
  const entries: [string, string][] = [];
  for (const el of ownedFields(dom, form)) {
    if (closest(el, (up) => up.name === 'datalist') || isDisabled(el)) continue;
    if (isButton(el) && el !== submitter) continue;
    const type = el.name === 'input' ? inputType(el) : el.name;
    if (isCheckable(el) && !isChecked(dom, el)) continue;
    const name = el.attribs.name ?? '';
    if (type === 'image') {
      entries.push([name ? `${name}.x` : 'x', '0'], [name ? `${name}.y` : 'y', '0']);
      continue;
    }
    if (name === '' || type === 'file') continue;
    if (el.name === 'select') {
      for (const opt of selectedOptions(el)) if (!optionDisabled(opt)) entries.push([name, optionValue(opt)]);
    } else if (type === 'hidden' && name.toLowerCase() === '_charset_') {
      entries.push([name, 'UTF-8']);
    } else {
      entries.push([name, domValue(el) ?? '']);
    }
  }
  return entries;
}

/** events.js formParams: the entries as params, a name given twice becoming an array. */
export function formParams(dom: RegionDom, form: Element, submitter: Element | null = null): JsonObject {
  const params: JsonObject = {};
  for (const [name, value] of formEntries(dom, form, submitter)) {
    const prev = params[name];
    params[name] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev as string, value];
  }
  return params;
}

/** Names of the fields a user can fill (no buttons, disabled ones left out), in order. */
export function fieldNames(dom: RegionDom, form: Element): string[] {
  const names = ownedFields(dom, form).filter((el) => !isButton(el) && !isDisabled(el) && el.attribs.name).map((el) => el.attribs.name as string);
  return [...new Set(names)];
}

/**
 * Fills the form as a user would: each name's fields take `value` (text fields in order,
 * checkboxes and radios checked when their value is given, options selected). Throws a
 * DjustError for a name the form has no field for, a disabled field, an option the select
 * lacks, a checkbox value no box has, or a hidden field given another value.
 */
export function fillForm(dom: RegionDom, form: Element, values: Readonly<Record<string, FieldValue>>, what: string): void {
  for (const [name, given] of Object.entries(values)) {
    const all = ownedFields(dom, form).filter((el) => el.attribs.name === name && !isButton(el));
    const fields = all.filter((el) => !isDisabled(el));
    const fail = (why: string): never => {
      throw new DjustError('DJUST_ERR_LIVE_TEST_FORM', `liveTest: ${what}: ${why}`);
    };
    if (fields.length === 0) {
      if (all.length > 0) fail(`field "${name}" is disabled; a user cannot fill it.`);
      const buttons = ownedFields(dom, form).some((el) => el.attribs.name === name && isButton(el));
      fail(`the form has no field "${name}"${buttons ? ' (it is a button: pass it as the submitter, submit(selector))' : ''}; its fields: ${fieldNames(dom, form).join(', ') || '(none)'}.`);
    }
    if (fields.some((el) => el.name === 'input' && inputType(el) === 'file')) fail(`field "${name}" is a file input; the client does not send files.`);
    if (typeof given === 'boolean') {
      const boxes = fields.filter((el) => el.name === 'input' && inputType(el) === 'checkbox');
      if (boxes.length === 0) fail(`true/false is for a checkbox; field "${name}" is ${openTag(fields[0] as Element)}: give it a string.`);
      for (const box of boxes) setFlag(box, 'checked', given);
      continue;
    }
    const remaining = (Array.isArray(given) ? [...given] : [given]).map(String);
    const take = (accept: (v: string) => boolean): string | undefined => {
      const at = remaining.findIndex(accept);
      return at < 0 ? undefined : remaining.splice(at, 1)[0];
    };
    const checkables = fields.filter(isCheckable);
    for (const box of checkables) setFlag(box, 'checked', take((v) => v === (box.attribs.value ?? 'on')) !== undefined);
    for (const select of fields.filter((el) => el.name === 'select')) fillSelect(select, take, remaining, name, fail);
    for (const text of fields.filter((el) => el.name === 'textarea' || (el.name === 'input' && !isCheckable(el) && inputType(el) !== 'hidden'))) {
      const value = remaining.shift();
      if (value === undefined) break;
      if (text.name === 'textarea') typed.set(text, value);
      else text.attribs.value = value;
    }
    for (const value of remaining) {
      const hidden = fields.filter((el) => el.name === 'input' && inputType(el) === 'hidden');
      if (hidden.some((h) => domValue(h) === value)) continue;
      if (hidden.length > 0 && fields.length === hidden.length) fail(`field "${name}" is hidden (value ${JSON.stringify(domValue(hidden[0] as Element))}); a user cannot change it, got ${JSON.stringify(value)}.`);
      const choices = checkables.map((el) => el.attribs.value ?? 'on');
      fail(`no field "${name}" can take ${JSON.stringify(value)}${choices.length ? `; its checkbox/radio values: ${choices.map((c) => JSON.stringify(c)).join(', ')}` : ''}.`);
    }
  }
}

/** Selects the options `take` hands over (one for a single select, every match for a multiple one); throws when a value given for it is no option. */
function fillSelect(select: Element, take: (accept: (v: string) => boolean) => string | undefined, remaining: string[], name: string, fail: (why: string) => never): void {
  const options = optionsOf(select);
  const values = options.map(optionValue);
  const multiple = select.attribs.multiple !== undefined;
  const picked: string[] = [];
  for (let v = take((x) => values.includes(x)); v !== undefined; v = multiple ? take((x) => values.includes(x)) : undefined) picked.push(v);
  if (picked.length === 0 && remaining.length > 0) fail(`select "${name}" has no option ${JSON.stringify(remaining[0])}; its options: ${values.map((v) => JSON.stringify(v)).join(', ')}.`);
  // A single select shows the first option of the value picked.
  const chosen = multiple ? options.filter((o) => picked.includes(optionValue(o))) : options.filter((o) => optionValue(o) === picked[0]).slice(0, 1);
  for (const opt of options) setFlag(opt, 'selected', chosen.includes(opt));
}

function setFlag(el: Element, attr: 'checked' | 'selected', on: boolean): void {
  if (on) el.attribs[attr] = '';
  else delete el.attribs[attr];
}
