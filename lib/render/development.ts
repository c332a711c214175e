import fs from 'node:fs';
import path from 'node:path';
import type { Environment } from 'nunjucks';
import type { ResolvedLogger } from '../core/logger';
import type { DevMessage, ServerMessage } from '../contract/protocol';
import type { TemplateNotices } from './renderer';

/**
 * What djust-lite does only in development (NODE_ENV unset or `development`): it tells, once
 * per template, that every event re-renders the whole page and what to wrap — in the server
 * log, and on each connection of that template in the browser console (`{type:"dev",
 * action:"warn"}`) — and, unless `liveReload: false`, it watches the views folders and sends
 * `{type:"dev", action:"reload"}` to every live connection when a template changes (a layout
 * or partial may be part of any page, so all of them reload). Nothing here runs in production.
 * The middleware makes one per `djustLite()` instance; `close()` ends the watchers.
 */

/** A live connection as this module sees it: something to send a message to, in order. */
export interface DevTarget {
  notify(message: ServerMessage): void;
}

/** Several writes of one save (editors write, rename, touch) reload once. */
const SETTLE_MS = 50;

/** The notice for a template whose live renders render the whole page. */
export function wholePageNotice(template: string): string {
  return `djust-lite: every event on "${template}" re-renders the whole page, since no {% block %} holds its dj-root element. ` +
    `Wrap that element in a block and only the block re-renders: {% block live %}<main dj-root>…</main>{% endblock %} (docs/templates.md).`;
}

/** The notice for an element with `dj-key` and no key binding (`dj-key` keyed the diff in earlier versions). */
export function strayKeyNotice(template: string, tag: string): string {
  return `djust-lite: "${template}" renders ${tag}: dj-key filters the keys of dj-keydown/dj-keyup bindings and this element has none. ` +
    'To key an element for the diff (so a reordered list moves instead of re-rendering), give it an id; remove dj-key here (docs/diff-format.md).';
}

export class Development implements TemplateNotices {
  readonly #logger: ResolvedLogger;
  /** Template → its notice, for the templates whose live renders render the whole page. */
  readonly #wholePage = new Map<string, DevMessage>();
  /** Templates already told about a stray `dj-key`. */
  readonly #strayKeys = new Set<string>();
  readonly #targets = new Set<DevTarget>();
  readonly #watchers: fs.FSWatcher[] = [];
  #timer: NodeJS.Timeout | null = null;

  constructor(logger: ResolvedLogger) {
    this.#logger = logger;
  }

  /** The renderer found that `template`'s live renders render the whole page: said once in the log. */
  wholePage(template: string): void {
    if (this.#wholePage.has(template)) return;
    const message = wholePageNotice(template);
    this.#wholePage.set(template, { type: 'dev', action: 'warn', message });
    this.#logger.warn(message);
  }

  /** The renderer found an element with `dj-key` and no key binding in `template`: said once in the log. */
  strayKey(template: string, tag: string): void {
    if (this.#strayKeys.has(template)) return;
    this.#strayKeys.add(template);
    this.#logger.warn(strayKeyNotice(template, tag));
  }

  /** A connection mounted a view of `template`: its notice, if any, goes in `out`; it reloads with the others. */
  connected(target: DevTarget, template: string, out: ServerMessage[]): void {
    const notice = this.#wholePage.get(template);
    if (notice) out.push(notice);
    if (this.#watchers.length > 0) this.#targets.add(target);
  }

  disconnected(target: DevTarget): void {
    this.#targets.delete(target);
  }

  /**
   * Watches `folders` (recursively); on a change, `forget()` drops what was compiled from the
   * old sources, then every connection is told to reload. A folder that cannot be watched is
   * logged and skipped.
   */
  watch(folders: readonly string[], forget: () => void): void {
    for (const folder of new Set(folders.map((f) => path.resolve(f)))) {
      try {
        const watcher = fs.watch(folder, { recursive: true, persistent: false }, () => this.#changed(forget));
        watcher.on('error', (err) => this.#logger.warn(`djust-lite: stopped watching ${folder} for template changes (${err.message}).`));
        this.#watchers.push(watcher);
      } catch (err) {
        this.#logger.warn(`djust-lite: cannot watch ${folder} for template changes (${(err as Error).message}); restart the server after editing templates, or pass liveReload: false.`);
      }
    }
  }

  #changed(forget: () => void): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      forget();
      this.#wholePage.clear();
      this.#strayKeys.clear();
      this.#logger.debug(`djust-lite: a template changed; reloading ${this.#targets.size} live page(s).`);
      for (const target of this.#targets) target.notify({ type: 'dev', action: 'reload' });
    }, SETTLE_MS);
    this.#timer.unref?.(); // (a number under jsdom)
  }

  /** Stops watching (idempotent). */
  close(): void {
    for (const watcher of this.#watchers.splice(0)) watcher.close();
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#targets.clear();
  }
}

/**
 * Forgets every compiled template of `env` (each loader's cache), so the next render reads
 * the sources again. Nunjucks keeps them until a restart unless its own watcher (chokidar,
 * not installed here) or `noCache` is on.
 */
export function forgetCompiledTemplates(env: Environment): void {
  const loaders = (env as unknown as { loaders?: { cache?: Record<string, unknown> }[] }).loaders ?? [];
  for (const loader of loaders) if (loader.cache) loader.cache = {};
}

/** The folders a Nunjucks environment's file loaders read (the user's own `env` option). */
export function searchedFolders(env: Environment): string[] {
  const loaders = (env as unknown as { loaders?: { searchPaths?: unknown }[] }).loaders ?? [];
  return loaders.flatMap((loader) => (Array.isArray(loader.searchPaths) ? loader.searchPaths.filter((p): p is string => typeof p === 'string') : []));
}
