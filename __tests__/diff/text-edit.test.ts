import { editText, parseRegion, reparse, settle, type Tree, type VNode } from '../../lib/diff';

/** A table of `n` rows, row `i` counting `counts[i]` (default 0). */
const table = (n: number, counts: Record<number, number> = {}) =>
  `<table><tbody>${Array.from({ length: n }, (_, i) => `\n<tr id="r${i}"><td>${i}</td><td>item ${i}</td><td>${counts[i] ?? 0}</td></tr>`).join('')}\n</tbody></table><p>footer</p>`;

/** Offsets, data and markup of every node, read the way the diff reads them (through `children`). */
function dump(node: VNode): string {
  const own = `${node.type}${node.tag} ${node.start}-${node.end} ${node.cstart}-${node.cend} ${JSON.stringify(node.data)}`;
  return `${own}${node.type === 1 ? JSON.stringify(node.outer) : ''}[${node.children.map(dump).join(',')}]`;
}

/** Internal bookkeeping of a node (tree.ts): how far its children's offsets lag. */
const lagOf = (node: VNode): number => (node as unknown as { lag: number }).lag;
const tbody = (tree: Tree) => ((tree.root.children[0] as VNode).children[0] as VNode);

describe('editText', () => {
  describe('follows the change', () => {
    it('moves the rows after a longer count by one step each, without reading their cells', () => {
      const tree = parseRegion(table(500));
      const ops = editText(tree, table(500, { 10: 10 }), Infinity);
      expect(ops).toEqual([['t', [0, 0, 21, 2, 0], '10']]);
      const rows = tbody(tree).children;
      // the row after the edit moved; its cells have not been touched yet
      const later = rows[23] as VNode;
      expect(lagOf(later)).toBe(1);
      const earlier = rows[19] as VNode;
      expect(lagOf(earlier)).toBe(0);
      // read through `children`, every offset is that of a full parse of the new render
      expect(dump(tree.root)).toBe(dump(parseRegion(table(500, { 10: 10 })).root));
      expect(lagOf(later)).toBe(0);
    });

    it('moves nothing beside the path when the length does not change', () => {
      const tree = parseRegion(table(500));
      expect(editText(tree, table(500, { 499: 7 }), Infinity)).toEqual([['t', [0, 0, 999, 2, 0], '7']]);
      const rows = tbody(tree).children;
      expect(rows.every((row) => lagOf(row) === 0)).toBe(true);
      expect(tree.root.src).toBe(table(500, { 499: 7 }));
      expect(dump(tree.root)).toBe(dump(parseRegion(table(500, { 499: 7 })).root));
    });

    it('keeps many lazy shifts exact over a run of edits, then a structural change', () => {
      let tree = parseRegion(table(50));
      const counts: Record<number, number> = {};
      for (let n = 0; n < 200; n++) {
        const row = (n * 17) % 50;
        counts[row] = (counts[row] ?? 0) + 37;
        expect(editText(tree, table(50, counts), Infinity)).not.toBeNull();
      }
      expect(dump(tree.root)).toBe(dump(parseRegion(table(50, counts)).root));
      // a new row: reparse shares the lagging rows with the next tree
      const next = table(50, counts).replace('</tbody>', '<tr id="new"><td>x</td></tr>\n</tbody>');
      const prev = tree;
      tree = reparse(prev, next, '');
      expect(tree.pending).not.toBeNull();
      settle(tree);
      expect(dump(tree.root)).toBe(dump(parseRegion(next).root));
      counts[3] = 1;
      const after = table(50, counts).replace('</tbody>', '<tr id="new"><td>x</td></tr>\n</tbody>');
      expect(editText(tree, after, Infinity)).not.toBeNull();
      expect(dump(tree.root)).toBe(dump(parseRegion(after).root));
    });

    it('declines an edit inside a later row whose cells lag, and leaves the tree as it was', () => {
      const tree = parseRegion(table(20));
      editText(tree, table(20, { 0: 100 }), Infinity); // rows 1… lag by 2
      const before = table(20, { 0: 100 });
      expect(editText(tree, before.replace('item 5<', 'item <i>5</i><'), Infinity)).toBeNull();
      expect(dump(tree.root)).toBe(dump(parseRegion(before).root));
    });
  });
});

describe('found by the lazy-offsets property (regressions)', () => {
  it('gives each op its own path: a later edit does not change an earlier op', () => {
    const tree = parseRegion(table(30));
    const first = editText(tree, table(30, { 12: 5 }), Infinity);
    const second = editText(tree, table(30, { 12: 5, 3: 44 }), Infinity);
    expect(first).toEqual([['t', [0, 0, 25, 2, 0], '5']]);
    expect(second).toEqual([['t', [0, 0, 7, 2, 0], '44']]);
  });

  it('declines an edit that makes a kept "&" start a character reference', () => {
    const tree = parseRegion('<span>&1234567amp;amp;</span>');
    expect(editText(tree, '<span>&amp;amp;</span>', Infinity)).toBeNull();
    const next = reparse(tree, '<span>&amp;amp;</span>', '');
    settle(next);
    expect(((next.root.children[0] as VNode).children[0] as VNode).data).toBe('&amp;');
  });

  it('re-parses a <pre> whose first newline the edit keeps', () => {
    const next = reparse(parseRegion('<div><pre>\n</pre></div>'), '<div><pre>42\n</pre></div>', '');
    settle(next);
    expect(dump(next.root)).toBe(dump(parseRegion('<div><pre>42\n</pre></div>').root));
  });

  it('a parse stopped inside an attribute value leaves nothing to the next parse', () => {
    for (const broken of ['<div class="abc', '<div class="a<b>', '<textarea>&amp']) {
      parseRegion(broken);
      const p = parseRegion('<p class="x">a &amp; b</p>').root.children[0] as VNode;
      expect(p.attrs).toEqual(['class', 'x']);
      expect((p.children[0] as VNode).data).toBe('a & b');
    }
  });
});
