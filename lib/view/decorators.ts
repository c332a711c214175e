import { invalidArgument, misuse } from '../core/errors';
import { isStandardSchema, type StandardSchemaV1 } from '../core/standard-schema';

/** Event name each decorated method answers to, and its params schema, keyed by the method function itself. */
const handlerNames = new WeakMap<Function, { name: string; params: StandardSchemaV1 | undefined }>();
/** Per view class: event name → method name, built on first use. */
const registries = new WeakMap<Function, Handlers>();

/**
 * A view class's event name → method name map, with the params schemas of its typed handlers
 * (`schemas` is null when it has none, so an untyped event costs one null check).
 */
export interface Handlers extends ReadonlyMap<string, string> {
  readonly schemas: ReadonlyMap<string, StandardSchemaV1> | null;
}

class HandlerMap extends Map<string, string> implements Handlers {
  schemas: Map<string, StandardSchemaV1> | null = null;
}

/**
 * Method names no client may ever call, decorated or not: the lifecycle a view defines, and
 * every member `LiveView` and `LiveComponent` themselves have (a test holds this list to their
 * prototypes).
 */
export const RESERVED_NAMES: ReadonlySet<string> = new Set([
  'constructor', '__proto__', 'prototype', 'hasOwnProperty', 'toString', 'valueOf',
  'mount', 'unmount', 'handleInfo', 'handleParams', 'handleAsync', 'getContextData',
  'pageTitle', 'pageMeta', 'pageLinks', 'flash', 'connected', 'putFlash', 'clearFlash',
  'subscribe', 'unsubscribe', 'sendAfter', 'assignAsync', 'startAsync', 'cancelAsync',
  'pushPatch', 'pushNavigate', 'redirect', 'pushEvent', 'pushReply',
  'allowUpload', 'cancelUpload', 'consumeUploadedEntries', 'uploadedEntries',
  'sendUpdate', 'sendParent', 'update', 'myself', 'stream', 'streamInsert', 'streamDelete', 'streamDeleteByDomId',
]);
const FORBIDDEN = RESERVED_NAMES;

type AnyMethod = (this: never, ...args: never[]) => unknown;
/** A method that takes `P` as its params. */
type MethodTaking<P> = (this: never, params: P, ...rest: never[]) => unknown;

/** Options of `@eventHandler(options)` / `@eventHandler(name, options)`. */
export interface EventHandlerOptions<S extends StandardSchemaV1 = StandardSchemaV1> {
  /**
   * A Standard Schema (zod, valibot, arktype… or your own) the params must pass before the
   * handler runs; the handler receives its output. Refused params answer `bad_params` with the
   * schema's issues, and the handler is not called.
   */
  params: S;
}

/** What `@eventHandler()` returns: a decorator for standard (TC39) and `experimentalDecorators` methods. */
export interface EventHandlerDecorator {
  <T extends AnyMethod>(method: T, context: ClassMethodDecoratorContext): void;
  (target: object, key: string | symbol, descriptor: PropertyDescriptor): void;
}

/** `@eventHandler({ params: schema })`: the method must take the schema's output as its params. */
export interface TypedEventHandlerDecorator<P> {
  <T extends MethodTaking<P>>(method: T, context: ClassMethodDecoratorContext): void;
  <T extends MethodTaking<P>>(target: object, key: string | symbol, descriptor: TypedPropertyDescriptor<T>): void;
}

/** The `{ params }` option checked: a Standard Schema v1 object. */
function paramsSchema(options: unknown, call: string): StandardSchemaV1 {
  if (typeof options !== 'object' || options === null) throw invalidArgument(call, 'options', 'an object such as { params: schema }', options);
  const { params } = options as { params?: unknown };
  if (!isStandardSchema(params)) {
    throw invalidArgument(call, 'options.params', "a Standard Schema v1 (an object with '~standard': { version: 1, validate() }, as zod, valibot and arktype schemas are)", params);
  }
  return params;
}

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
export function eventHandler(name?: string): EventHandlerDecorator;
/**
 * `@eventHandler({ params: schema })`: the handler runs only with params that pass `schema`
 * (any Standard Schema: zod, valibot, arktype…), and receives the schema's output. TypeScript
 * checks the method takes that type. Refused params answer `bad_params` with the issues.
 *
 * @example
 * const Save = z.object({ id: z.number(), title: z.string().min(1) });
 * class Editor extends LiveView {
 *   @eventHandler({ params: Save }) save({ id, title }: z.infer<typeof Save>) { … }
 * }
 */
export function eventHandler<S extends StandardSchemaV1>(options: EventHandlerOptions<S>): TypedEventHandlerDecorator<StandardSchemaV1.InferOutput<S>>;
/** `@eventHandler('name', { params: schema })`: a typed handler under another event name. */
export function eventHandler<S extends StandardSchemaV1>(name: string, options: EventHandlerOptions<S>): TypedEventHandlerDecorator<StandardSchemaV1.InferOutput<S>>;
export function eventHandler(nameOrOptions?: string | EventHandlerOptions, maybeOptions?: EventHandlerOptions): EventHandlerDecorator {
  // eventHandler(options) is the only form whose first argument is an object.
  const named = typeof nameOrOptions !== 'object' || nameOrOptions === null || maybeOptions !== undefined;
  const name = named ? (nameOrOptions as string | undefined) : undefined;
  if (named && name !== undefined && (typeof name !== 'string' || name.length === 0)) {
    throw invalidArgument('eventHandler(name)', 'name', 'a non-empty string (the event name, e.g. "inbox:refresh") or omitted', name);
  }
  const optionsGiven = named ? maybeOptions : nameOrOptions;
  const params = optionsGiven === undefined ? undefined : paramsSchema(optionsGiven, named ? 'eventHandler(name, options)' : 'eventHandler(options)');
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
    handlerNames.set(fn, { name: eventName, params });
  }
  return decorate;
}

/** A typed handler in `static events`: its method name and params schema. */
export interface ListedHandler {
  readonly method: string;
  readonly params?: StandardSchemaV1 | undefined;
}

/**
 * What `static events` may hold: method names, or event name → method name (or, for typed
 * params, `{ method, params: schema }`).
 */
export type EventList = readonly string[] | Readonly<Record<string, string | ListedHandler>>;

/**
 * The handlers a class lists in its own `static events` (the way to expose handlers without
 * decorators, e.g. from plain JavaScript), checked like `@eventHandler()`: each names a method
 * of the class, and neither it nor the event name may be a lifecycle or built-in name.
 */
function listedHandlers(viewClass: Function, proto: object): Array<[string, string, StandardSchemaV1 | undefined]> {
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
  return pairs.map(([eventName, listed]) => {
    let methodName = listed;
    let params: StandardSchemaV1 | undefined;
    if (typeof listed === 'object' && listed !== null && !Array.isArray(list)) {
      methodName = (listed as { method?: unknown }).method;
      if ((listed as { params?: unknown }).params !== undefined) params = paramsSchema(listed, `${where}["${String(eventName)}"]`);
    }
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
    return [eventName, methodName, params];
  });
}

/**
 * The event → method map of a view class: its `@eventHandler()` methods and `static events`,
 * own and inherited (subclasses override). Throws when `static events` is malformed; `route()`
 * calls it, so that happens at registration.
 */
export function handlersOf(viewClass: Function): Handlers {
  let registry = registries.get(viewClass);
  if (registry) return registry;
  const map = new HandlerMap();
  const set = (eventName: string, methodName: string, params: StandardSchemaV1 | undefined): void => {
    map.set(eventName, methodName);
    if (params) (map.schemas ??= new Map()).set(eventName, params);
    else map.schemas?.delete(eventName);
  };
  const chain: object[] = [];
  for (let proto = viewClass.prototype as object | null; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    chain.unshift(proto);
  }
  for (const proto of chain) {
    for (const key of Object.getOwnPropertyNames(proto)) {
      const desc = Object.getOwnPropertyDescriptor(proto, key);
      if (!desc || typeof desc.value !== 'function') continue;
      const handler = handlerNames.get(desc.value as Function);
      if (handler !== undefined) set(handler.name, key, handler.params);
    }
    const ctor = (proto as { constructor?: unknown }).constructor;
    if (typeof ctor === 'function' && ctor.prototype === proto) {
      for (const [eventName, methodName, params] of listedHandlers(ctor, viewClass.prototype as object)) set(eventName, methodName, params);
    }
  }
  if (map.schemas?.size === 0) map.schemas = null;
  registry = map;
  registries.set(viewClass, registry);
  return registry;
}
