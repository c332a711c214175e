import nunjucks from 'nunjucks';
import { DjustError } from '../core/errors';

/**
 * Renders a compiled Nunjucks template as `template.render(context)` does, with the same output
 * and errors, at a third of the cost on a loop over many rows (issue 24: a 500-row table spent
 * about half of each event in Nunjucks' `Frame.set` and a fifth in its `escape`).
 *
 * Nunjucks' compiled code reaches its runtime through the `runtime` argument of the render
 * function and its scopes through `frame.set`/`frame.push`, so this passes both in, and changes
 * only how fast they do the same thing:
 *
 * - **`Frame.set`** splits every name on `.` (a `{% for %}` sets eight names per item, seven of
 *   them `loop.*`). `LoopFrame.set` writes the `loop.*` names without splitting; every other
 *   name goes to Nunjucks' own `set`.
 * - **`suppressValue`** (every `{{ }}`) runs the escape regex's `replace` on every value;
 *   `suppressValue` here writes numbers with `String` (their text has nothing to escape) and
 *   runs `replace` only on a string that has a character to escape.
 *
 * Templates the render reaches by name (`{% include %}`, `{% import %}`) render as Nunjucks
 * renders them; `{% extends %}` and blocks run with this runtime.
 */

/** What of Nunjucks' runtime frame this file uses (its `Frame` class is not in the typings). */
interface Frame {
  variables: Record<string, unknown>;
  topLevel: boolean;
  set(name: string, value: unknown, resolveUp?: boolean): void;
  push(isolateWrites?: boolean): Frame;
}
type FrameClass = new (parent?: Frame, isolateWrites?: boolean) => Frame;

/** What of a compiled `nunjucks.Template` this file uses (internals, stable across 3.x). */
interface CompiledTemplate {
  env: nunjucks.Environment & { opts: { dev?: boolean } };
  path?: string;
  blocks: Record<string, unknown>;
  compile(): void;
  rootRenderFunc(env: unknown, context: unknown, frame: Frame, runtime: unknown, cb: (err: unknown, out?: string) => void): void;
}

type Runtime = typeof nunjucks.runtime & { Frame: FrameClass; suppressValue(value: unknown, autoescape: boolean): unknown };
type Lib = typeof nunjucks.lib & { _prettifyError(path: string | undefined, withInternals: boolean | undefined, err: unknown): Error; escape(text: string): string };

const runtime = nunjucks.runtime as Runtime;
const lib = nunjucks.lib as Lib;

/** The frame's `loop` object, made when absent, as Nunjucks' `set` makes it. */
function loopOf(frame: Frame): Record<string, unknown> {
  const vars = frame.variables;
  return (vars.loop ||= {}) as Record<string, unknown>;
}

/**
 * A frame's variables: an object with no inherited names, as Nunjucks' `Object.create(null)`
 * (`toString`, `constructor`, `__proto__` are plain names in it), but in V8's fast mode: a
 * null-prototype object is a dictionary, so every `set`, `loop.*` write and `lookup` in it was
 * a hash lookup (a 5-row loop spent ~15 % of a broadcast's delivery in `set` and `loopOf`).
 * Its prototype is an empty null-prototype object nothing ever writes.
 */
function Variables(): void {}
Variables.prototype = Object.create(null) as object;

/**
 * Nunjucks' `Frame` constructor (runtime.js: variables, parent, topLevel, isolateWrites, in that
 * order) with `Variables` for the variables; its prototype is Nunjucks' own, so `lookup`,
 * `resolve`, `get` and `pop` are Nunjucks' and a frame is still a `runtime.Frame`.
 */
function FastFrame(this: Frame & { parent: Frame | undefined; isolateWrites: boolean | undefined }, parent?: Frame, isolateWrites?: boolean): void {
  this.variables = new (Variables as unknown as new () => Record<string, unknown>)();
  this.parent = parent;
  this.topLevel = false;
  this.isolateWrites = isolateWrites;
}
FastFrame.prototype = runtime.Frame.prototype;

/** Nunjucks' `Frame`, whose `set` writes a plain name and Nunjucks' own `loop.*` names without splitting them. */
class LoopFrame extends (FastFrame as unknown as FrameClass) {
  override set(name: string, value: unknown, resolveUp?: boolean): void {
    if (!resolveUp) {
      // as Nunjucks' set: `loop` made an object when absent (a truthy non-object throws in strict mode, as there)
      // One case per name on purpose: a Map from name to key measured ~1.5× slower on a 500-row loop.
      switch (name) {
        case 'loop.index':
          loopOf(this).index = value;
          return;
        case 'loop.index0':
          loopOf(this).index0 = value;
          return;
        case 'loop.revindex':
          loopOf(this).revindex = value;
          return;
        case 'loop.revindex0':
          loopOf(this).revindex0 = value;
          return;
        case 'loop.first':
          loopOf(this).first = value;
          return;
        case 'loop.last':
          loopOf(this).last = value;
          return;
        case 'loop.length':
          loopOf(this).length = value;
          return;
        default:
          if (name.indexOf('.') === -1) {
            this.variables[name] = value; // what Nunjucks' set does with a name of one part
            return;
          }
      }
    }
    super.set(name, value, resolveUp);
  }

  override push(isolateWrites?: boolean): Frame {
    return new LoopFrame(this, isolateWrites);
  }
}

/** Characters Nunjucks' `escape` replaces (lib.js `escapeMap`). */
const NEEDS_ESCAPE = /[&"'<>\\]/;

/** Nunjucks' `suppressValue`, same output: null/undefined → '', values escaped unless safe. */
function suppressValue(value: unknown, autoescape: boolean): unknown {
  // a string or a number is never a SafeString: the common values first
  if (typeof value === 'string') return autoescape && NEEDS_ESCAPE.test(value) ? lib.escape(value) : value;
  if (typeof value === 'number') return autoescape ? String(value) : value;
  if (value === undefined || value === null) return '';
  if (!autoescape || value instanceof runtime.SafeString) return value;
  if (typeof value === 'number') return String(value);
  const text = typeof value === 'string' ? value : (value as { toString(): string }).toString();
  return NEEDS_ESCAPE.test(text) ? lib.escape(text) : text;
}

/** What of Nunjucks' render `Context` the lookup below reads. */
interface LookupContext {
  ctx: Record<string, unknown>;
  env: { globals: Record<string, unknown> };
}

/**
 * Nunjucks' `contextOrFrameLookup` (every `{{ name }}`): the frames, then `Context.lookup` — a
 * global unless the context has the name, else the context's value — with the context read
 * first, so a name the context holds (a view's field) costs no search of the globals.
 */
function contextOrFrameLookup(context: LookupContext, frame: { lookup(name: string): unknown }, name: string): unknown {
  const val = frame.lookup(name);
  if (val !== undefined) return val;
  const ctx = context.ctx;
  const own = ctx[name];
  if (own !== undefined) return own; // then `name in ctx`: Context.lookup returns ctx[name] too
  const globals = context.env.globals;
  return name in globals && !(name in ctx) ? globals[name] : own;
}

/** Nunjucks' runtime with the changes above; everything else is Nunjucks' own. */
const FAST_RUNTIME: Runtime = { ...runtime, Frame: LoopFrame as unknown as FrameClass, suppressValue, contextOrFrameLookup } as Runtime;

type ContextClass = new (ctx: object, blocks: Record<string, unknown>, env: nunjucks.Environment) => unknown;
let contextClass: ContextClass | null = null;

/** Nunjucks' render `Context` class (not exported): read once off the context of a render. */
function contextOf(env: nunjucks.Environment): ContextClass {
  if (contextClass) return contextClass;
  const code = {
    root(_env: unknown, context: { constructor: ContextClass }, _frame: unknown, _runtime: unknown, cb: (err: unknown, out: string) => void) {
      contextClass = context.constructor;
      cb(null, '');
    },
  };
  const Template = nunjucks.Template as unknown as new (src: { type: 'code'; obj: object }, env: nunjucks.Environment) => nunjucks.Template;
  new Template({ type: 'code', obj: code }, env).render({});
  if (!contextClass) throw new DjustError('DJUST_ERR_TEMPLATE', 'djust-lite: could not read Nunjucks\' Context class (the fast render relies on nunjucks 3.x internals); install nunjucks 3.x.');
  return contextClass;
}

/** A render's whole block table: each block name with its functions, in the order Nunjucks' `addBlock` calls would build it. */
export type BlockTable = readonly (readonly [string, readonly unknown[]])[];

/**
 * On a template whose render's whole block table is known ahead (block-render.ts's block
 * templates): that table. An owned render then builds each block's list at its size, and the
 * template's root (told by BLOCKS_WHOLE on the context) adds nothing to it.
 */
export const BLOCK_TABLE = Symbol('djust-lite.blockTable');
/** On a render's context: its block table is already whole (see BLOCK_TABLE). */
export const BLOCKS_WHOLE = Symbol('djust-lite.blocksWhole');

/**
 * Nunjucks' `new Context(ctx, blocks, env)` (environment.js `Context.init`: env, a copy of
 * ctx, a list per block, no exports) with `ctx` itself as its variables: no copy. For a
 * template with a BLOCK_TABLE, the lists hold the whole table (each a copy, nothing shared
 * between renders) and the context says so (BLOCKS_WHOLE).
 */
function ownedContext(Context: ContextClass, ctx: object, t: CompiledTemplate): unknown {
  const context = Object.create(Context.prototype) as { env: unknown; ctx: object; blocks: Record<string, unknown[]>; exported: string[]; [BLOCKS_WHOLE]?: true };
  context.env = t.env;
  context.ctx = ctx;
  const blocks: Record<string, unknown[]> = {};
  const table = (t as { [BLOCK_TABLE]?: BlockTable })[BLOCK_TABLE];
  if (table === undefined) {
    for (const name of Object.keys(t.blocks)) blocks[name] = [t.blocks[name]];
  } else {
    for (let i = 0; i < table.length; i += 1) {
      const [name, fns] = table[i] as readonly [string, readonly unknown[]];
      blocks[name] = fns.slice();
    }
    context[BLOCKS_WHOLE] = true;
  }
  context.blocks = blocks;
  context.exported = [];
  return context;
}

/**
 * `template.render(context)`, synchronous, with the same output and errors. `owned`: the
 * caller made `context` for this render and does not read it afterwards, so the render uses it
 * as its variables instead of a copy (a `{% set %}` at the top level then writes into it).
 *
 * @example
 * const list = env.getTemplate('list.njk');
 * renderTemplate(list, { rows }) === list.render({ rows }); // true, faster
 */
export function renderTemplate(template: nunjucks.Template, context: object, owned = false): string {
  const t = template as unknown as CompiledTemplate;
  try {
    t.compile();
  } catch (err) {
    throw lib._prettifyError(t.path, t.env.opts.dev, err);
  }
  const Context = contextOf(t.env);
  const frame = new LoopFrame();
  frame.topLevel = true;
  let out: string | null = null; // null when the template never finished (as Template.render)
  t.rootRenderFunc(t.env, owned ? ownedContext(Context, context, t) : new Context(context, t.blocks, t.env), frame, FAST_RUNTIME, (err, res) => {
    // as Template.render without a callback: the first error is thrown (out of the render function)
    if (err) throw lib._prettifyError(t.path, t.env.opts.dev, err);
    out = res ?? null;
  });
  return out as unknown as string;
}
