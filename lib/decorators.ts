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
 * Marks a LiveView method as callable from the browser. Only decorated methods are: a
 * client naming any other method gets an `unknown_event` error. The event name defaults to
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

/** The event → method map of a view class (own and inherited handlers; subclasses override). */
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
  }
  registry = map;
  registries.set(viewClass, registry);
  return registry;
}
