import { handlersOf } from '../view/decorators';
import { viewInternals, type LiveView } from '../view/live-view';
import { isThenable } from '../view/lifecycle';
import { errorMessage, type EventMessage, type ServerMessage } from '../contract/protocol';
import type { StandardSchemaV1 } from '../core/standard-schema';
import type { ComponentEntry, ComponentSet } from '../view/component-set';

/** A LiveComponent's handler an `event` frame with a `target` reaches (see MountedView.event). */
export interface ComponentCall {
  /** For logs and errors: `Row#7.bump("bump")`. */
  readonly what: string;
  /** Its params schema (`@eventHandler({ params })`), if any. */
  readonly schema: StandardSchemaV1 | undefined;
  /** Runs the handler with `params` as one change's `run`: marks the component dirty, restores its fields when it fails. */
  run(params: unknown): unknown;
}

/**
 * The handler of the LiveComponent `message.target` of `view` for `message`, or null after
 * pushing `unknown_event` to `out` (no such component on the page, or no such handler).
 */
export function componentCall(view: LiveView, viewName: string, message: EventMessage & { target: number }, out: ServerMessage[]): ComponentCall | null {
  const components = viewInternals(view).components;
  const entry = components?.entry(message.target);
  if (components == null || entry === undefined) {
    out.push(errorMessage('unknown_event', `${viewName} shows no LiveComponent ${message.target} (dj-target); it was removed, or the page is stale.`, message.ref));
    return null;
  }
  const { component } = entry;
  const name = entry.componentClass.name;
  const handlers = handlersOf(component.constructor);
  const method = handlers.get(message.event);
  if (method === undefined) {
    out.push(errorMessage('unknown_event', `${name} has no event handler "${message.event}"; only methods decorated with @eventHandler() can be called.`, message.ref));
    return null;
  }
  const handler = (component as unknown as Record<string, (params: unknown) => unknown>)[method] as (params: unknown) => unknown;
  return {
    what: `${name}#${String(entry.id)}.${method}("${message.event}")`,
    schema: handlers.schemas === null ? undefined : handlers.schemas.get(message.event),
    run: (params) => runComponent(components, entry, () => handler.call(component, params)),
  };
}

/**
 * Runs a LiveComponent's handler: marks the component dirty, and restores its fields when the
 * handler throws or rejects (the lifecycle restores the view's).
 */
function runComponent(components: ComponentSet, entry: ComponentEntry, run: () => unknown): unknown {
  const target = entry.component as unknown as Record<string, unknown>;
  const saved = { ...target };
  const restore = (error: unknown): never => {
    for (const key of Object.keys(target)) if (!(key in saved)) delete target[key];
    Object.assign(target, saved);
    throw error;
  };
  components.markDirty(entry);
  let result: unknown;
  try {
    result = run();
  } catch (error) {
    return restore(error);
  }
  return isThenable(result) ? Promise.resolve(result).then(undefined, restore) : result;
}
