import nunjucks from 'nunjucks';
import { ROOT_ATTR } from '../contract/contract';
import { TAG_ATTR } from './html';
import { BLOCK_TABLE, BLOCKS_WHOLE, type BlockTable } from './fast-render';

/**
 * Live re-renders of the one `{% block %}` that holds a view's dj-root element, instead of the
 * whole page: the layout around it (head, navigation, footer) is rendered for the HTTP page
 * only. A view's template gets a block plan when both hold:
 *
 * - statically, rendering that block alone cannot differ from rendering it inside the page:
 *   every template of the `{% extends %}` chain (literal names) has, outside that block's own
 *   bodies, nothing that defines names the block could read (`set`, `import`, `from … import`,
 *   `macro`, `call`); an extending template has only `extends`, blocks and text at its top
 *   level; wherever the block appears, only other blocks are around it (no `if`/`for`), and
 *   the base template renders it;
 * - its source holds the dj-root attribute, and on the first live render its output appears
 *   verbatim in the page, around the page's region.
 *
 * Otherwise (and in development, where templates reload) the page is rendered whole, as before.
 * A template with no `{% extends %}` is a chain of one: a `{% block %}` around its dj-root
 * element is enough.
 */

/** What the Nunjucks parser returns: nodes with a type name and their child fields. */
interface AstNode {
  typename: string;
  fields: string[];
  [field: string]: unknown;
}

type BlockFn = (env: unknown, context: unknown, frame: unknown, runtime: unknown, cb: (err: unknown, out?: string) => void) => void;

interface CompiledTemplate {
  path?: string;
  tmplStr?: string;
  blocks: Record<string, BlockFn>;
}

type Nunjucks = typeof nunjucks & {
  parser: { parse(src: string, extensions: unknown, opts: unknown): AstNode };
  Template: new (src: { type: 'code'; obj: Record<string, unknown> }, env: nunjucks.Environment, path?: string) => nunjucks.Template;
};

/** Nodes that put names in scope for what follows them. */
const DEFINES = new Set(['Set', 'Import', 'FromImport', 'Macro', 'Caller']);

/** A template of the chain: its compiled form and its syntax tree. */
interface Link {
  template: CompiledTemplate;
  ast: AstNode;
}

/** The extends chain from the view's template to its base, or null when it is not literal. */
function chainOf(env: nunjucks.Environment, name: string): Link[] | null {
  const { extensionsList, opts } = env as nunjucks.Environment & { extensionsList: unknown; opts: unknown };
  const links: Link[] = [];
  let next: string | null = name;
  let from: string | undefined;
  while (next !== null) {
    if (links.length > 16) return null;
    const template = (env.getTemplate as (n: string, eager: boolean, parent?: string) => nunjucks.Template)(next, true, from) as unknown as CompiledTemplate;
    if (typeof template.tmplStr !== 'string') return null;
    const ast = (nunjucks as Nunjucks).parser.parse(template.tmplStr, extensionsList, opts);
    links.push({ template, ast });
    const extendsNode = childrenOf(ast).find((n) => n.typename === 'Extends');
    if (!extendsNode) break;
    const target = extendsNode.template as AstNode | undefined;
    if (target?.typename !== 'Literal' || typeof target.value !== 'string') return null;
    next = target.value;
    from = template.path;
  }
  return links;
}

/** Every child node of `node`, from all its fields (lists included). */
function kidsOf(node: AstNode): AstNode[] {
  const out: AstNode[] = [];
  for (const field of node.fields) {
    const value = node[field];
    for (const item of Array.isArray(value) ? value : [value]) {
      if (item && typeof item === 'object' && typeof (item as AstNode).typename === 'string') out.push(item as AstNode);
    }
  }
  return out;
}

function childrenOf(node: AstNode): AstNode[] {
  const list = node.children;
  return Array.isArray(list) ? (list as AstNode[]) : [];
}

function blockName(node: AstNode): string | null {
  const name = node.name as AstNode | undefined;
  return typeof name?.value === 'string' ? name.value : null;
}

/** Whether anything in `node`, outside the bodies of blocks named `target`, defines names. */
function definesOutside(node: AstNode, target: string): boolean {
  if (DEFINES.has(node.typename)) return true;
  if (node.typename === 'Block' && blockName(node) === target) return false;
  return kidsOf(node).some((kid) => definesOutside(kid, target));
}

/** Whether every block named `target` in `node` has only blocks around it (no if/for/macro …). */
function onlyUnderBlocks(node: AstNode, target: string, controlled = false): boolean {
  if (node.typename === 'Block' && blockName(node) === target) return !controlled;
  const passes = node.typename === 'Root' || node.typename === 'NodeList' || node.typename === 'Block';
  return kidsOf(node).every((kid) => onlyUnderBlocks(kid, target, controlled || !passes));
}

/** The first definition of block `name` along the chain (the leaf's wins, as in the page), or null. */
function definitionOf(chain: readonly Link[], name: string): AstNode | null {
  const find = (node: AstNode): AstNode | null => {
    if (node.typename === 'Block' && blockName(node) === name) return node;
    for (const kid of kidsOf(node)) {
      const found = find(kid);
      if (found) return found;
    }
    return null;
  };
  for (const { ast } of chain) {
    const found = find(ast);
    if (found) return found;
  }
  return null;
}

/**
 * Where the page renders block `target`: the list of sibling nodes holding it and its index,
 * reached from the base template's top level through blocks only (each taken as the page
 * takes it, from its first definition), no if/for around; null when it is not rendered so.
 */
function callSite(chain: readonly Link[], node: AstNode, target: string, depth = 0): { siblings: AstNode[]; index: number } | null {
  if (depth > 32) return null;
  const siblings = childrenOf(node);
  for (const [index, child] of siblings.entries()) {
    if (child.typename !== 'Block') continue;
    const name = blockName(child);
    if (name === target) return { siblings, index };
    const body = name === null ? null : (definitionOf(chain, name)?.body as AstNode | undefined);
    const found = body ? callSite(chain, body, target, depth + 1) : null;
    if (found) return found;
  }
  return null;
}

/** Whether `node`, as the page renders it (nested blocks by their first definitions), has dj-root in its text. */
function mentionsRoot(chain: readonly Link[], node: AstNode, hops = 0): boolean {
  if (node.typename === 'TemplateData') return typeof node.value === 'string' && node.value.includes(ROOT_ATTR);
  if (node.typename === 'Block') {
    const name = blockName(node);
    const body = hops > 32 || name === null ? null : (definitionOf(chain, name)?.body as AstNode | undefined);
    return body ? mentionsRoot(chain, body, hops + 1) : false;
  }
  return kidsOf(node).some((kid) => mentionsRoot(chain, kid, hops));
}

/** Whether rendering block `target` alone is the same as rendering it in the page (static part). */
function safeAlone(chain: readonly Link[], target: string): boolean {
  const base = chain[chain.length - 1] as Link;
  if (!callSite(chain, base.ast, target)) return false;
  for (const [i, { ast }] of chain.entries()) {
    if (definesOutside(ast, target) || !onlyUnderBlocks(ast, target)) return false;
    const extending = i < chain.length - 1;
    if (extending && childrenOf(ast).some((n) => n.typename !== 'Extends' && n.typename !== 'Block' && !isText(n))) return false;
  }
  return true;
}

function isText(node: AstNode): boolean {
  return node.typename === 'Output' && childrenOf(node).every((c) => c.typename === 'TemplateData');
}

function textOf(node: AstNode | undefined): string | null {
  return node && isText(node) ? childrenOf(node).map((c) => String(c.value)).join('') : null;
}

/** A start tag with the dj-root attribute (empty value or none), then only whitespace, at the end of a text. */
const ROOT_OPENS = new RegExp(String.raw`<([A-Za-z][^\s/>]*)(?:${TAG_ATTR})*?\s+${ROOT_ATTR}(?:\s*=\s*(?:""|''))?(?=[\s/>])(?:${TAG_ATTR})*\s*>(\s*)$`);

/**
 * The region around block `target` when the base template writes, as plain text, the dj-root
 * element's opening tag right before the block and its closing tag right after it (only
 * whitespace between): the region is then always that whitespace, the block, that whitespace.
 */
function wrapperOf(chain: readonly Link[], target: string): Wrapper | null {
  const site = callSite(chain, (chain[chain.length - 1] as Link).ast, target);
  if (!site) return null;
  const before = textOf(site.siblings[site.index - 1]);
  const after = textOf(site.siblings[site.index + 1]);
  const open = before === null ? null : ROOT_OPENS.exec(before);
  if (!open || after === null) return null;
  const close = new RegExp(`^(\\s*)</${open[1]}\\s*>`, 'i').exec(after);
  return close ? { before: open[2] as string, after: close[1] as string, rootTag: (open[1] as string).toLowerCase() } : null;
}

/** A template that renders block `target` with the block table the whole page would have. */
function blockTemplate(env: nunjucks.Environment, chain: readonly Link[], target: string): nunjucks.Template {
  const [leaf, ...parents] = chain as [Link, ...Link[]];
  // the parents' blocks in the order the page render adds them (read once: compiled, they do not change)
  const inherited = parents.flatMap(({ template }) => Object.entries(template.blocks));
  const obj: Record<string, unknown> = {
    root(renderEnv: unknown, context: { addBlock(name: string, fn: BlockFn): void; getBlock(name: string): BlockFn; [BLOCKS_WHOLE]?: true }, frame: unknown, runtime: unknown, cb: (err: unknown, out?: string) => void) {
      // an owned render (fast-render.ts) built the whole table from BLOCK_TABLE already
      if (context[BLOCKS_WHOLE] !== true) {
        for (let i = 0; i < inherited.length; i += 1) {
          const [name, fn] = inherited[i] as [string, BlockFn];
          context.addBlock(name, fn);
        }
      }
      context.getBlock(target)(renderEnv, context, frame, runtime, cb);
    },
  };
  // what `root` leaves in the context's table: the leaf's blocks (Nunjucks' Context), then `inherited` added in order
  const table = new Map<string, BlockFn[]>();
  for (const [name, fn] of Object.entries(leaf.template.blocks)) {
    obj[`b_${name}`] = fn;
    table.set(name, [fn]);
  }
  for (const [name, fn] of inherited) {
    const fns = table.get(name);
    if (fns) fns.push(fn);
    else table.set(name, [fn]);
  }
  const template = new (nunjucks as Nunjucks).Template({ type: 'code', obj }, env, leaf.template.path);
  (template as unknown as { [BLOCK_TABLE]: BlockTable })[BLOCK_TABLE] = [...table];
  return template;
}

/** Static text the base template writes between the dj-root element's tags and the block. */
export interface Wrapper {
  before: string;
  after: string;
  /** Tag name of the dj-root element. */
  rootTag: string;
}

/**
 * A plan: the block to render for a view's template. `wrapper` null: the block's output holds
 * the dj-root element; otherwise the block is the region's content, inside `wrapper`.
 */
export interface BlockPlan {
  name: string;
  template: nunjucks.Template;
  wrapper: Wrapper | null;
}

/**
 * The blocks of template `name` that may be rendered alone and hold dj-root (or are, inside a
 * Wrapper, the region's whole content), each with its output for `context`, smallest first —
 * the caller keeps the first that matches the page's region. Empty when none qualifies (or
 * anything about the templates is not as expected). The caller decides whether to use them
 * (not while templates reload: lib/render/renderer.ts).
 */
export function candidatePlans(env: nunjucks.Environment, name: string, context: object, debug: (message: string) => void): { plan: BlockPlan; html: string }[] {
  try {
    const chain = chainOf(env, name);
    if (!chain || chain.length === 0) return [];
    const names = new Set(chain.flatMap(({ template }) => Object.keys(template.blocks)));
    const out: { plan: BlockPlan; html: string }[] = [];
    for (const block of names) {
      const definition = definitionOf(chain, block);
      if (!definition || !safeAlone(chain, block)) continue;
      const holds = mentionsRoot(chain, definition.body as AstNode);
      const wrapper = holds ? null : wrapperOf(chain, block);
      if (!holds && wrapper === null) continue;
      const template = blockTemplate(env, chain, block);
      try {
        out.push({ plan: { name: block, template, wrapper }, html: template.render(context) });
      } catch (err) {
        // this block does not render alone; another may
        debug(`djust-lite: block "${block}" of "${name}" does not render alone (${(err as Error).message}); trying the others.`);
      }
    }
    return out.sort((a, b) => a.html.length - b.html.length);
  } catch (err) {
    debug(`djust-lite: live renders of "${name}" render the whole page: planning a block render failed (${(err as Error).message}).`);
    return [];
  }
}
