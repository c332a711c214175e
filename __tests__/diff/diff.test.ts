import { RegionState, type PatchOp, type RegionPatch } from '../../lib/render/region';
import { parseRegion, reparse, settle, type VNode } from '../../lib/diff';

/** Pads a region so ops are smaller than its HTML and the diff does not fall back. */
const PAD = `<footer>${'static text that does not change. '.repeat(8)}</footer>`;

function ops(prev: string, next: string): PatchOp[] {
  const patch = new RegionState(prev + PAD).update(next + PAD);
  if (!patch || !('ops' in patch)) throw new Error(`expected ops, got ${JSON.stringify(patch)}`);
  return patch.ops;
}

const list = (keys: string[]) => `<ul>${keys.map((k) => `<li id="${k}">Item ${k}</li>`).join('')}</ul>`;

describe('RegionState', () => {
  describe('update', () => {
    it('returns null for the same HTML', () => {
      const region = new RegionState('<p>a</p>');
      expect(region.update('<p>a</p>')).toBeNull();
    });

    it('returns null when the markup differs but the DOM would not', () => {
      const region = new RegionState(`<p title="a&amp;b">x &lt; y</p>${PAD}`);
      expect(region.update(`<p title="a&#38;b">x &#60; y</p>${PAD}`)).toBeNull();
      expect(region.html).toBe(`<p title="a&#38;b">x &#60; y</p>${PAD}`);
    });

    it('keeps the last HTML as html, for mounted', () => {
      const region = new RegionState('<p>1</p>');
      expect(region.html).toBe('<p>1</p>');
      region.update('<p>2</p>');
      expect(region.html).toBe('<p>2</p>');
    });

    it('sends a text change as one t op', () => {
      expect(ops('<div><p id="n">1</p></div>', '<div><p id="n">2</p></div>')).toEqual([['t', [0, 0, 0], '2']]);
    });

    it('sends text with entities decoded', () => {
      expect(ops('<p>a</p>', '<p>a &amp; &lt;b&gt; &eacute;</p>')).toEqual([['t', [0, 0], 'a & <b> é']]);
    });

    it('sets and removes attributes in one a op', () => {
      const body = 'text that stays the same, long enough that replacing the div costs more';
      expect(ops(`<div class="a" hidden>${body}</div>`, `<div class="b" title="t">${body}</div>`)).toEqual([
        ['a', [0], 'class', 'b', 'title', 't', 'hidden', null],
      ]);
    });

    it('inserts a keyed item as one i op carrying its HTML', () => {
      expect(ops(list(['a', 'b', 'c']), list(['a', 'x', 'b', 'c']))).toEqual([['i', [0], 1, '<li id="x">Item x</li>']]);
    });

    it('moves a keyed item with one m op', () => {
      expect(ops(list(['a', 'b', 'c', 'd']), list(['b', 'c', 'd', 'a']))).toEqual([['m', [0], 0, 3]]);
      expect(ops(list(['a', 'b', 'c', 'd']), list(['d', 'a', 'b', 'c']))).toEqual([['m', [0], 3, 0]]);
    });

    it('keys by id only: dj-key is the keyboard filter, so two fields filtering one key still move as one op', () => {
      const field = (id: string) => `<input id="${id}" dj-keydown="send" dj-key="Enter">`;
      expect(ops(`<div>${field('to')}${field('cc')}<p>x</p></div>`, `<div>${field('cc')}${field('to')}<p>x</p></div>`)).toEqual([['m', [0], 1, 0]]);
    });

    it('removes keyed items with d ops, last run first', () => {
      expect(ops(list(['a', 'b', 'c', 'd', 'e']), list(['a', 'd']))).toEqual([
        ['d', [0], 4, 1],
        ['d', [0], 1, 2],
      ]);
    });

    it('patches inside a moved keyed item before moving it', () => {
      const prev = '<ul><li id="a">A</li><li id="b">B</li><li id="c">C</li></ul>';
      const next = '<ul><li id="b">B</li><li id="c">C</li><li id="a">A2</li></ul>';
      expect(ops(prev, next)).toEqual([
        ['t', [0, 0, 0], 'A2'],
        ['m', [0], 0, 2],
      ]);
    });

    it('does not morph one keyed item into another', () => {
      const keys = ['k1', 'k2', 'k3', 'k4', 'k5'];
      expect(ops(list([...keys, 'a']), list([...keys, 'b']))).toEqual([
        ['d', [0], 5, 1],
        ['i', [0], 5, '<li id="b">Item b</li>'],
      ]);
    });

    it('replaces a subtree when that is smaller than patching it', () => {
      const prev = '<section><p>1</p><p>2</p><p>3</p><p>4</p></section>';
      const next = '<section><b>1</b><b>2</b><b>3</b><b>4</b></section>';
      expect(ops(prev, next)).toEqual([['r', [0], next]]);
    });

    it('falls back to html when the ops would be larger', () => {
      const region = new RegionState('<p>a</p><p>b</p>');
      expect(region.update('<i>c</i><b>d</b>')).toEqual({ html: '<i>c</i><b>d</b>' });
    });

    it('sends a small region as html, which is then smaller', () => {
      const region = new RegionState('<p>1</p>');
      expect(region.update('<p>2</p>')).toEqual({ html: '<p>2</p>' });
    });

    it('adds the tbody a browser implies for <tr> in <table>', () => {
      const row = (v: string) => `<table><tr><td>${v}</td></tr></table>`;
      expect(ops(row('1'), row('2'))).toEqual([['t', [0, 0, 0, 0, 0], '2']]);
      const explicit = '<table><tbody><tr><td>1</td></tr></tbody></table>';
      expect(new RegionState(row('1') + PAD).update(explicit + PAD)).toBeNull();
    });

    it('gives an inserted row its own HTML, parsed in a template', () => {
      const table = (rows: string) => `<table>\n<tr id="a"><td>A</td></tr>${rows}\n</table>`;
      expect(ops(table(''), table('<tr id="b"><td>B</td></tr>'))).toEqual([['i', [0, 1], 1, '<tr id="b"><td>B</td></tr>']]);
    });

    it('leaves the children of dj-update="ignore" elements alone but updates their attributes', () => {
      const prev = '<div dj-update="ignore" class="a"><p>1</p></div>';
      const next = '<div dj-update="ignore" class="b"><p>2</p></div>';
      expect(ops(prev, next)).toEqual([['a', [0], 'class', 'b']]);
    });

    it('replaces a dj-update="ignore" element that stops being ignored', () => {
      const next = '<div class="a"><p>2</p></div>';
      expect(ops('<div dj-update="ignore" class="a"><p>1</p></div>', next)).toEqual([['r', [0], next]]);
    });

    it('drops the newline after <pre> and <textarea> like a browser', () => {
      expect(ops('<pre>\na</pre>', '<pre>\nb</pre>')).toEqual([['t', [0, 0], 'b']]);
      expect(ops('<textarea>\n\nx &amp; y</textarea>', '<textarea>\n\nx &amp; z</textarea>')).toEqual([['t', [0, 0], '\nx & z']]);
    });

    it('diffs <select> options', () => {
      const select = (sel: number) => `<select name="s">${[0, 1, 2].map((i) => `<option value="${i}"${i === sel ? ' selected' : ''}>O${i}</option>`).join('')}</select>`;
      expect(ops(select(0), select(2))).toEqual([
        ['a', [0, 0], 'selected', null],
        ['a', [0, 2], 'selected', ''],
      ]);
    });

    it('keeps whitespace and comments as nodes', () => {
      expect(ops('<div>\n  <!-- a -->\n  <b>x</b>\n</div>', '<div>\n  <!-- b -->\n  <b>x</b>\n</div>')).toEqual([['t', [0, 1], ' b ']]);
    });

    it('replaces <svg> and <template> as a whole', () => {
      expect(ops('<svg viewBox="0 0 1 1"><circle r="1"/></svg>', '<svg viewBox="0 0 1 1"><circle r="2"/></svg>')).toEqual([
        ['r', [0], '<svg viewBox="0 0 1 1"><circle r="2"/></svg>'],
      ]);
    });

    it('handles void elements', () => {
      expect(ops('<p>a<br>b<img src="x.png"></p>', '<p>a<br>b<img src="y.png"></p>')).toEqual([['a', [0, 3], 'src', 'y.png']]);
    });

    it('uses rootTag to diff table rows of a <tbody dj-root>', () => {
      const rows = (v: string) => `<tr><td>${v}</td></tr><tr><td>${'static text that does not change. '.repeat(8)}</td></tr>`;
      expect(new RegionState(rows('1')).update(rows('2'))).toEqual({ html: rows('2') });
      const patch: RegionPatch | null = new RegionState(rows('1'), { rootTag: 'tbody' }).update(rows('2'));
      expect(patch).toEqual({ ops: [['t', [0, 0, 0], '2']] });
    });
  });
});

describe('parseRegion', () => {
  const exact = (html: string) => parseRegion(html).exact;

  it('accepts well-formed markup', () => {
    expect(exact('<div><p>a <b>b</b></p><ul><li>1</li></ul><table><tr><td>x</td></tr></table></div>')).toBe(true);
    expect(exact('<select><option>a</option><optgroup><option>b</option></optgroup></select><input><br>')).toBe(true);
  });

  it.each([
    ['an unclosed element', '<div><p>a</div>'],
    ['a missing end tag at the end', '<li>a'],
    ['a stray end tag', '<div></span></div>'],
    ['a stray </tbody>', '<table><tr><td>a</td></tr></tbody><tr><td>b</td></tr></table>'],
    ['a block element inside <p>', '<p>a<div>b</div></p>'],
    ['a block element deep inside <p>', '<p><span><div>b</div></span></p>'],
    ['nested <a>', '<a href="1"><a href="2">x</a></a>'],
    ['misnested formatting', '<b><i>x</b></i>'],
    ['text directly in <table>', '<table>x<tr><td>1</td></tr></table>'],
    ['a <div> in <table>', '<table><div>x</div></table>'],
    ['<td> directly in <table>', '<table><td>1</td></table>'],
    ['<tr> outside a table', '<div><tr><td>1</td></tr></div>'],
    ['markup inside <option>', '<select><option><b>a</b></option></select>'],
    ['a <div> inside <select>', '<select><div>a</div></select>'],
    ['li inside li', '<ul><li><span><li>x</li></span></li></ul>'],
    ['a heading inside a heading', '<h1><h2>x</h2></h1>'],
    ['a doctype', '<!doctype html><p>a</p>'],
    ['markup in <noscript>', '<noscript><p>x</p></noscript>'],
    ['<body>', '<body>x</body>'],
  ])('marks %s as not exact', (_what, html) => {
    expect(exact(html)).toBe(false);
  });
});

describe('reparse', () => {
  const rows = (keys: string[], count = keys.length) =>
    `<ul>\n${keys.map((k) => `<li id="${k}"><span>Item ${k}</span> <b>details for ${k}</b></li>\n`).join('')}</ul><p>${count} items</p>`;
  const keys = Array.from({ length: 40 }, (_, i) => `k${i}`);

  function incremental(prevHtml: string, nextHtml: string) {
    const prev = parseRegion(prevHtml);
    const next = reparse(prev, nextHtml, '');
    const shared = (next.pending ?? []).length;
    settle(next);
    return { prev, next, shared };
  }

  it('re-parses only what changed and shares the rest with the previous tree', () => {
    const before = rows(keys);
    const after = rows([...keys.slice(0, 20), 'new', ...keys.slice(20)], 41);
    const { prev, next, shared } = incremental(before, after);
    expect(shared).toBeGreaterThan(70); // untouched rows and whitespace
    const ul = (t: typeof prev) => t.root.children[0] as VNode;
    expect(ul(next).children[1]).toBe(ul(prev).children[1]); // the first row, shared
    expect(ul(next).children.map((c) => c.key).filter(Boolean)).toEqual([...keys.slice(0, 20), 'new', ...keys.slice(20)]);
  });

  it('moves shared nodes to their offsets in the new source', () => {
    const { next } = incremental(rows(keys), rows(['first', ...keys], 41));
    const last = (next.root.children[0] as VNode).children.at(-2) as VNode;
    expect(last.src).toBe(next.root.src);
    expect(last.outer).toBe('<li id="k39"><span>Item k39</span> <b>details for k39</b></li>');
  });

  it('builds the same tree as a full parse, several edits at once', () => {
    const after = rows(['k0', 'x', ...keys.slice(1, 30).reverse(), ...keys.slice(31)], 99).replace('Item k5<', 'Item five<');
    const { next } = incremental(rows(keys), after);
    const full = parseRegion(after);
    const shape = (n: VNode): unknown => [n.tag, n.data, n.attrs, n.start, n.end, n.children.map(shape)];
    expect(shape(next.root)).toEqual(shape(full.root));
  });

  it('falls back to a full parse when an edit changes the structure around it', () => {
    const prev = parseRegion('<div><p>a</p></div><section>b</section>');
    const next = reparse(prev, '<div><p>a</div><section>b</section>', '');
    expect(next.pending).toBeNull();
    expect(next.exact).toBe(false);
  });
});
