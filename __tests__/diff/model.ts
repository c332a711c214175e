/**
 * Random HTML for the diff property test: a small model of element trees (flow and phrasing
 * content, keyed lists, tables with and without <tbody>, selects, textareas, pre, comments,
 * void elements, entities) and mutations that turn one tree into a related one.
 */
import fc from 'fast-check';

/** What children an element takes. */
type Ctx = 'flow' | 'phrasing' | 'ul' | 'rows' | 'cells' | 'options' | 'text' | 'void';

export type M =
  | { k: 'text'; v: string }
  | { k: 'comment'; v: string }
  | { k: 'raw'; v: string }
  | { k: 'el'; tag: string; ctx: Ctx; attrs: [string, string][]; kids: M[]; flag: boolean };

const TEXTS = ['a', 'b', 'hello world', ' ', '\n  ', 'x & y', '<b>', '"q"', "it's", 'é', '€ 5', 'a  b', '\u00a0', '&amp;', '\n'];
const VALUES = ['', 'a', 'b c', 'x"y', "o'k", '&', '<>', 'é'];
const ATTRS = ['class', 'title', 'data-x', 'hidden', 'lang'];
const KEYS = ['k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7', 'k8', 'k9'];
/** Markup a browser and htmlparser2 may parse differently: the server must fall back to html. */
const AMBIGUOUS = ['<p>x<div>y</div></p>', '<li>open', '<b><i>x</b></i>', '<table><td>1</td></table>', '<span></em></span>', '<select><b>o</b></select>'];

const text = fc.constantFrom(...TEXTS).map((v): M => ({ k: 'text', v }));
const comment = fc.constantFrom('c', ' note ', '').map((v): M => ({ k: 'comment', v }));
const attrs = fc.uniqueArray(fc.tuple(fc.constantFrom(...ATTRS), fc.constantFrom(...VALUES)), { selector: (a) => a[0], maxLength: 3 });
const el = (tag: string, ctx: Ctx, kids: fc.Arbitrary<M[]>, extra: fc.Arbitrary<[string, string][]> = fc.constant([])) =>
  fc.record({ attrs, extra, kids, flag: fc.boolean() }).map(({ attrs: a, extra: x, kids: k, flag }): M => ({ k: 'el', tag, ctx, attrs: [...x, ...a], kids: k, flag }));

type Arbs = { flow: M; phrasing: M; li: M; tr: M; option: M };

const arbs = fc.letrec<Arbs>((tie) => {
  const flowKids = fc.array(tie('flow'), { maxLength: 3 });
  const phrasingKids = fc.array(tie('phrasing'), { maxLength: 3 });
  const key = fc.constantFrom(...KEYS);
  return {
    flow: fc.oneof(
      { maxDepth: 3, depthIdentifier: 'tree', withCrossShrink: true },
      { arbitrary: text, weight: 4 },
      { arbitrary: comment, weight: 1 },
      { arbitrary: tie('phrasing'), weight: 2 },
      { arbitrary: fc.constantFrom('div', 'section').chain((t) => el(t, 'flow', flowKids)), weight: 3 },
      { arbitrary: el('p', 'phrasing', phrasingKids), weight: 2 },
      { arbitrary: el('ul', 'ul', fc.uniqueArray(tie('li'), { selector: keyOf, maxLength: 6 })), weight: 3 },
      { arbitrary: el('table', 'rows', fc.uniqueArray(tie('tr'), { selector: keyOf, maxLength: 4 })), weight: 2 },
      { arbitrary: el('select', 'options', fc.array(tie('option'), { maxLength: 3 })), weight: 1 },
      { arbitrary: el('textarea', 'text', fc.array(text, { maxLength: 2 })), weight: 1 },
      { arbitrary: el('pre', 'text', fc.array(text, { maxLength: 2 })), weight: 1 },
      { arbitrary: el('hr', 'void', fc.constant([])), weight: 1 },
    ),
    phrasing: fc.oneof(
      { maxDepth: 3, depthIdentifier: 'tree', withCrossShrink: true },
      { arbitrary: text, weight: 4 },
      { arbitrary: fc.constantFrom('span', 'b', 'em').chain((t) => el(t, 'phrasing', phrasingKids)), weight: 3 },
      { arbitrary: el('br', 'void', fc.constant([])), weight: 1 },
      { arbitrary: el('input', 'void', fc.constant([]), fc.constantFrom('a', 'b').map((v): [string, string][] => [['value', v]])), weight: 1 },
    ),
    li: el('li', 'flow', flowKids, key.map((k): [string, string][] => [['id', k]])),
    tr: el('tr', 'cells', fc.array(el('td', 'flow', flowKids), { minLength: 1, maxLength: 3 }), fc.option(key, { nil: undefined }).map((k): [string, string][] => (k ? [['id', k]] : []))),
    option: el('option', 'text', fc.array(text, { maxLength: 1 }), fc.constantFrom('1', '2').map((v): [string, string][] => [['value', v]])),
  };
});

function keyOf(node: M): string {
  return node.k === 'el' ? (node.attrs.find(([n]) => n === 'id')?.[1] ?? `#${Math.random()}`) : '';
}

/** A region: flow content, sometimes with one ambiguous fragment. */
export const region = fc.tuple(
  fc.array(arbs.flow, { maxLength: 5 }),
  fc.oneof({ arbitrary: fc.constant(undefined), weight: 9 }, { arbitrary: fc.constantFrom(...AMBIGUOUS), weight: 1 }),
);

/** One edit: where, what, and fresh content for inserts. */
export const mutation = fc.record({
  kind: fc.nat(7),
  target: fc.nat(),
  pos: fc.nat(),
  fresh: arbs.flow,
  keyed: fc.boolean(),
  text: fc.constantFrom(...TEXTS),
  attr: fc.tuple(fc.constantFrom(...ATTRS, 'value'), fc.constantFrom(...VALUES)),
});
export type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

// ---- serialising ---------------------------------------------------------------------------

const escText = (v: string) => v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const escAttr = (v: string) => v.replace(/&/g, '&amp;').replace(/"/g, '&quot;');

/** HTML for a list of nodes. `flag` picks a variant: explicit <tbody>, newline after <pre>/<textarea>, numeric entities. */
export function html(nodes: readonly M[]): string {
  return nodes.map(serialize).join('');
}

function serialize(node: M): string {
  switch (node.k) {
    case 'text':
      return escText(node.v);
    case 'comment':
      return `<!--${node.v}-->`;
    case 'raw':
      return node.v;
    case 'el': {
      const a = node.attrs.map(([n, v]) => (v === '' && node.flag ? ` ${n}` : ` ${n}="${node.flag ? escAttr(v) : escAttr(v).replace(/&amp;/g, '&#38;')}"`)).join('');
      if (node.ctx === 'void') return `<${node.tag}${a}>`;
      let inner = html(node.kids);
      if (node.tag === 'table' && node.flag) inner = `<tbody>${inner}</tbody>`;
      if ((node.tag === 'pre' || node.tag === 'textarea') && node.flag) inner = `\n${inner}`;
      if (node.tag === 'table' && !node.flag && node.kids.length > 0) inner = `\n${inner}\n`;
      return `<${node.tag}${a}>${inner}</${node.tag}>`;
    }
  }
}

// ---- mutating ------------------------------------------------------------------------------

type El = Extract<M, { k: 'el' }>;

function elements(nodes: M[], out: El[] = []): El[] {
  for (const node of nodes) {
    if (node.k !== 'el') continue;
    out.push(node);
    elements(node.kids, out);
  }
  return out;
}

function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

const PHRASING = new Set(['span', 'b', 'em', 'br', 'input']);
const element = (tag: string, ctx: Ctx, attrs: [string, string][], kids: M[]): M => ({ k: 'el', tag, ctx, attrs, kids, flag: false });

/** A child that fits `parent`, made from the mutation's fresh content. */
function freshChild(parent: El | null, mu: Mutation): M | null {
  const ctx = parent ? parent.ctx : 'flow';
  const fresh = clone(mu.fresh);
  const used = new Set(parent?.kids.map(keyOf));
  const free = KEYS.find((k) => !used.has(k));
  switch (ctx) {
    case 'flow':
      return fresh;
    case 'phrasing':
      return fresh.k === 'text' || (fresh.k === 'el' && PHRASING.has(fresh.tag)) ? fresh : { k: 'text', v: mu.text };
    case 'ul':
      return free ? element('li', 'flow', [['id', free]], [fresh]) : null;
    case 'rows':
      return element('tr', 'cells', mu.keyed && free ? [['id', free]] : [], [element('td', 'flow', [], [fresh])]);
    case 'cells':
      return element('td', 'flow', [], [fresh]);
    case 'options':
      return element('option', 'text', [['value', mu.keyed ? '1' : '2']], [{ k: 'text', v: mu.text }]);
    case 'text':
      return { k: 'text', v: mu.text };
    case 'void':
      return null;
  }
}

/** Applies `mutations` to a copy of `nodes`; each picks an element (or the root) and edits it. */
export function mutate(nodes: readonly M[], mutations: readonly Mutation[]): M[] {
  const root = clone(nodes) as M[];
  for (const mu of mutations) {
    const all = elements(root);
    const target = mu.target % (all.length + 1) === all.length ? null : (all[mu.target % (all.length + 1)] as El);
    const kids = target ? target.kids : root;
    const ctx = target ? target.ctx : 'flow';
    switch (mu.kind) {
      case 0: // set an attribute
        if (target && !(mu.attr[0] === 'value' && target.ctx !== 'void')) {
          target.attrs = [...target.attrs.filter(([n]) => n !== mu.attr[0]), mu.attr];
        }
        break;
      case 1: // remove an attribute (never the key)
        if (target) {
          const removable = target.attrs.filter(([n]) => n !== 'id');
          const victim = removable[mu.pos % Math.max(1, removable.length)];
          if (victim) target.attrs = target.attrs.filter((a) => a !== victim);
        }
        break;
      case 2: {
        // insert a child
        const child = freshChild(target, mu);
        if (child) kids.splice(mu.pos % (kids.length + 1), 0, child);
        break;
      }
      case 3: // remove a child
        if (kids.length > (ctx === 'cells' ? 1 : 0)) kids.splice(mu.pos % kids.length, 1);
        break;
      case 4: // move a child
        if (kids.length > 1) {
          const [moved] = kids.splice(mu.pos % kids.length, 1);
          kids.splice(Math.floor(mu.pos / 7) % (kids.length + 1), 0, moved as M);
        }
        break;
      case 5: {
        // change a text
        const t = kids.find((n) => n.k === 'text' || n.k === 'comment');
        if (t && (t.k === 'text' || t.k === 'comment')) t.v = t.k === 'comment' ? 'changed' : mu.text;
        else if (ctx === 'flow' || ctx === 'phrasing' || ctx === 'text') kids.push({ k: 'text', v: mu.text });
        break;
      }
      case 6: // reverse the children (keyed lists: many moves)
        kids.reverse();
        break;
      case 7: {
        // replace a child with fresh content
        const child = freshChild(target, mu);
        if (child && kids.length > 0) kids[mu.pos % kids.length] = child;
        break;
      }
    }
  }
  return root;
}
