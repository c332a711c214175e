/** @jest-environment jsdom */
import fc from 'fast-check';
import { applyPatch } from '../../public/patch.js';
import { RegionState } from '../../lib/render/region';
import { editText, parseRegion, reparse, settle, type Tree, type VNode } from '../../lib/diff';
import { html, mutate, mutation, region, type M } from './model';

/** Structure of a DOM subtree: node kinds, names, attributes (sorted), text. */
function canon(node: Node): string {
  if (node.nodeType === 3) return `"${(node as Text).data}"`;
  if (node.nodeType === 8) return `<!--${(node as Comment).data}-->`;
  const el = node as Element;
  const attrs = [...el.attributes].map((a) => `${a.name}=${JSON.stringify(a.value)}`).sort().join(' ');
  return `<${el.nodeName} ${attrs}>[${[...el.childNodes].map(canon).join(',')}]`;
}

const content = (el: Element) => [...el.childNodes].map(canon).join(',');

function expected(markup: string): string {
  const main = document.createElement('main');
  main.innerHTML = markup;
  return content(main);
}

/** Everything a VNode tree holds that the diff reads. */
function dump(node: VNode): string {
  const fields = [node.type, node.tag, JSON.stringify(node.data), node.attrs.join('|'), node.start, node.end, node.cstart, node.cend, node.flags, node.scope];
  return `${fields.join(' ')}${node.type === 1 ? JSON.stringify(node.outer) : ''}[${node.children.map(dump).join(',')}]`;
}

const withAmbiguous = ([nodes, ambiguous]: [M[], string | undefined]): M[] =>
  ambiguous === undefined ? nodes : [...nodes, { k: 'raw', v: ambiguous }];

const mutations = fc.array(mutation, { minLength: 1, maxLength: 3 });

describe('diff + applyPatch (property)', () => {
  it('patching the DOM of A with update(B) yields the DOM of B (1,000 chains A → B → C → D)', () => {
    const counts = { ops: 0, html: 0, none: 0 };
    fc.assert(
      fc.property(region, mutations, mutations, mutations, (a, m1, m2, m3) => {
        const renders = [withAmbiguous(a)];
        for (const m of [m1, m2, m3]) renders.push(mutate(renders[renders.length - 1] as M[], m));
        const [first, ...rest] = renders.map(html) as [string, ...string[]];
        document.body.innerHTML = '<main dj-root></main>';
        const root = document.querySelector('main') as Element;
        const state = new RegionState(first);
        applyPatch(root, { html: state.html });
        for (const [step, next] of rest.entries()) {
          if (step === 1 && first.length % 2 === 0) state.compact(); // as after an idle heartbeat: the tree is parsed again
          const patch = state.update(next);
          if (patch === null) counts.none++;
          else if ('ops' in patch) counts.ops++;
          else counts.html++;
          if (patch && !applyPatch(root, patch)) throw new Error(`an op found no node: ${JSON.stringify(patch)}`);
          const got = content(root);
          const want = expected(next);
          if (got !== want) expect(got).toBe(want); // (expect only on failure: it is slow)
        }
      }),
      { numRuns: 1000, seed: 20240607 },
    );
    // the property must exercise ops, not only the fallback
    expect(counts.ops).toBeGreaterThan(1200);
    expect(counts.html).toBeGreaterThan(150);
  });

  it('reparse (shared nodes, settled) builds the same tree as a full parse (2,000 chains)', () => {
    let incremental = 0;
    fc.assert(
      fc.property(region, mutations, mutations, (a, m1, m2) => {
        const first = withAmbiguous(a);
        const second = mutate(first, m1);
        let tree: Tree = parseRegion(html(first));
        for (const next of [html(second), html(mutate(second, m2))]) {
          const prev = tree;
          tree = reparse(prev, next, '');
          if (tree.pending) incremental++;
          settle(tree);
          const full = parseRegion(next);
          expect(tree.exact).toBe(full.exact);
          if (full.exact && dump(tree.root) !== dump(full.root)) expect(dump(tree.root)).toBe(dump(full.root));
        }
      }),
      { numRuns: 2000, seed: 7 },
    );
    expect(incremental).toBeGreaterThan(2000);
  });

  it('editText changes the tree exactly as a full parse of the new render, or leaves it untouched (3,000 edits)', () => {
    const counts = { edited: 0, declined: 0 };
    const replacement = fc.constantFrom('', '1', '42', ' ', 'x y', 'Inbox (3)', '\u00e9\u20ac', '\n');
    fc.assert(
      fc.property(region, fc.nat(), fc.nat(3), replacement, (a, at, length, insert) => {
        const before = html(withAmbiguous(a));
        // mostly positions outside tags (text), where an edit can stay inside one text node
        const outside = [...before].flatMap((c, k) => (c === '<' || c === '>' || before.lastIndexOf('<', k) > before.lastIndexOf('>', k) ? [] : [k]));
        const i = outside.length > 0 && at % 5 !== 0 ? (outside[at % outside.length] as number) : at % (before.length + 1);
        const next = before.slice(0, i) + insert + before.slice(Math.min(before.length, i + length));
        const tree = parseRegion(before);
        const untouched = dump(tree.root);
        const ops = editText(tree, next, Infinity);
        if (ops === null) {
          counts.declined++;
          expect(dump(tree.root)).toBe(untouched);
          return;
        }
        counts.edited++;
        const full = parseRegion(next);
        expect(full.exact).toBe(true);
        if (dump(tree.root) !== dump(full.root)) expect(dump(tree.root)).toBe(dump(full.root));
        expect(ops).toHaveLength(1);
        document.body.innerHTML = '<main dj-root></main>';
        const root = document.querySelector('main') as Element;
        root.innerHTML = before;
        expect(applyPatch(root, { ops })).toBe(true);
        const got = content(root);
        const want = expected(next);
        if (got !== want) expect(got).toBe(want);
      }),
      { numRuns: 3000, seed: 11 },
    );
    // the property must reach the edit, not only the declines
    expect(counts.edited).toBeGreaterThan(300);
  });
});

describe('lazy offsets (property)', () => {
  it('text edits and structural changes in any order keep the tree a full parse would build (1,000 chains of 6)', () => {
    const counts = { edited: 0, reparsed: 0 };
    const step = fc.oneof(
      fc.record({ at: fc.nat(), length: fc.nat(3), insert: fc.constantFrom('', '1', '42', 'x y', 'Inbox (3)', '1234567') }),
      mutations,
    );
    fc.assert(
      fc.property(region, fc.array(step, { minLength: 6, maxLength: 6 }), (a, steps) => {
        let model = withAmbiguous(a);
        let markup = html(model);
        let tree: Tree = parseRegion(markup);
        for (const s of steps) {
          let next: string;
          if (Array.isArray(s)) {
            model = mutate(model, s);
            next = html(model);
          } else {
            // an edit of text outside tags, as a count changes
            const outside = [...markup].flatMap((c, k) => (c === '<' || c === '>' || markup.lastIndexOf('<', k) > markup.lastIndexOf('>', k) ? [] : [k]));
            if (outside.length === 0) continue;
            const i = outside[s.at % outside.length] as number;
            next = markup.slice(0, i) + s.insert + markup.slice(Math.min(markup.length, i + s.length));
          }
          if (editText(tree, next, Infinity) !== null) counts.edited++;
          else {
            tree = reparse(tree, next, '');
            settle(tree);
            counts.reparsed++;
          }
          markup = next;
          const full = parseRegion(next);
          if (!full.exact || !tree.exact) {
            tree = full;
            continue;
          }
          if (dump(tree.root) !== dump(full.root)) expect(dump(tree.root)).toBe(dump(full.root));
        }
      }),
      { numRuns: 1000, seed: 24 },
    );
    expect(counts.edited).toBeGreaterThan(500);
    expect(counts.reparsed).toBeGreaterThan(1500);
  });
});
