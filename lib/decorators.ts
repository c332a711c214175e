import { invalidArgument, misuse } from './errors';

/** Event name each decorated method answers to, keyed by the method function itself. */
const handlerNames = new WeakMap<Function, string>();
/** Per view class: event name → method name, built on first use. */
const registries = new WeakMap<Function, ReadonlyMap<string, string>>();

/** Method names no client may ever call, decorated or not. */
const FORBIDDEN = new Set([
  'constructor', '__proto__', 'prototype', 'mount', 'unmount', 'handleInfo', 'handleParams',
  'render', 'getContextData', 'subscribe', 'unsubscribe', 'sendAfter', 'putFlash', 'clearFlash',
  'pushPatch', 'hasOwnProperty', 'toString', 'valueOf',
]);

type AnyMethod = (this: never, ...args: never[]) => unknown;

/**
 * Marks a LiveView method as callable from the browser. Only decorated methods (and those a
 * class lists in `static events`, the form for plain JavaScript) are: a client naming any other
 * method gets an `unknown_event` error. The event name defaults to
 * the method name. Works with standard (TC39) decorators and with `experimentalDecorators`.
 *
 * @example
 * class Inbox extends LiveView {
 *   count = 0;
 *   @eventHandler() markRead() { this.count = 0; this.pageTitle = 'Inbox'; }
 *   @eventHandler('inbox:refresh') refresh() { … }   // dj-click="inbox:refresh"
 * }
 */
export function eventHandler(name?: string) {
  if (name !== undefined && (typeof name !== 'string' || name.length === 0)) {
    throw invalidArgument('eventHandler(name)', 'name', 'a non-empty string (the event name, e.g. "inbox:refresh") or omitted', name);
  }
  function decorate<T extends AnyMethod>(method: T, context: ClassMethodDecoratorContext): void;
  function decorate(target: object, key: string | symbol, descriptor: PropertyDescriptor): void;
  function decorate(a: unknown, b: unknown, c?: unknown): void {
    let fn: unknown;
    let methodName: string | symbol;
    if (typeof b === 'object' && b !== null && 'kind' in b) {
      const ctx = b as ClassMethodDecoratorContext;
      if (ctx.kind !== 'method' || ctx.static || ctx.private) {
        throw misuse(`@eventHandler() goes on a public instance method of a LiveView, not on ${ctx.static ? 'a static ' : ctx.private ? 'a private ' : 'a '}${ctx.kind} (${String(ctx.name)}).`);
      }
      fn = a;
      methodName = ctx.name;
    } else {
      fn = (c as PropertyDescriptor | undefined)?.value;
      methodName = b as string | symbol;
    }
    if (typeof fn !== 'function' || typeof methodName !== 'string') {
      throw misuse('@eventHandler() goes on a public instance method with a string name (not a symbol-named member or a field).');
    }
    const eventName = name ?? methodName;
    if (FORBIDDEN.has(methodName) || FORBIDDEN.has(eventName)) {
      throw misuse(`@eventHandler() cannot expose "${eventName}": it is a lifecycle or built-in name; give the handler another name, or pass one: @eventHandler('${eventName}-clicked').`);
    }
    handlerNames.set(fn, eventName);
  }
  return decorate;
}

/** What `static events` may hold: method names, or event name → method name. */
export type EventList = readonly string[] | Readonly<Record<string, string>>;

/**
 * The handlers a class lists in its own `static events` (the way to expose handlers without
 * decorators, e.g. from plain JavaScript), checked like `@eventHandler()`: each names a method
 * of the class, and neither it nor the event name may be a lifecycle or built-in name.
 */
function listedHandlers(viewClass: Function, proto: object): Array<[string, string]> {
  const desc = Object.getOwnPropertyDescriptor(viewClass, 'events');
  if (desc === undefined || desc.value === undefined) return [];
  const list: unknown = desc.value;
  const where = `${viewClass.name || 'LiveView'}.events`;
  let pairs: Array<[unknown, unknown]>;
  if (Array.isArray(list)) pairs = list.map((name: unknown) => [name, name]);
  else if (typeof list === 'object' && list !== null) pairs = Object.entries(list);
  else {
    throw invalidArgument(where, 'events', "an array of method names (static events = ['inc', 'save']) or an object of event name → method name", list);
  }
  return pairs.map(([eventName, methodName]) => {
    if (typeof eventName !== 'string' || eventName.length === 0 || typeof methodName !== 'string' || methodName.length === 0) {
      throw invalidArgument(where, 'events', 'non-empty strings (event and method names)', Array.isArray(list) ? eventName : methodName);
    }
    if (FORBIDDEN.has(methodName) || FORBIDDEN.has(eventName)) {
      const what = eventName === methodName ? `"${eventName}"` : `"${eventName}" → "${methodName}"`;
      throw misuse(`${where} cannot expose ${what}: it is a lifecycle or built-in name; name the handler's method and event otherwise (e.g. "${methodName}Clicked").`);
    }
    if (typeof (proto as Record<string, unknown>)[methodName] !== 'function') {
      throw misuse(`${where} lists "${methodName}", which is not a method of ${viewClass.name || 'the view'}; list the names of its methods.`);
    }
    return [eventName, methodName];
  });
}

/**
 * The event → method map of a view class: its `@eventHandler()` methods and `static events`,
 * own and inherited (subclasses override). Throws when `static events` is malformed; `route()`
 * calls it, so that happens at registration.
 */
export function handlersOf(viewClass: Function): ReadonlyMap<string, string> {
  let registry = registries.get(viewClass);
  if (registry) return registry;
  const map = new Map<string, string>();
  const chain: object[] = [];
  for (let proto = viewClass.prototype as object | null; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    chain.unshift(proto);
  }
  for (const proto of chain) {
    for (const key of Object.getOwnPropertyNames(proto)) {
      const desc = Object.getOwnPropertyDescriptor(proto, key);
      if (!desc || typeof desc.value !== 'function') continue;
      const eventName = handlerNames.get(desc.value as Function);
      if (eventName !== undefined) map.set(eventName, key);
    }
    const ctor = (proto as { constructor?: unknown }).constructor;
    if (typeof ctor === 'function' && ctor.prototype === proto) {
      for (const [eventName, methodName] of listedHandlers(ctor, viewClass.prototype as object)) map.set(eventName, methodName);
    }
  }
  registry = map;
  registries.set(viewClass, registry);
  return registry;
}
