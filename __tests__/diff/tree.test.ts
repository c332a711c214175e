import { parseRegion, reparse, settle, type VNode } from '../../lib/diff';
import { Source } from '../../lib/diff/tree';

describe('Source', () => {
  it('reads and writes the text of the Source it was forwarded to', () => {
    const a = new Source('old');
    const b = new Source('new');
    a.forwardTo(b);
    expect(a.text).toBe('new');
    a.text = 'newer';
    expect(b.text).toBe('newer');
    expect(a.resolve()).toBe(b);
  });

  it('compresses a chain of forwards and ignores a forward to itself', () => {
    const chain = Array.from({ length: 5 }, (_, i) => new Source(String(i)));
    for (let i = 0; i < 4; i++) (chain[i] as Source).forwardTo(chain[i + 1] as Source);
    const first = chain[0] as Source;
    expect(first.text).toBe('4');
    first.forwardTo(chain[4] as Source); // already the same: no cycle
    expect(first.resolve()).toBe(chain[4]);
    expect((chain[4] as Source).text).toBe('4');
  });
});

describe('VNode', () => {
  describe('shift', () => {
    it('moves the node at once and its descendants when they are read', () => {
      const tree = parseRegion('<div><p><b>x</b></p></div>');
      const div = tree.root.children[0] as VNode;
      div.shift(3);
      expect([div.start, div.end, div.cstart, div.cend]).toEqual([3, 29, 8, 23]);
      const p = div.children[0] as VNode;
      expect([p.start, p.cstart]).toEqual([8, 11]);
      expect((p.children[0] as VNode).start).toBe(11);
    });
  });

  describe('settle', () => {
    it('forwards the previous tree\'s Source so no shared node keeps the old render', () => {
      const before = `<h1><i>1</i></h1><ul>${'<li><b>row</b></li>'.repeat(30)}</ul>`;
      const after = before.replace('<i>1</i>', '<i>1</i><i>2</i>');
      const prev = parseRegion(before);
      const oldDoc = prev.root.doc;
      const next = reparse(prev, after, '');
      expect(next.pending?.length).toBeGreaterThan(0); // the list is shared, moved by 8
      settle(next);
      expect(oldDoc.text).toBe(after);
      expect(oldDoc.resolve()).toBe(next.root.doc.resolve());
      const li = (next.root.children.find((n) => n.tag === 'ul') as VNode).children[29] as VNode;
      expect(li.outer).toBe('<li><b>row</b></li>');
      expect((li.children[0] as VNode).outer).toBe('<b>row</b>');
    });
  });
});
