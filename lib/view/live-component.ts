import { DjustError } from '../core/errors';
import type { EventList } from './decorators';
import type { JsonObject } from '../contract/protocol';
import type { LinkInput, MetaInput } from './page-metadata';

/**
 * What a component calls on the view that renders it: the head, flash, push events and
 * navigation of the page are the view's. `LiveView` is one (structurally; this file does not
 * import it, so the view can hold its components without an import cycle).
 */
export interface ParentView {
  pageTitle: string | undefined;
  get pageMeta(): Record<string, string>;
  set pageMeta(value: MetaInput);
  get pageLinks(): Record<string, string>;
  set pageLinks(value: LinkInput);
  readonly flash: Record<string, string>;
  readonly connected: boolean;
  putFlash(level: string, message: string): void;
  clearFlash(level?: string): void;
  pushEvent(event: string, payload?: JsonObject): void;
  pushPatch(url: string, options?: { replace?: boolean | undefined }): void;
  pushNavigate(url: string, options?: { replace?: boolean | undefined }): void;
  redirect(url: string, options?: { replace?: boolean | undefined }): void;
}

/** A component's place on its page (lib/view/component-set.ts sets it). */
export interface ComponentLink {
  readonly view: ParentView;
  readonly cid: number;
  sendParent(message: unknown): void;
  sendUpdate(componentClass: LiveComponentClass, id: ComponentId, assigns: Record<string, unknown>): boolean;
}

/** A component's `id`: what `{% live_component Row, id=… %}` gives, unique per class on the page. */
export type ComponentId = string | number;

let linkOf: (component: LiveComponent) => ComponentLink;
let setLink: (component: LiveComponent, link: ComponentLink) => void;

/**
 * A stateful piece of a live view's page, as Phoenix's LiveComponent: its own fields (the
 * template context), its own `@eventHandler()`s (reached with `dj-target="{{ myself }}"`), and
 * change tracking — a component is rendered again only when the assigns its parent passes
 * change (compared shallowly), when one of its handlers ran, or when `sendUpdate` reached it.
 * Rendered with `{% live_component Row, id=row.id, row=row %}`; its template renders one root
 * element. Keyed by class and `id`: it keeps its state while the parent keeps rendering it, and
 * unmounts when the parent stops.
 *
 * @example
 * class Row extends LiveComponent {
 *   static template = 'row.njk';           // <tr><td>{{ row.name }}</td><td>{{ count }}</td>
 *   count = 0;                             //   <td><button dj-click="bump" dj-target="{{ myself }}">+</button></td></tr>
 *   @eventHandler() bump() { this.count += 1; }
 * }
 */
export class LiveComponent {
  /** Nunjucks template name, resolved against the `views` option. Required. */
  static template: string;
  /** As `LiveView.events`: the methods the browser may call, for code without decorators. */
  declare static events?: EventList;

  #link: ComponentLink | null = null;

  static {
    setLink = (component, link) => {
      component.#link = link;
    };
    linkOf = (component) => {
      const link = component.#link;
      if (link === null) {
        throw new DjustError('DJUST_ERR_NOT_CONNECTED', `${component.constructor.name}: a LiveComponent is created by {% live_component %} in a view's template; it was used before one rendered it.`);
      }
      return link;
    };
  }

  /**
   * Runs once, when the parent first renders the component, with the tag's assigns (`id`
   * among them); `update(assigns)` runs right after. Synchronous.
   */
  mount?(assigns: Record<string, unknown>): void;

  /**
   * Runs with the tag's assigns when the component first renders and whenever the parent passes
   * different ones, and with `sendUpdate`'s. Default: assigns them onto the component's fields.
   * Synchronous.
   */
  update(assigns: Record<string, unknown>): void {
    Object.assign(this, assigns);
  }

  /** Runs when the parent stops rendering the component, or the view ends. */
  unmount?(): void | Promise<void>;

  /** The component's id on the page: what `dj-target="{{ myself }}"` carries (also `myself` in its template). */
  get myself(): number {
    return linkOf(this).cid;
  }

  /**
   * Delivers `message` to the parent view's `handleInfo`, after the current handler (as
   * Phoenix's `send(self(), msg)` from a component). Connected views only.
   *
   * @example
   * @eventHandler() remove() { this.sendParent({ removed: this.id }); }
   */
  sendParent(message: unknown): void {
    linkOf(this).sendParent(message);
  }

  /**
   * Runs `update(assigns)` of the component of `componentClass` with `id` on the same page and
   * renders it again after the current handler; false when the page shows no such component.
   */
  sendUpdate(componentClass: LiveComponentClass, id: ComponentId, assigns: Record<string, unknown>): boolean {
    return linkOf(this).sendUpdate(componentClass, id, assigns);
  }

  /** The page title: the parent view's (see `LiveView.pageTitle`). */
  get pageTitle(): string | undefined {
    return linkOf(this).view.pageTitle;
  }
  set pageTitle(value: string | undefined) {
    linkOf(this).view.pageTitle = value;
  }

  /** The page's meta tags: the parent view's. */
  get pageMeta(): Record<string, string> {
    return linkOf(this).view.pageMeta;
  }
  set pageMeta(value: MetaInput) {
    linkOf(this).view.pageMeta = value;
  }

  /** The page's `<link rel>` tags: the parent view's. */
  get pageLinks(): Record<string, string> {
    return linkOf(this).view.pageLinks;
  }
  set pageLinks(value: LinkInput) {
    linkOf(this).view.pageLinks = value;
  }

  /** Shows a flash message on the page (the parent view's `putFlash`). */
  putFlash(level: string, message: string): void {
    linkOf(this).view.putFlash(level, message);
  }

  clearFlash(level?: string): void {
    linkOf(this).view.clearFlash(level);
  }

  /** The parent view's `pushEvent`: hooks and `dj:<event>` listeners of the page receive it. */
  pushEvent(event: string, payload: JsonObject = {}): void {
    linkOf(this).view.pushEvent(event, payload);
  }

  pushPatch(url: string, options: { replace?: boolean | undefined } = {}): void {
    linkOf(this).view.pushPatch(url, options);
  }

  pushNavigate(url: string, options: { replace?: boolean | undefined } = {}): void {
    linkOf(this).view.pushNavigate(url, options);
  }

  redirect(url: string, options: { replace?: boolean | undefined } = {}): void {
    linkOf(this).view.redirect(url, options);
  }

  /** True once the page is live (false during the HTTP render). */
  get connected(): boolean {
    return linkOf(this).view.connected;
  }
}

/** A LiveComponent subclass as `{% live_component %}` and `sendUpdate` take it. */
export interface LiveComponentClass {
  new (): LiveComponent;
  readonly name: string;
  template: string;
}

/** Gives `component` its place on the page (component-set.ts only). */
export function linkComponent(component: LiveComponent, link: ComponentLink): void {
  setLink(component, link);
}
