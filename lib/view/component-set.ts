import type { Environment } from 'nunjucks';
import { DjustError } from '../core/errors';
import { renderTemplate } from '../render/fast-render';
import { COMPONENTS_KEY, ComponentRegion, componentMarker, stampComponent, type ComponentHost, type ComponentOp } from '../render/components';
import { LiveComponent, linkComponent, type ComponentId, type LiveComponentClass, type ParentView } from './live-component';

/** One component on the page. */
export interface ComponentEntry {
  readonly cid: number;
  readonly componentClass: LiveComponentClass;
  readonly id: ComponentId;
  readonly component: LiveComponent;
  /** The assigns the parent passed last (compared shallowly with the next ones). */
  assigns: Record<string, unknown>;
  /** Its HTML as the client has it ('' before its first render). */
  html: string;
  /** Its root element's tag name. */
  tag: string;
  /** Diffs its own renders; null while the client got its HTML whole with the parent's. */
  region: ComponentRegion | null;
  /** The render generation that last showed it. */
  seen: number;
}

/** What the component set needs of its view: the live connection's services, when there is one, and whether a live render runs. */
export interface ComponentOwner {
  readonly host: { post(message: unknown): void } | null;
  /** During a live render the tag leaves markers instead of HTML. */
  readonly componentMarkers: boolean;
}

/**
 * The LiveComponents of one view: created, updated and rendered by the `live_component` tag
 * as the view's template renders, keyed by class and id, with what the client has of each.
 * A component is rendered again only when it is dirty (its handler ran, `sendUpdate` reached
 * it, or its parent passed other assigns); otherwise the tag gives its last HTML. During a
 * live render (`owner.componentMarkers`) the tag leaves a marker instead, so the region can be rebuilt with
 * the components' current HTML without rendering the parent (lib/render/components.ts).
 */
export class ComponentSet implements ComponentHost {
  /** Hears a failed `unmount` (the view's logger, set by its lifecycle and connection). */
  onError: (message: string, error: unknown) => void = consoleError;
  readonly #view: ParentView;
  readonly #owner: ComponentOwner;
  #byClass: Map<LiveComponentClass, Map<ComponentId, ComponentEntry>> | null = null;
  #byCid: Map<number, ComponentEntry> | null = null;
  #dirty: Set<ComponentEntry> | null = null;
  #nextCid = 1;
  #generation = 0;
  /** A component's template is rendering (nested live_component tags are refused). */
  #inside = false;

  constructor(view: ParentView, owner: ComponentOwner) {
    this.#view = view;
    this.#owner = owner;
  }

  /** The component with page id `cid`, or undefined. */
  entry(cid: number): ComponentEntry | undefined {
    return this.#byCid?.get(cid);
  }

  /** The client's HTML of component `cid` ('' when the page no longer shows it). */
  htmlOf(cid: number): string {
    return this.#byCid?.get(cid)?.html ?? '';
  }

  /** The component's handler ran: it renders after the change. */
  markDirty(entry: ComponentEntry): void {
    (this.#dirty ??= new Set()).add(entry);
  }

  /** A render of the view begins: components it does not show again unmount at `endRender`. */
  beginRender(): void {
    this.#generation += 1;
  }

  /** Unmounts the components the render that began last did not show. */
  endRender(): void {
    const byCid = this.#byCid;
    if (byCid === null) return;
    for (const entry of byCid.values()) if (entry.seen !== this.#generation) this.#remove(entry);
  }

  /** Drops each component's parsed tree (an idle connection gives that memory back; see MountedView.sweep). */
  compact(): void {
    if (this.#byCid !== null) for (const entry of this.#byCid.values()) entry.region = null;
  }

  /** The view ends: every component unmounts. */
  unmountAll(): void {
    if (this.#byCid !== null) for (const entry of this.#byCid.values()) this.#remove(entry);
  }

  /** `sendUpdate(Row, id, assigns)`: runs the component's `update(assigns)` and marks it dirty; false when there is none. */
  sendUpdate(componentClass: LiveComponentClass, id: ComponentId, assigns: Record<string, unknown>): boolean {
    const entry = this.#byClass?.get(componentClass)?.get(id);
    if (entry === undefined) return false;
    synchronous(entry.component.update(assigns), entry, 'update');
    this.markDirty(entry);
    return true;
  }

  /**
   * Renders every dirty component on its own (its parent did not render): the ops to send,
   * addressed to each component (lib/connection/mounted-view.ts puts them in the `patch`).
   * `env`: the environment of the view's templates.
   */
  renderDirty(env: Environment, debug?: (message: string) => void): ComponentOp[] {
    const out: ComponentOp[] = [];
    const dirty = this.#dirty;
    if (dirty === null || dirty.size === 0) return out;
    // every render first: a template that throws leaves what the client has untouched
    const rendered: [ComponentEntry, { html: string; tag: string }][] = [];
    for (const entry of dirty) if (this.#byCid?.get(entry.cid) === entry) rendered.push([entry, this.#renderEntry(env, entry)]);
    for (const [entry, next] of rendered) {
      (entry.region ??= new ComponentRegion(entry.html, entry.tag, entry.cid)).update(next.html, out, debug);
      entry.html = next.html;
      entry.tag = next.tag;
    }
    dirty.clear();
    return out;
  }

  /** ComponentHost: the tag `{% live_component Row, id=…, … %}`. */
  renderComponent(env: Environment, componentClass: unknown, assigns: Record<string, unknown>): string {
    if (this.#inside) {
      throw new DjustError('DJUST_ERR_TEMPLATE', '{% live_component %} inside a LiveComponent\'s template is not supported yet; render the inner component from the view\'s template, or make it a macro.');
    }
    const cls = componentClassOf(componentClass);
    const { id } = assigns;
    if ((typeof id !== 'string' || id === '') && !(typeof id === 'number' && Number.isFinite(id))) {
      throw new DjustError('DJUST_ERR_TEMPLATE', `{% live_component ${cls.name}, id=… %}: id must be a non-empty string or a number, unique among the page's ${cls.name} components; got ${JSON.stringify(id) ?? String(id)}.`);
    }
    const byClass = (this.#byClass ??= new Map());
    let ofClass = byClass.get(cls);
    if (ofClass === undefined) byClass.set(cls, (ofClass = new Map()));
    let entry = ofClass.get(id);
    if (entry === undefined) {
      entry = this.#create(cls, id, assigns);
      ofClass.set(id, entry);
    } else if (!shallowEqual(entry.assigns, assigns)) {
      entry.assigns = assigns;
      synchronous(entry.component.update(assigns), entry, 'update');
      this.markDirty(entry);
    }
    entry.seen = this.#generation;
    if (entry.html === '' || this.#dirty?.has(entry)) {
      const next = this.#renderEntry(env, entry);
      entry.html = next.html;
      entry.tag = next.tag;
      entry.region = null; // the client gets this HTML within the parent's patch
      this.#dirty?.delete(entry);
    }
    return this.#owner.componentMarkers ? componentMarker(entry.cid) : entry.html;
  }

  #create(cls: LiveComponentClass, id: ComponentId, assigns: Record<string, unknown>): ComponentEntry {
    const component = new cls();
    if (!(component instanceof LiveComponent)) throw new DjustError('DJUST_ERR_TEMPLATE', `{% live_component %}: ${cls.name} must extend LiveComponent.`);
    const cid = this.#nextCid++;
    const entry: ComponentEntry = { cid, componentClass: cls, id, component, assigns, html: '', tag: '', region: null, seen: this.#generation };
    const owner = this.#owner;
    linkComponent(component, {
      view: this.#view,
      cid,
      sendParent: (message) => {
        if (owner.host === null) throw new DjustError('DJUST_ERR_NOT_CONNECTED', `${cls.name}.sendParent() needs a live connection; call it from an event handler.`);
        owner.host.post(message);
      },
      sendUpdate: (other, otherId, otherAssigns) => this.sendUpdate(other, otherId, otherAssigns),
    });
    synchronous(component.mount?.(assigns), entry, 'mount');
    synchronous(component.update(assigns), entry, 'update');
    (this.#byCid ??= new Map()).set(cid, entry);
    return entry;
  }

  /** Renders the component's template with its fields and `myself`, stamped (stampComponent). */
  #renderEntry(env: Environment, entry: ComponentEntry): { html: string; tag: string } {
    const { component, componentClass: cls, cid } = entry;
    const source = component as unknown as Record<string, unknown>;
    const context: Record<string, unknown> = {};
    const keys = Object.keys(source);
    for (let i = 0; i < keys.length; i++) context[keys[i] as string] = source[keys[i] as string];
    context.myself = cid;
    context[COMPONENTS_KEY] = this;
    let html: string;
    this.#inside = true;
    try {
      html = renderTemplate(env.getTemplate(cls.template), context);
    } catch (cause) {
      if (cause instanceof DjustError) throw cause;
      throw new DjustError('DJUST_ERR_TEMPLATE', `${cls.name}: rendering "${cls.template}" failed: ${(cause as Error).message}`, { cause });
    } finally {
      this.#inside = false;
    }
    return stampComponent(html, cid, cls.name);
  }

  #remove(entry: ComponentEntry): void {
    this.#byCid?.delete(entry.cid);
    this.#byClass?.get(entry.componentClass)?.delete(entry.id);
    this.#dirty?.delete(entry);
    const { component } = entry;
    if (typeof component.unmount !== 'function') return;
    const failed = (error: unknown): void => this.onError(`djust-lite: ${entry.componentClass.name}.unmount() (id ${JSON.stringify(entry.id)}) failed`, error);
    try {
      const result = component.unmount();
      if (result instanceof Promise) result.catch(failed);
    } catch (error) {
      failed(error);
    }
  }
}

/** Until a logger is set (a set is allocated per view: the default is shared, not a closure each). */
function consoleError(message: string, error: unknown): void {
  console.error(message, error);
}

/** `value` as a component class, or a template error saying what the tag got. */
function componentClassOf(value: unknown): LiveComponentClass {
  if (typeof value === 'function' && value.prototype instanceof LiveComponent) {
    const cls = value as LiveComponentClass;
    if (typeof cls.template !== 'string' || cls.template === '') {
      throw new DjustError('DJUST_ERR_TEMPLATE', `${cls.name} has no static template; set static template = '${cls.name.toLowerCase()}.njk'.`);
    }
    return cls;
  }
  const got = value === undefined ? 'undefined (is the class in the template context? pass it as a field of the view, in app.locals, or with env.addGlobal)' : typeof value === 'function' ? `the function ${(value as { name?: string }).name || '(anonymous)'}, which does not extend LiveComponent` : `a ${typeof value}`;
  throw new DjustError('DJUST_ERR_TEMPLATE', `{% live_component X, id=… %}: X must be a LiveComponent class; got ${got}.`);
}

/** Same keys, each value identical (===). */
function shallowEqual(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    if (a[key] !== b[key] || !Object.hasOwn(b, key)) return false;
  }
  return true;
}

/** mount and update run inside a render: they must not be async. */
function synchronous(result: unknown, entry: ComponentEntry, method: string): void {
  if (typeof result === 'object' && result !== null && typeof (result as { then?: unknown }).then === 'function') {
    (result as Promise<unknown>).then(undefined, () => {});
    throw new DjustError('DJUST_ERR_TEMPLATE', `${entry.componentClass.name}.${method}() returned a promise; a LiveComponent's mount and update run during the render and must be synchronous (load data in the view, or in a handler).`);
  }
}
