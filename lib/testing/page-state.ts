import type { ServerMessage } from '../contract/protocol';
import { RegionModel } from './apply-ops';
import type { NavigationLog } from './navigation-log';
import type { ViewState } from './results';

/** What the page shows when liveTest opens it (the server-rendered HTML). */
export interface PageStart {
  url: string;
  title: string | undefined;
  meta: Record<string, string>;
  links: Record<string, string>;
  flash: Record<string, string>;
  html: string;
  rootTag: string;
}

/**
 * What a page shows — title, meta tags, links, flash, URL and the live region — from the
 * server-rendered page on, with each server message applied as the browser client applies it
 * (lib/testing/live-test.ts feeds it). Navigations go to `navigations` for the expect… helpers.
 */
export class PageState {
  title: string | undefined;
  /** Path + query; a dj-patch click (`navigate()`) sets it too. */
  url: string;
  readonly meta = new Map<string, string>();
  readonly links = new Map<string, string>();
  readonly flash = new Map<string, string>();
  readonly #region: RegionModel;
  readonly #navigations: NavigationLog;
  /** Why html() cannot answer (a patch that did not apply), or null. */
  #broken: Error | null = null;

  constructor(start: PageStart, navigations: NavigationLog) {
    this.url = start.url;
    this.title = start.title;
    for (const [name, content] of Object.entries(start.meta)) this.meta.set(name, content);
    for (const [rel, href] of Object.entries(start.links)) this.links.set(rel, href);
    for (const [level, message] of Object.entries(start.flash)) this.flash.set(level, message);
    this.#region = new RegionModel(start.html, start.rootTag);
    this.#navigations = navigations;
  }

  /** The live region's inner HTML now; throws the error of a patch that did not apply, until the next whole render. */
  html(): string {
    if (this.#broken) throw this.#broken;
    return this.#region.html();
  }

  /** What the page shows now, as a value; its `html` throws on read if a patch did not apply. */
  snapshot(): ViewState {
    const broken = this.#broken;
    const html = broken ? '' : this.#region.html();
    return {
      get html(): string {
        if (broken) throw broken;
        return html;
      },
      title: this.title,
      flash: Object.fromEntries(this.flash),
      url: this.url,
    };
  }

  /** Applies one server message to what the page shows. */
  apply(message: ServerMessage): void {
    switch (message.type) {
      case 'mounted':
        this.#reset(message.html);
        break;
      case 'patch':
        if (typeof message.html === 'string') this.#reset(message.html, true);
        else if (Array.isArray(message.ops) && !this.#broken) {
          try {
            this.#region.apply(message.ops);
          } catch (err) {
            this.#broken = err as Error; // until the next whole render
          }
        }
        if (message.streams && !this.#broken) this.#region.applyStreams(message.streams);
        break;
      case 'page_metadata': {
        // Read as a record: newer actions (e.g. `link`) may not be in this version's types.
        const head = message as { action: string; name?: string; rel?: string; value?: string; content?: string; href?: string; remove?: boolean };
        const [map, key, value] = head.action === 'meta' ? [this.meta, head.name, head.content] : head.action === 'link' ? [this.links, head.rel, head.href] : [null, undefined, undefined];
        if (head.action === 'title' && typeof head.value === 'string') this.title = head.value;
        else if (map && typeof key === 'string') {
          if (head.remove === true) map.delete(key);
          else if (typeof value === 'string') map.set(key, value);
        }
        break;
      }
      case 'flash':
        if (message.action === 'put') this.flash.set(message.level, message.message);
        else if (message.level === undefined) this.flash.clear();
        else this.flash.delete(message.level);
        break;
      case 'navigate':
        this.url = message.url;
        this.#navigations.add(typeof message.html === 'string' ? 'navigate' : 'patch', message.url);
        // Another view took the connection (pushNavigate): its region replaces this one's.
        if (typeof message.html === 'string') this.#reset(message.html);
        break;
      case 'redirect':
        this.#navigations.add('redirect', message.url);
        break;
      default:
        break;
    }
  }

  #reset(html: string, keepStreams = false): void {
    this.#region.reset(html, keepStreams);
    this.#broken = null;
  }
}
