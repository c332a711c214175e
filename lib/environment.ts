import path from 'node:path';
import nunjucks from 'nunjucks';
import { escapeHtml } from './html';
import { metaAttrFor } from './page-metadata';

/** Folder of the built-in templates (`djust/layout.njk`, `djust/error.njk`). */
export const BUILTIN_VIEWS = path.resolve(__dirname, '..', 'views');

/** Context key the djust tags read; not meant for templates. */
export const HOOKS_KEY = '__djust';

/** What the djust tags render on a page: null on live re-renders, absent in templates rendered outside djust-lite. */
export interface PageHooks {
  scripts(): string;
}

type NunjucksNodes = { CallExtension: new (ext: object, method: string, args: unknown, body: unknown) => unknown };
type NunjucksParser = {
  nextToken(): { value: string };
  parseSignature(a: null, b: boolean): unknown;
  advanceAfterBlockEnd(name: string): void;
};

/** A body-less tag `{% name %}` that renders `run(context)` as safe HTML. */
function simpleTag(name: string, run: (ctx: Record<string, unknown>) => string): nunjucks.Extension & Record<string, unknown> {
  return {
    tags: [name],
    parse(parser: NunjucksParser, nodes: NunjucksNodes) {
      const token = parser.nextToken();
      const args = parser.parseSignature(null, true);
      parser.advanceAfterBlockEnd(token.value);
      return new nodes.CallExtension(this, 'run', args, null);
    },
    run(context: { ctx: Record<string, unknown> }) {
      return new nunjucks.runtime.SafeString(run(context.ctx));
    },
  };
}

/**
 * What `{% djust_head %}` renders: `<title>` (omitted when there is none), every meta tag
 * with the client's name/property rule, and every `<link rel>`, escaped — exactly what live
 * updates would set, so crawlers and first paint see the same head.
 */
export function renderHead(title: string | undefined, meta: Record<string, string>, links: Record<string, string> = {}): string {
  const out: string[] = title === undefined ? [] : [`<title>${escapeHtml(title)}</title>`];
  for (const [name, content] of Object.entries(meta)) {
    out.push(`<meta ${metaAttrFor(name)}="${escapeHtml(name)}" content="${escapeHtml(content)}">`);
  }
  for (const [rel, href] of Object.entries(links)) out.push(`<link rel="${escapeHtml(rel)}" href="${escapeHtml(href)}">`);
  return out.join('\n');
}

/** The flash container with the messages shown now; the client keeps the same structure. */
export function renderFlash(flash: Record<string, string>): string {
  let out = '<div id="dj-flash-container">';
  for (const [level, message] of Object.entries(flash)) {
    out += `<div class="dj-flash dj-flash-${escapeHtml(level)}" role="alert" data-level="${escapeHtml(level)}">${escapeHtml(message)}</div>`;
  }
  return `${out}</div>`;
}

/** What each loader searches: a FileSystemLoader's folders, or what kind of loader it is. */
function searched(loaders: unknown[]): string[] {
  return loaders.flatMap((loader) => {
    const paths = (loader as { searchPaths?: unknown }).searchPaths;
    if (Array.isArray(paths)) return paths.map(String);
    const name = (loader as { constructor?: { name?: string } }).constructor?.name;
    return [`(a ${name || 'custom'} loader)`];
  });
}

/**
 * Makes Nunjucks' "template not found: x" name every folder it searched, for templates of the
 * page, its layouts and includes alike: `getTemplate` is where each of them is looked up, and its
 * error (thrown, or handed to its callback) is reworded before Nunjucks wraps it.
 */
function nameSearchedFolders(env: nunjucks.Environment, loaders: unknown[]): void {
  const reword = (err: unknown): unknown => {
    if (err instanceof Error && err.message.startsWith('template not found: ') && !err.message.includes(' (searched ')) {
      err.message += ` (searched ${searched(loaders).join(', ')}; check the template name, or the "views" option)`;
    }
    return err;
  };
  const getTemplate = env.getTemplate as (...args: unknown[]) => unknown;
  (env as { getTemplate: unknown }).getTemplate = function getTemplateNamingFolders(this: unknown, ...args: unknown[]): unknown {
    // Nunjucks takes the callback at any of its optional positions.
    const at = args.findIndex((arg) => typeof arg === 'function');
    if (at >= 0) {
      const callback = args[at] as (err: unknown, template?: unknown) => void;
      args[at] = (err: unknown, template?: unknown) => callback(err ? reword(err) : err, template);
    }
    try {
      return getTemplate.apply(this, args);
    } catch (err) {
      throw reword(err);
    }
  };
}

/** Registers the djust tags on an environment (idempotent) and makes the built-in templates loadable. */
export function prepareEnvironment(env: nunjucks.Environment): nunjucks.Environment {
  const marked = env as nunjucks.Environment & { __djustReady?: boolean; loaders?: unknown[] };
  if (marked.__djustReady) return env;
  env.addExtension('DjustScripts', simpleTag('djust_scripts', (ctx) => {
    const hooks = ctx[HOOKS_KEY] as PageHooks | undefined;
    return hooks ? hooks.scripts() : '';
  }));
  // A live re-render keeps only the region (in <body>); the head there is the client's, kept
  // current by page_metadata messages, so the tag skips its work (hooks === null).
  env.addExtension('DjustHead', simpleTag('djust_head', (ctx) => ctx[HOOKS_KEY] === null ? '' :
    renderHead(
      ctx.page_title as string | undefined,
      (ctx.page_meta as Record<string, string> | undefined) ?? {},
      (ctx.page_links as Record<string, string> | undefined) ?? {},
    ),
  ));
  env.addExtension('DjustFlash', simpleTag('djust_flash', (ctx) =>
    renderFlash((ctx.flash as Record<string, string> | undefined) ?? {}),
  ));
  if (Array.isArray(marked.loaders)) {
    // Environment.init gives each loader its template cache; a loader added later needs one too.
    const builtin = Object.assign(new nunjucks.FileSystemLoader(BUILTIN_VIEWS), { cache: {} });
    marked.loaders.push(builtin);
    nameSearchedFolders(env, marked.loaders);
  }
  marked.__djustReady = true;
  return env;
}

/** A Nunjucks environment over the user's views folder plus the built-in templates; autoescape on. */
export function createEnvironment(viewsDir: string): nunjucks.Environment {
  const env = new nunjucks.Environment([new nunjucks.FileSystemLoader(viewsDir)], {
    autoescape: true,
    noCache: process.env.NODE_ENV === 'development',
  });
  return prepareEnvironment(env);
}
