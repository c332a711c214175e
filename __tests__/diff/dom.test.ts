/** @jest-environment jsdom */
import { applyPatch } from '../../public/patch.js';
import { RegionState, type RegionPatch } from '../../lib/render/region';

/** Keeps regions large enough that ops win over html, so the cases below test ops. */
const PAD = `<footer>${'text that does not change. '.repeat(10)}</footer>`;

function structure(node: Node): string {
  if (node.nodeType !== 1) return JSON.stringify(`${node.nodeType}:${node.nodeValue}`);
  const el = node as Element;
  const attrs = [...el.attributes].map((a) => `${a.name}=${JSON.stringify(a.value)}`).sort().join(' ');
  return `<${el.nodeName} ${attrs}>[${[...el.childNodes].map(structure).join(',')}]`;
}

function parsed(html: string, rootTag = 'main'): string {
  const el = document.createElement(rootTag);
  el.innerHTML = html;
  return [...el.childNodes].map(structure).join(',');
}

/**
 * Renders `renders[0]`, then updates through the others; after each patch the DOM must equal
 * a fresh parse of that render. Returns the patches sent.
 */
function run(renders: string[], options: { pad?: boolean; rootTag?: string; context?: string } = {}): (RegionPatch | null)[] {
  const pad = options.pad === false ? '' : PAD;
  const { rootTag = 'main', context = '' } = options;
  document.body.innerHTML = context ? context.replace('ROOT', `<${rootTag} dj-root></${rootTag}>`) : `<${rootTag} dj-root></${rootTag}>`;
  const root = document.querySelector('[dj-root]') as Element;
  const region = new RegionState((renders[0] as string) + pad, options.rootTag ? { rootTag } : {});
  applyPatch(root, { html: region.html });
  return renders.slice(1).map((render) => {
    const patch = region.update(render + pad);
    if (patch) expect(applyPatch(root, patch)).toBe(true);
    expect([...root.childNodes].map(structure).join(',')).toBe(parsed(render + pad, rootTag));
    return patch;
  });
}

const kinds = (patches: (RegionPatch | null)[]) => patches.map((p) => (p === null ? 'none' : 'ops' in p ? 'ops' : 'html'));

describe('diff + patch on a DOM', () => {
  describe('tables', () => {
    const table = (rows: string[], tbody = false) =>
      `<table class="t">\n  <thead><tr><th>#</th></tr></thead>\n  ${tbody ? '<tbody>' : ''}${rows.map((r) => `<tr id="${r}"><td>${r}</td></tr>`).join('\n  ')}${tbody ? '</tbody>' : ''}\n</table>`;

    it('patches rows written without <tbody> (the browser adds one)', () => {
      const patches = run([table(['a', 'b', 'c']), table(['a', 'x', 'b', 'c']), table(['c', 'a', 'x', 'b']), table(['c', 'b']), table([])]);
      expect(kinds(patches)).toEqual(['ops', 'ops', 'ops', 'ops']);
    });

    it('treats an implied and an explicit <tbody> as the same element', () => {
      const rows = '<tr id="a"><td>a</td></tr><tr id="b"><td>b</td></tr>';
      expect(kinds(run([`<table>${rows}</table>`, `<table><tbody>${rows}</tbody></table>`]))).toEqual(['none']);
      expect(kinds(run([table(['a', 'b']), table(['a', 'b'], true), table(['b', 'a'], true), table(['b'])]))).toEqual(['ops', 'ops', 'ops']);
    });

    it('patches a table nested in a cell', () => {
      const nested = (v: string) => `<table><tr><td><table><tr><td>${v}</td></tr></table></td></tr></table>`;
      expect(kinds(run([nested('1'), nested('2')]))).toEqual(['ops']);
    });

    it('falls back to html for markup the browser would rearrange, and still ends right', () => {
      const patches = run(['<table><tr><td>1</td></tr></table>', '<table><td>2</td></table>', '<table>text<tr><td>3</td></tr></table>', '<table><tr><td>4</td></tr></table>']);
      expect(kinds(patches)).toEqual(['html', 'html', 'html']);
    });

    it('diffs the rows of a <tbody dj-root> when told its tag', () => {
      const rows = (keys: string[]) => keys.map((k) => `<tr id="${k}"><td>${k}</td></tr>`).join('');
      const filler = `<tr><td>${'x'.repeat(300)}</td></tr>`;
      const patches = run([rows(['a', 'b']) + filler, rows(['b', 'a', 'c']) + filler], { pad: false, rootTag: 'tbody', context: '<table>ROOT</table>' });
      expect(kinds(patches)).toEqual(['ops']);
    });
  });

  describe('forms', () => {
    it('patches <select> options and their selected state', () => {
      const select = (sel: string, extra = '') =>
        `<select name="s">${['1', '2', '3'].map((v) => `<option value="${v}"${v === sel ? ' selected' : ''}>Option ${v}</option>`).join('')}${extra}</select>`;
      const patches = run([select('1'), select('3'), select('3', '<optgroup label="g"><option>4</option></optgroup>'), select('2')]);
      expect(kinds(patches)).toEqual(['ops', 'ops', 'ops']);
      expect((document.querySelector('select') as HTMLSelectElement).value).toBe('2');
    });

    it('patches <textarea> text, with entities and the dropped first newline', () => {
      const patches = run(['<textarea name="t"></textarea>', '<textarea name="t">\nline &amp; more</textarea>', '<textarea name="t">\n\nx &lt;y&gt;</textarea>', '<textarea name="t"></textarea>']);
      expect(kinds(patches)).toEqual(['ops', 'ops', 'ops']);
    });

    it('patches input attributes and shows the new value', () => {
      run(['<input name="a" value="1"><input type="checkbox" checked>', '<input name="a" value="2"><input type="checkbox">']);
      expect((document.querySelector('input') as HTMLInputElement).value).toBe('2');
      expect((document.querySelectorAll('input')[1] as HTMLInputElement).checked).toBe(false);
    });
  });

  describe('text', () => {
    it('keeps whitespace-only text nodes and their changes', () => {
      expect(kinds(run(['<ul>\n  <li>a</li>\n  <li>b</li>\n</ul>', '<ul>\n    <li>a</li>\n\n    <li>b</li> </ul>', '<ul><li>a</li><li>b</li></ul>']))).toEqual(['ops', 'ops']);
    });

    it('drops the newline after <pre> like a browser', () => {
      expect(kinds(run(['<pre>\n\ncode</pre>', '<pre>\ncode 2</pre>', '<pre>\n\n\n</pre>', '<pre></pre>']))).toEqual(['ops', 'ops', 'ops']);
    });

    it('decodes entities in text and attributes like a browser', () => {
      const patches = run([
        '<p title="a">x</p>',
        '<p title="&amp;&quot;&#39;&lt;">&amp; &lt; &gt; &nbsp; &eacute; &#x1F600; &#128512; &amp</p>',
        '<p title="&notit;&amp=">&notit; &copy &AMP;</p>',
      ]);
      expect(kinds(patches)).toEqual(['ops', 'ops']);
    });

    it('normalises CR LF like a browser', () => {
      expect(kinds(run(['<p>a\r\nb</p>\r\n', '<p>a\r\nc</p>\r\n', '<p>a\rd</p>\n']))).toEqual(['ops', 'ops']);
    });

    it('patches comments', () => {
      expect(kinds(run(['<div><!-- a --><p>x</p></div>', '<div><!-- b --><p>x</p><!----></div>', '<div><p>x</p></div>']))).toEqual(['ops', 'ops']);
    });
  });

  describe('elements', () => {
    it('patches void elements in any spelling', () => {
      const patches = run(['<p>a<br>b<img src="1.png" alt=""><wbr></p><hr>', '<p>a<br/>b<img src="2.png" alt=""/><wbr></p><hr class="x">', '<p>a<br>b<br>c</p>']);
      expect(kinds(patches)).toEqual(['ops', 'ops']);
    });

    it('replaces <svg> as a whole (case-sensitive names)', () => {
      const svg = (r: number) => `<svg viewBox="0 0 10 10"><circle cx="5" cy="5" r="${r}"/><foreignObject><p>x</p></foreignObject></svg>`;
      const patches = run([svg(1), svg(2)]);
      expect(patches[0]).toEqual({ ops: [['r', [0], svg(2)]] });
      expect(document.querySelector('svg')?.getAttribute('viewBox')).toBe('0 0 10 10');
    });

    it('moves keyed items in nested lists', () => {
      const list = (outer: string[], inner: string[]) =>
        `<ul>${outer.map((k) => `<li id="${k}">${k}<ol>${inner.map((i) => `<li id="${i}">${k}${i}</li>`).join('')}</ol></li>`).join('')}</ul>`;
      expect(kinds(run([list(['a', 'b', 'c'], ['1', '2']), list(['c', 'a', 'b'], ['2', '1']), list(['b', 'c'], ['1', '3', '2'])]))).toEqual(['ops', 'ops']);
    });

    it('leaves client content of dj-update="ignore" elements through ops and html', () => {
      document.body.innerHTML = '<main dj-root></main>';
      const root = document.querySelector('main') as Element;
      const chart = (cls: string, v: string) => `<div id="chart" dj-update="ignore" class="${cls}">server ${v}</div><p>${v}</p>`;
      const region = new RegionState(chart('a', '1') + PAD);
      applyPatch(root, { html: region.html });
      (document.getElementById('chart') as Element).innerHTML = '<canvas></canvas>';
      applyPatch(root, region.update(chart('b', '2') + PAD) as RegionPatch);
      expect(document.getElementById('chart')?.outerHTML).toBe('<div id="chart" dj-update="ignore" class="b"><canvas></canvas></div>');
      applyPatch(root, region.update(`<section>${chart('c', '3')}</section>`) as RegionPatch);
      expect(document.getElementById('chart')?.outerHTML).toBe('<div id="chart" dj-update="ignore" class="c"><canvas></canvas></div>');
    });
  });
});
