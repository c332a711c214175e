import path from 'node:path';
import nunjucks from 'nunjucks';
import { escapeHtml } from './html';
import { FLASH_CONTAINER_ID, flashElement, metaAttrFor } from '../contract/contract';
import { JS } from './js-commands';
import { liveComponentTag } from './components';

/**
 * Folder of the built-in templates (`djust/head.njk`, `djust/flash.njk`, `djust/error.njk`): at
 * the package root, beside lib/ and dist/, so the same path works from the sources and the build.
 */
export const BUILTIN_VIEWS = path.resolve(__dirname, '..', '..', 'views');

/** Context key the djust tags read; not meant for templates. */
export const HOOKS_KEY = '__djust';

/** What the djust tags render on a page: null on live re-renders, absent in templates rendered outside djust-lite. */
export interface PageHooks {
  /** `nonce`: from `{% djust_scripts nonce=… %}`, else the page uses `res.locals.cspNonce`. */
  scripts(nonce?: string): string;
}

type NunjucksNodes = { CallExtension: new (ext: object, method: string, args: unknown, body: unknown) => unknown };
type NunjucksParser = {
  nextToken(): { value: string };
  parseSignature(a: null, b: boolean): unknown;
  advanceAfterBlockEnd(name: string): void;
};

/**
 * A body-less tag `{% name %}` that renders `run(context, keywords)` as safe HTML; `keywords`
 * holds its keyword arguments (`{% name nonce=n %}`).
 */
function simpleTag(name: string, run: (ctx: Record<string, unknown>, keywords: Record<string, unknown>) => string): nunjucks.Extension & Record<string, unknown> {
  return {
    tags: [name],
    parse(parser: NunjucksParser, nodes: NunjucksNodes) {
      const token = parser.nextToken();
      const args = parser.parseSignature(null, true);
      parser.advanceAfterBlockEnd(token.value);
      return new nodes.CallExtension(this, 'run', args, null);
    },
    run(context: { ctx: Record<string, unknown> }, ...args: unknown[]) {
      // Nunjucks passes keyword arguments as a last object marked `__keywords`.
      const last = args.at(-1) as Record<string, unknown> | undefined;
      return new nunjucks.runtime.SafeString(run(context.ctx, last?.__keywords === true ? last : {}));
    },
  };
}

/** Template `{% djust_head %}` renders; an app overrides it with djust/head.njk in its views folder. */
export const HEAD_TEMPLATE = 'djust/head.njk';
/** Template `{% djust_flash %}` renders (overridable the same way). */
export const FLASH_TEMPLATE = 'djust/flash.njk';
/** Template of the development error page (overridable the same way). */
export const ERROR_TEMPLATE = 'djust/error.njk';

/** An environment prepared here: the loader of the built-in templates, added after the app's. */
type Prepared = nunjucks.Environment & { __djustBuiltin?: nunjucks.FileSystemLoader & { cache: Record<string, nunjucks.Template> } };

let builtinEnv: nunjucks.Environment | null = null;

/** An environment over the built-in templates only, for rendering them outside an app. */
function builtinEnvironment(): nunjucks.Environment {
  return (builtinEnv ??= prepareEnvironment(new nunjucks.Environment([], { autoescape: true })));
}

/**
 * The compiled template `name`: the app's if one of its loaders has it, else the built-in one.
 * Cached by the loader that found it, so a tag costs a cache lookup and the render.
 */
function djustTemplate(env: nunjucks.Environment, name: string): nunjucks.Template {
  try {
    return env.getTemplate(name);
  } catch (err) {
    // A loader that throws for a name it lacks (nunjucks's own return null) hides the built-in
    // loader behind it: load the built-in template directly, into that loader's cache.
    const builtin = (env as Prepared).__djustBuiltin;
    const source = builtin?.getSource(name);
    if (!builtin || !source) throw err;
    const template = new nunjucks.Template(source.src, env, source.path);
    builtin.cache[name] = template;
    return template;
  }
}

/**
 * What `{% djust_head %}` renders: `<title>` (omitted when there is none), every meta tag
 * with the client's name/property rule, and every `<link rel>`, escaped — exactly what live
 * updates would set, so crawlers and first paint see the same head. Renders djust/head.njk
 * of `env` (the app's override if it has one).
 *
 * @example
 * renderHead('Mug', { 'og:image': '/mug.png' }, { canonical: '/store?product=mug' });
 * // '<title>Mug</title>\n<meta property="og:image" content="/mug.png">\n<link rel="canonical" href="/store?product=mug">'
 */
export function renderHead(
  title: string | undefined,
  meta: Record<string, string>,
  links: Record<string, string> = {},
  env: nunjucks.Environment = builtinEnvironment(),
): string {
  return djustTemplate(env, HEAD_TEMPLATE).render({
    title,
    meta: Object.entries(meta).map(([name, content]) => ({ attr: metaAttrFor(name), name, content })),
    links: Object.entries(links).map(([rel, href]) => ({ rel, href })),
  });
}

/**
 * The flash container with the messages shown now (level → message), as djust/flash.njk of
 * `env` renders it; each message is the element the client builds for a live one.
 *
 * @example
 * renderFlash({ info: 'Saved' });
 * // '<div id="dj-flash-container"><div class="dj-flash dj-flash-info" role="alert" data-level="info">Saved</div></div>'
 */
export function renderFlash(flash: Record<string, string>, env: nunjucks.Environment = builtinEnvironment()): string {
  return djustTemplate(env, FLASH_TEMPLATE).render({
    container_id: FLASH_CONTAINER_ID,
    messages: Object.entries(flash).map(([level, message]) => ({ level, message, ...flashElement(level, message) })),
  });
}

/** What the development error page shows about one error of the `cause` chain. */
function describeError(error: unknown): { heading: string; message: string; stack: string } {
  if (!(error instanceof Error)) return { heading: 'Thrown value', message: String(error), stack: '' };
  const code = (error as { code?: unknown }).code;
  return { heading: typeof code === 'string' ? `${error.name} [${code}]` : error.name, message: error.message, stack: error.stack ?? '' };
}

/** What failed, for {@link renderErrorPage}. */
export interface ErrorPageInfo {
  error: unknown;
  /** The view class's name. */
  viewName?: string;
  /** The view's template. */
  template?: string;
  /** The URL requested. */
  url?: string;
}

/**
 * The page a live route shows when its HTTP render fails in development (NODE_ENV=development
 * only: it shows the stack): the error's name, code and message, the view, template and URL,
 * the stack and the `cause` chain, all escaped. Renders djust/error.njk of `env` (the app's
 * override if it has one); if that template fails too, a plain page says so.
 *
 * @example
 * if (process.env.NODE_ENV === 'development') {
 *   res.status(500).type('html').send(renderErrorPage(env, { error, viewName: 'StoreView', template: 'store.njk', url: req.originalUrl }));
 * }
 */
export function renderErrorPage(env: nunjucks.Environment, { error, viewName, template, url }: ErrorPageInfo): string {
  const causes: ReturnType<typeof describeError>[] = [];
  for (let cause = error instanceof Error ? error.cause : undefined; cause !== undefined && causes.length < 5; ) {
    causes.push(describeError(cause));
    cause = cause instanceof Error ? cause.cause : undefined;
  }
  const context = { ...describeError(error), view: viewName, template, url, causes };
  try {
    return djustTemplate(env, ERROR_TEMPLATE).render(context);
  } catch (templateError) {
    const text = [context.heading, context.message, viewName, template, url, context.stack, `(${ERROR_TEMPLATE} failed too: ${describeError(templateError).message})`];
    return `<!doctype html><meta charset="utf-8"><title>Error</title><pre>${escapeHtml(text.filter(Boolean).join('\n\n'))}</pre>`;
  }
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

/**
 * Registers the djust tags on an environment (idempotent) and adds the built-in templates
 * after its own loaders, so a same-named template of the app (djust/flash.njk…) wins.
 */
export function prepareEnvironment(env: nunjucks.Environment): nunjucks.Environment {
  const marked = env as Prepared & { __djustReady?: boolean; loaders?: unknown[] };
  if (marked.__djustReady) return env;
  // `{% djust_scripts nonce=cspNonce %}`: a CSP nonce for the script tag (a non-string or
  // empty one is ignored, and the page's `res.locals.cspNonce` is used when there is one).
  env.addExtension('DjustScripts', simpleTag('djust_scripts', (ctx, { nonce }) => {
    const hooks = ctx[HOOKS_KEY] as PageHooks | undefined;
    return hooks ? hooks.scripts(typeof nonce === 'string' && nonce !== '' ? nonce : undefined) : '';
  }));
  // A live re-render keeps only the region (in <body>); the head there is the client's, kept
  // current by page_metadata messages, so the tag skips its work (hooks === null).
  env.addExtension('DjustHead', simpleTag('djust_head', (ctx) => ctx[HOOKS_KEY] === null ? '' :
    renderHead(
      ctx.page_title as string | undefined,
      (ctx.page_meta as Record<string, string> | undefined) ?? {},
      (ctx.page_links as Record<string, string> | undefined) ?? {},
      env,
    ),
  ));
  // The compiled template stays in its loader's cache (unless the environment has noCache).
  env.addExtension('DjustFlash', simpleTag('djust_flash', (ctx) =>
    renderFlash((ctx.flash as Record<string, string> | undefined) ?? {}, env),
  ));
  // `{% live_component Row, id=row.id, row=row %}`: a LiveComponent (lib/render/components.ts)
  env.addExtension('LiveComponent', liveComponentTag);
  // `{{ js.toggle('#menu') }}`: JS commands (docs/interactions.md#js-commands) in every template
  env.addGlobal('js', JS);
  if (Array.isArray(marked.loaders)) {
    // Environment.init gives each loader its template cache; a loader added later needs one too.
    const builtin = Object.assign(new nunjucks.FileSystemLoader(BUILTIN_VIEWS), { cache: {} });
    marked.loaders.push(builtin);
    marked.__djustBuiltin = builtin;
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
