// JS commands, as Phoenix LiveView's `JS`: a chain of DOM operations (show, hide, add_class…)
// and pushes that the browser client runs on a binding (`dj-click="{{ js.toggle('#menu') }}"`)
// with no round trip. This module only builds and checks the chain; its text is the JSON the
// client reads (public/js-commands.js runs it). Imports nothing of the server but its errors.
import { argumentOutOfRange, invalidArgument, misuse } from '../core/errors';

/** Which elements a command acts on: a selector over the document, or relative to the element the binding is on. */
export type JsTarget = string | { inner: string } | { closest: string };

/**
 * Transition classes: `"fade-in"` (classes held for `time`), or `[run, start, end]` as Phoenix's
 * `{"ease-out duration-300", "opacity-0", "opacity-100"}`: `run` held throughout, `start` then `end`.
 */
export type JsTransition = string | readonly [string, string, string];

/** Options every element command takes. */
export interface JsToOptions {
  /** Default: the element carrying the binding. */
  to?: JsTarget;
}
export interface JsTransitionOptions extends JsToOptions {
  transition?: JsTransition;
  /** How long the transition lasts, in ms. Default 200. */
  time?: number;
}
export interface JsShowOptions extends JsTransitionOptions {
  /** The `display` a shown element gets. Default `block` (`table-row`, `table-cell` for tr, td). */
  display?: string;
}
export interface JsToggleOptions extends JsToOptions {
  /** Transition when showing. */
  in?: JsTransition;
  /** Transition when hiding. */
  out?: JsTransition;
  time?: number;
  display?: string;
}
export interface JsDispatchOptions extends JsToOptions {
  /** `event.detail` (JSON-serialisable); the client adds `dispatcher`, the binding's element. */
  detail?: Record<string, unknown>;
  /** Default true. */
  bubbles?: boolean;
}
export interface JsPushOptions {
  /** Params added to (and winning over) the binding's own params and `dj-value-*`. */
  value?: Record<string, unknown>;
}
export interface JsNavigateOptions {
  /** Replace the history entry instead of adding one. */
  replace?: boolean;
}

/** One command as the client receives it: `[name, args]`. */
export type JsCommand = readonly [string, Readonly<Record<string, unknown>>];

/** Most a command's `time` may be, in ms (a longer wait is a typo, not a transition). */
export const MAX_TRANSITION_MS = 60_000;

type Opts = Record<string, unknown>;

/**
 * The last argument when it is an options object; Nunjucks keyword arguments
 * (`js.show(to='#menu')`) arrive as one marked `__keywords`, which is dropped.
 */
function options(call: string, value: unknown, known: readonly string[]): Opts {
  if (value === undefined) return {};
  if (typeof value === 'string' || isRelative(value)) return { to: value };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidArgument(call, 'the last argument', 'a "to" selector string or an options object', value);
  }
  const { __keywords: _, ...opts } = value as Opts;
  for (const key of Object.keys(opts)) {
    if (!known.includes(key)) throw misuse(`${call}: unknown option "${key}"; it takes ${known.map((k) => `"${k}"`).join(', ')}.`);
  }
  return opts;
}

/**
 * A call's arguments as its `count` leading values and its options: the value after them (a
 * `to` selector string or an options object), merged with Nunjucks keyword arguments
 * (`js.show('#m', time=300)`), which arrive as a last object marked `__keywords`.
 */
function split(call: string, raw: readonly unknown[], count: number): [unknown[], unknown] {
  const last = raw.at(-1);
  const keywords = typeof last === 'object' && last !== null && (last as Opts).__keywords === true ? (last as Opts) : undefined;
  const head = keywords ? raw.slice(0, -1) : [...raw];
  // an alias passing `undefined` for the options it was not given
  while (head.length > count && head.at(-1) === undefined) head.pop();
  if (head.length > count + 1) throw misuse(`${call}: too many arguments (${head.length}); see docs/interactions.md#js-commands.`);
  const fixed = head.slice(0, count);
  const given = head[count];
  if (!keywords || given === undefined) return [fixed, keywords ?? given];
  const base = typeof given === 'string' ? { to: given } : given;
  return [fixed, typeof base === 'object' && base !== null && !Array.isArray(base) ? { ...base, ...keywords } : given];
}

/** `{ inner: … }` or `{ closest: … }` given where the options go: it is the `to`. */
function isRelative(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const keys = Object.keys(value).filter((k) => k !== '__keywords');
  return keys.length === 1 && (keys[0] === 'inner' || keys[0] === 'closest');
}

function nonEmpty(call: string, name: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') throw invalidArgument(call, name, 'a non-empty string', value);
  return value;
}

function target(call: string, value: unknown): JsTarget {
  if (typeof value === 'string') return nonEmpty(call, 'to', value);
  const t = value as Opts | null;
  const keys = typeof t === 'object' && t !== null ? Object.keys(t).filter((k) => k !== '__keywords') : [];
  const key = keys[0];
  if (keys.length !== 1 || (key !== 'inner' && key !== 'closest') || typeof t?.[key] !== 'string' || t[key] === '') {
    throw invalidArgument(call, 'to', 'a selector string, { inner: "selector" } or { closest: "selector" }', value);
  }
  return { [key]: t[key] } as JsTarget;
}

/** Class names as one space-separated string (each token checked). */
function classes(call: string, name: string, value: unknown): string {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0 || list.some((v) => typeof v !== 'string')) throw invalidArgument(call, name, 'class names: a string like "open active" or an array of them', value);
  const tokens = (list as string[]).join(' ').split(/\s+/).filter(Boolean);
  if (tokens.length === 0) throw invalidArgument(call, name, 'at least one class name', value);
  return tokens.join(' ');
}

function transition(call: string, name: string, value: unknown): [string, string, string] {
  if (typeof value === 'string') return [classes(call, name, value), '', ''];
  if (!Array.isArray(value) || value.length !== 3 || value.some((v) => typeof v !== 'string')) {
    throw invalidArgument(call, name, 'classes ("fade-in") or [run, start, end] class strings (["ease-out duration-300", "opacity-0", "opacity-100"])', value);
  }
  const [run, start, end] = value.map((v: string) => v.split(/\s+/).filter(Boolean).join(' '));
  if (!run) throw invalidArgument(call, `${name}[0]`, 'the classes held during the transition (e.g. "ease-out duration-300")', value[0]);
  return [run, start ?? '', end ?? ''];
}

/** Checks and copies the options a command takes into its wire args. */
function args(call: string, opts: Opts): Opts {
  const out: Opts = {};
  for (const [key, value] of Object.entries(opts)) {
    if (value === undefined) continue;
    if (key === 'to') out.to = target(call, value);
    else if (key === 'time') {
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > MAX_TRANSITION_MS) {
        throw argumentOutOfRange(call, 'time', `a number of ms from 0 to ${MAX_TRANSITION_MS}`, value);
      }
      out.time = value;
    } else if (key === 'transition' || key === 'in' || key === 'out') out[key] = transition(call, key, value);
    else if (key === 'display') out.display = nonEmpty(call, 'display', value);
    else if (key === 'replace' || key === 'bubbles') {
      if (typeof value !== 'boolean') throw invalidArgument(call, key, 'true or false', value);
      out[key] = value;
    } else out[key] = jsonObject(call, key, value);
  }
  return out;
}

/** `value` (push) and `detail` (dispatch): a plain object that survives JSON as it is. */
function jsonObject(call: string, name: string, value: unknown): Opts {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalidArgument(call, name, 'an object', value);
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (err) {
    throw misuse(`${call}: ${name} must be JSON-serialisable (${(err as Error).message}).`);
  }
  return JSON.parse(json as string) as Opts;
}

/** Attribute names the DOM accepts; event handlers (`on…`) are refused: they would run script. */
function attributeName(call: string, value: unknown): string {
  const name = nonEmpty(call, 'name', value);
  if (!/^[^\s"'>/=]+$/.test(name)) throw invalidArgument(call, 'name', 'an attribute name (no spaces, quotes, ">", "/" or "=")', value);
  if (/^on/i.test(name)) throw misuse(`${call}: "${name}" is an event-handler attribute; JS commands do not set script. Use dispatch or a hook.`);
  return name;
}

const TO = ['to'];
const TRANSITION = ['to', 'transition', 'time'];

/**
 * An immutable chain of JS commands (Phoenix's `JS`). Each method returns a new chain with the
 * command added; the chain renders (toString, JSON) as the JSON array the client runs. In
 * templates it is `js` (snake_case names as in Phoenix; camelCase aliases for TypeScript); a
 * selector string may stand for `{ to }`, and Nunjucks keyword arguments are options.
 *
 * @example
 * // template: <button dj-click="{{ js.toggle('#menu').push('menu_opened') }}">Menu</button>
 * // renders:  dj-click="[[&quot;toggle&quot;,{&quot;to&quot;:&quot;#menu&quot;}],[&quot;push&quot;,{&quot;event&quot;:&quot;menu_opened&quot;}]]"
 * import { JS } from 'djust-lite';
 * String(JS.show('#modal', { transition: ['ease-out duration-300', 'opacity-0', 'opacity-100'] }).focus({ to: '#name' }));
 */
export class JsCommands {
  readonly commands: readonly JsCommand[];

  constructor(commands: readonly JsCommand[] = []) {
    this.commands = commands;
  }

  #add(name: string, wire: Opts): JsCommands {
    return new JsCommands([...this.commands, [name, wire]]);
  }

  /** An element command whose only positional argument is `to` (or the options). */
  #element(name: string, known: readonly string[], raw: unknown[]): JsCommands {
    const call = `js.${name}()`;
    const [, last] = split(call, raw, 0);
    return this.#add(name, args(call, options(call, last, known)));
  }

  /** A command with `count` leading values, then `to` or the options. */
  #leading(name: string, count: number, known: readonly string[], raw: unknown[]): [unknown[], Opts, string] {
    const call = `js.${name}()`;
    const [head, last] = split(call, raw, count);
    if (head.length < count) throw misuse(`${call}: missing argument${count > 1 ? 's' : ''}; see docs/interactions.md#js-commands.`);
    return [head, args(call, options(call, last, known)), call];
  }

  /** Shows the elements (display `block` or `display`), with an optional transition. Phoenix `JS.show`. */
  show(toOrOptions?: JsTarget | JsShowOptions): JsCommands;
  show(...raw: unknown[]): JsCommands {
    return this.#element('show', [...TRANSITION, 'display'], raw);
  }

  /** Hides the elements (display none), after the optional transition. Phoenix `JS.hide`. */
  hide(toOrOptions?: JsTarget | JsTransitionOptions): JsCommands;
  hide(...raw: unknown[]): JsCommands {
    return this.#element('hide', TRANSITION, raw);
  }

  /** Shows hidden elements and hides visible ones; `in`/`out` transitions. Phoenix `JS.toggle`. */
  toggle(toOrOptions?: JsTarget | JsToggleOptions): JsCommands;
  toggle(...raw: unknown[]): JsCommands {
    return this.#element('toggle', ['to', 'in', 'out', 'time', 'display'], raw);
  }

  /** Adds classes (`"a b"` or an array), kept across server updates. Phoenix `JS.add_class`. */
  add_class(names: string | readonly string[], toOrOptions?: JsTarget | JsTransitionOptions): JsCommands;
  add_class(...raw: unknown[]): JsCommands {
    const [[names], wire, call] = this.#leading('add_class', 1, TRANSITION, raw);
    return this.#add('add_class', { names: classes(call, 'names', names), ...wire });
  }

  /** Removes classes, kept removed across server updates. Phoenix `JS.remove_class`. */
  remove_class(names: string | readonly string[], toOrOptions?: JsTarget | JsTransitionOptions): JsCommands;
  remove_class(...raw: unknown[]): JsCommands {
    const [[names], wire, call] = this.#leading('remove_class', 1, TRANSITION, raw);
    return this.#add('remove_class', { names: classes(call, 'names', names), ...wire });
  }

  /** Adds the classes an element lacks and removes those it has, kept across server updates. Phoenix `JS.toggle_class`. */
  toggle_class(names: string | readonly string[], toOrOptions?: JsTarget | JsTransitionOptions): JsCommands;
  toggle_class(...raw: unknown[]): JsCommands {
    const [[names], wire, call] = this.#leading('toggle_class', 1, TRANSITION, raw);
    return this.#add('toggle_class', { names: classes(call, 'names', names), ...wire });
  }

  /** Runs a transition: its classes for `time` ms, nothing else. Phoenix `JS.transition`. */
  transition(classes: JsTransition, toOrOptions?: JsTarget | Omit<JsTransitionOptions, 'transition'>): JsCommands;
  transition(...raw: unknown[]): JsCommands {
    const [[classesArg], wire, call] = this.#leading('transition', 1, ['to', 'time'], raw);
    return this.#add('transition', { transition: transition(call, 'classes', classesArg), ...wire });
  }

  /** Sets an attribute, kept across server updates. Phoenix `JS.set_attribute({name, value})`. */
  set_attribute(name: string, value: string, toOrOptions?: JsTarget | JsToOptions): JsCommands;
  set_attribute(...raw: unknown[]): JsCommands {
    const [[name, value], wire, call] = this.#leading('set_attribute', 2, TO, raw);
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') throw invalidArgument(call, 'value', 'a string (or a number or boolean, written as text)', value);
    return this.#add('set_attribute', { attr: [attributeName(call, name), String(value)], ...wire });
  }

  /** Removes an attribute, kept removed across server updates. Phoenix `JS.remove_attribute`. */
  remove_attribute(name: string, toOrOptions?: JsTarget | JsToOptions): JsCommands;
  remove_attribute(...raw: unknown[]): JsCommands {
    const [[name], wire, call] = this.#leading('remove_attribute', 1, TO, raw);
    return this.#add('remove_attribute', { attr: attributeName(call, name), ...wire });
  }

  /**
   * `[name, value]`: sets the attribute when absent, removes it when present; `[name, a, b]`:
   * switches its value between `a` and `b`. Kept across server updates. Phoenix `JS.toggle_attribute`.
   */
  toggle_attribute(attr: readonly [string, string] | readonly [string, string, string], toOrOptions?: JsTarget | JsToOptions): JsCommands;
  toggle_attribute(...raw: unknown[]): JsCommands {
    const [[attr], wire, call] = this.#leading('toggle_attribute', 1, TO, raw);
    if (!Array.isArray(attr) || attr.length < 2 || attr.length > 3 || attr.slice(1).some((v) => typeof v !== 'string')) {
      throw invalidArgument(call, 'attr', "[name, value] or [name, value1, value2] (['aria-expanded', 'true', 'false'])", attr);
    }
    return this.#add('toggle_attribute', { attr: [attributeName(call, attr[0]), ...attr.slice(1)], ...wire });
  }

  /** Runs the commands in an attribute of the elements (`data-cancel="{{ js.hide('#modal') }}"`) as theirs. Phoenix `JS.exec`. */
  exec(attr: string, toOrOptions?: JsTarget | JsToOptions): JsCommands;
  exec(...raw: unknown[]): JsCommands {
    const [[attr], wire, call] = this.#leading('exec', 1, TO, raw);
    return this.#add('exec', { attr: attributeName(call, attr), ...wire });
  }

  /** Dispatches a DOM `CustomEvent` on the elements. Phoenix `JS.dispatch`. */
  dispatch(event: string, toOrOptions?: JsTarget | JsDispatchOptions): JsCommands;
  dispatch(...raw: unknown[]): JsCommands {
    const [[event], wire, call] = this.#leading('dispatch', 1, ['to', 'detail', 'bubbles'], raw);
    return this.#add('dispatch', { event: nonEmpty(call, 'event', event), ...wire });
  }

  /** Sends `event` to the view with the binding's params (plus `value`), as the binding would. Phoenix `JS.push`. */
  push(event: string, options?: JsPushOptions): JsCommands;
  push(...raw: unknown[]): JsCommands {
    const call = 'js.push()';
    const [head, last] = split(call, raw, 1);
    if (typeof last === 'string') throw invalidArgument(call, 'the second argument', 'options such as { value: { id: 7 } }', last);
    if (head.length < 1) throw misuse(`${call}: the event name is missing, e.g. js.push('save').`);
    return this.#add('push', { event: nonEmpty(call, 'event', head[0]), ...args(call, options(call, last, ['value'])) });
  }

  /** Focuses the first element `to` finds. Phoenix `JS.focus`. */
  focus(toOrOptions?: JsTarget | JsToOptions): JsCommands;
  focus(...raw: unknown[]): JsCommands {
    return this.#element('focus', TO, raw);
  }

  /** Live navigation to another view of the live session (as `dj-navigate`). Phoenix `JS.navigate`. */
  navigate(href: string, options?: JsNavigateOptions): JsCommands;
  navigate(...raw: unknown[]): JsCommands {
    return this.#href('navigate', raw);
  }

  /** Live navigation within the view: `handleParams` runs (as `dj-patch`). Phoenix `JS.patch`. */
  patch(href: string, options?: JsNavigateOptions): JsCommands;
  patch(...raw: unknown[]): JsCommands {
    return this.#href('patch', raw);
  }

  #href(name: string, raw: unknown[]): JsCommands {
    const call = `js.${name}()`;
    const [head, last] = split(call, raw, 1);
    if (typeof last === 'string') throw invalidArgument(call, 'the second argument', 'options such as { replace: true }', last);
    const href = nonEmpty(call, 'href', head[0]);
    if (/^\s*(javascript|data|vbscript):/i.test(href)) throw invalidArgument(call, 'href', 'a URL of this site (a path like "/inbox?page=2")', href);
    return this.#add(name, { href, ...args(call, options(call, last, ['replace'])) });
  }

  // camelCase aliases for TypeScript code
  addClass(names: string | readonly string[], toOrOptions?: JsTarget | JsTransitionOptions): JsCommands {
    return this.add_class(names, toOrOptions);
  }
  removeClass(names: string | readonly string[], toOrOptions?: JsTarget | JsTransitionOptions): JsCommands {
    return this.remove_class(names, toOrOptions);
  }
  setAttribute(name: string, value: string, toOrOptions?: JsTarget | JsToOptions): JsCommands {
    return this.set_attribute(name, value, toOrOptions);
  }
  removeAttribute(name: string, toOrOptions?: JsTarget | JsToOptions): JsCommands {
    return this.remove_attribute(name, toOrOptions);
  }
  toggleClass(names: string | readonly string[], toOrOptions?: JsTarget | JsTransitionOptions): JsCommands {
    return this.toggle_class(names, toOrOptions);
  }
  toggleAttribute(attr: readonly [string, string] | readonly [string, string, string], toOrOptions?: JsTarget | JsToOptions): JsCommands {
    return this.toggle_attribute(attr, toOrOptions);
  }

  toJSON(): readonly JsCommand[] {
    return this.commands;
  }

  /** The JSON the client reads; Nunjucks autoescape escapes it for the attribute it sits in. */
  toString(): string {
    return JSON.stringify(this.commands);
  }
}

/**
 * The empty chain every chain starts from: `JS.show('#x')` in TypeScript, `js.show('#x')` in
 * templates (the same object, a Nunjucks global; a context value named `js` hides it).
 *
 * @example
 * import { JS } from 'djust-lite';
 * class Page extends LiveView { menu = JS.toggle('#menu').push('menu_toggled'); }  // {{ menu }} in dj-click
 */
export const JS = new JsCommands();
