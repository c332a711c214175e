/** @jest-environment jsdom */
import { applyPatch } from '../../public/patch.js';

function mount(html: string): Element {
  document.body.innerHTML = '<main dj-root></main>';
  const root = document.querySelector('main') as Element;
  root.innerHTML = html;
  return root;
}

const $ = <T extends Element = HTMLInputElement>(selector: string) => document.querySelector(selector) as T;

/** Focuses an input and types into it (the dirty value a user leaves). */
function type(el: HTMLInputElement | HTMLTextAreaElement, value: string, start: number, end = start): void {
  el.focus();
  el.value = value;
  el.setSelectionRange(start, end);
}

describe('applyPatch', () => {
  describe('{html}', () => {
    it('replaces the region content', () => {
      const root = mount('<p>old</p>');
      expect(applyPatch(root, { html: '<p>new</p><ul><li>1</li></ul>' })).toBe(true);
      expect(root.innerHTML).toBe('<p>new</p><ul><li>1</li></ul>');
    });

    it('parses in the context of the root (rows of a <tbody dj-root>)', () => {
      document.body.innerHTML = '<table><tbody dj-root><tr><td>1</td></tr></tbody></table>';
      const root = $('tbody');
      applyPatch(root, { html: '<tr><td>2</td></tr><tr><td>3</td></tr>' });
      expect(root.innerHTML).toBe('<tr><td>2</td></tr><tr><td>3</td></tr>');
    });

    it('keeps the focused input, its typed value and caret, and updates its other attributes', () => {
      const root = mount('<form><label>Name</label><input id="name" value="server" class="a"></form>');
      const input = $('#name');
      type(input, 'typed by user', 3, 5);
      applyPatch(root, { html: '<form><p>hint</p><label>Name</label><input id="name" value="server 2" class="b"></form>' });
      expect($('#name')).toBe(input);
      expect(document.activeElement).toBe(input);
      expect(input.value).toBe('typed by user');
      expect([input.selectionStart, input.selectionEnd]).toEqual([3, 5]);
      expect(input.className).toBe('b');
      expect(root.querySelector('p')?.textContent).toBe('hint');
    });

    it('keeps a focused input without id by its position', () => {
      const root = mount('<div><input name="q"></div><p>1</p>');
      const input = $('input');
      type(input, 'abc', 3);
      applyPatch(root, { html: '<div><input name="q"></div><p>2</p>' });
      expect(document.activeElement).toBe(input);
      expect(input.value).toBe('abc');
      expect(root.querySelector('p')?.textContent).toBe('2');
    });

    it('keeps the typed text of a focused textarea whose server text changed', () => {
      const root = mount('<textarea id="t">server</textarea>');
      const area = $<HTMLTextAreaElement>('#t');
      type(area, 'user text', 4);
      applyPatch(root, { html: '<textarea id="t">server 2</textarea>' });
      expect(document.activeElement).toBe(area);
      expect(area.value).toBe('user text');
      expect(area.selectionStart).toBe(4);
    });

    it('keeps the choice in a focused select whose options did not change', () => {
      const options = '<option value="1">1</option><option value="2">2</option>';
      const root = mount(`<select id="s">${options}</select><p>a</p>`);
      const select = $<HTMLSelectElement>('#s');
      select.focus();
      select.value = '2';
      applyPatch(root, { html: `<select id="s">${options}</select><p>b</p>` });
      expect(document.activeElement).toBe(select);
      expect(select.value).toBe('2');
    });

    it('keeps the children of dj-update="ignore" elements, matched by id, and updates their attributes', () => {
      const root = mount('<div id="chart" dj-update="ignore" class="a"><canvas></canvas></div><p>1</p>');
      const chart = $('#chart');
      chart.append(document.createElement('span')); // client-side content
      applyPatch(root, { html: '<p>0</p><div id="chart" dj-update="ignore" class="b"></div><p>2</p>' });
      expect($('#chart')).toBe(chart);
      expect(chart.innerHTML).toBe('<canvas></canvas><span></span>');
      expect(chart.className).toBe('b');
      expect(root.querySelectorAll('p')).toHaveLength(2);
    });

    it('keeps dj-update="ignore" elements without id by their position', () => {
      const root = mount('<section><div dj-update="ignore">client</div></section>');
      applyPatch(root, { html: '<section><div dj-update="ignore">server</div></section><p>x</p>' });
      expect(root.innerHTML).toBe('<section><div dj-update="ignore">client</div></section><p>x</p>');
    });
  });

  describe('{ops}', () => {
    it('sets text, attributes, and removes attributes', () => {
      const root = mount('<p class="a" hidden>1</p>');
      applyPatch(root, { ops: [['t', [0, 0], '2 < 3 & "x"'], ['a', [0], 'class', 'b', 'hidden', null, 'title', '<t>']] });
      expect(root.innerHTML).toBe('<p class="b" title="<t>">2 &lt; 3 &amp; "x"</p>');
    });

    it('inserts, removes and moves children', () => {
      const root = mount('<ul><li>a</li><li>b</li><li>c</li></ul>');
      applyPatch(root, {
        ops: [
          ['d', [0], 1, 1],
          ['i', [0], 1, '<li>x</li>', 'text &amp; more'],
          ['m', [0], 0, 3],
        ],
      });
      expect(root.innerHTML).toBe('<ul><li>x</li>text &amp; more<li>c</li><li>a</li></ul>');
    });

    it('inserts table rows and cells parsed outside their parents', () => {
      const root = mount('<table><tbody><tr><td>1</td></tr></tbody></table>');
      applyPatch(root, { ops: [['i', [0, 0], 1, '<tr><td>2</td></tr>'], ['i', [0, 0, 0], 1, '<td>b</td>']] });
      expect(root.innerHTML).toBe('<table><tbody><tr><td>1</td><td>b</td></tr><tr><td>2</td></tr></tbody></table>');
    });

    it('replaces a node', () => {
      const root = mount('<p>a</p><div>b</div>');
      applyPatch(root, { ops: [['r', [1], '<section id="s">c</section>']] });
      expect(root.innerHTML).toBe('<p>a</p><section id="s">c</section>');
    });

    it('does not clobber what the user types: value attribute on the focused input', () => {
      const root = mount('<input id="q" value="a">');
      const input = $('#q');
      type(input, 'abc', 2);
      applyPatch(root, { ops: [['a', [0], 'value', 'server']] });
      expect(input.value).toBe('abc');
      expect(document.activeElement).toBe(input);
      expect(input.selectionStart).toBe(2);
    });

    it('shows the server value on a field the user is not in', () => {
      const root = mount('<input id="q" value="a"><input id="c" type="checkbox"><textarea id="t">x</textarea>');
      const input = $('#q');
      input.value = 'edited earlier';
      $('#t').value = 'edited too';
      applyPatch(root, { ops: [['a', [0], 'value', 'server'], ['a', [1], 'checked', ''], ['t', [2, 0], 'server text']] });
      expect(input.value).toBe('server');
      expect($('#c').checked).toBe(true);
      expect($('#t').value).toBe('server text');
    });

    it('keeps the typed text of a focused textarea on a text op', () => {
      const root = mount('<textarea id="t">x</textarea>');
      const area = $<HTMLTextAreaElement>('#t');
      type(area, 'typing', 6);
      applyPatch(root, { ops: [['t', [0, 0], 'server']] });
      expect(area.value).toBe('typing');
      expect(area.defaultValue).toBe('server');
    });

    it('selects options a select the user is not in', () => {
      const root = mount('<select id="s"><option selected>1</option><option>2</option></select>');
      const select = $<HTMLSelectElement>('#s');
      select.selectedIndex = 0;
      applyPatch(root, { ops: [['a', [0, 0], 'selected', null], ['a', [0, 1], 'selected', '']] });
      expect(select.selectedIndex).toBe(1);
    });

    it('keeps focus and caret when the row holding the focused input moves', () => {
      const root = mount('<ul><li id="a">A</li><li id="b"><input id="q"></li></ul>');
      const input = $('#q');
      type(input, 'hello', 1, 4);
      applyPatch(root, { ops: [['m', [0], 1, 0]] });
      expect(root.querySelector('li')?.id).toBe('b');
      expect(document.activeElement).toBe(input);
      expect([input.value, input.selectionStart, input.selectionEnd]).toEqual(['hello', 1, 4]);
    });

    it('keeps the focused input when an ancestor is replaced by the same tag', () => {
      const root = mount('<form id="f" class="a"><p>1</p><input id="q"></form>');
      const input = $('#q');
      type(input, 'typed', 5);
      applyPatch(root, { ops: [['r', [0], '<form id="f" class="b"><p>2</p><input id="q" value="s"></form>']] });
      expect($('#q')).toBe(input);
      expect(document.activeElement).toBe(input);
      expect(input.value).toBe('typed');
      expect(root.innerHTML).toBe('<form id="f" class="b"><p>2</p><input id="q" value="s"></form>');
    });

    it('never touches the children of a dj-update="ignore" element', () => {
      const root = mount('<div dj-update="ignore" class="a"><p>client</p></div>');
      const ok = applyPatch(root, {
        ops: [
          ['t', [0, 0, 0], 'server'],
          ['d', [0], 0, 1],
          ['i', [0], 0, '<b>x</b>'],
          ['a', [0], 'class', 'b'],
        ],
      });
      expect(ok).toBe(true);
      expect(root.innerHTML).toBe('<div dj-update="ignore" class="b"><p>client</p></div>');
    });

    it('keeps the ignored children of a replaced subtree', () => {
      const root = mount('<section><div id="m" dj-update="ignore">client</div><p>1</p></section>');
      applyPatch(root, { ops: [['r', [0], '<section><div id="m" dj-update="ignore">server</div><p>2</p></section>']] });
      expect(root.innerHTML).toBe('<section><div id="m" dj-update="ignore">client</div><p>2</p></section>');
    });

    it('reports a path that finds no node', () => {
      const root = mount('<p>a</p>');
      expect(applyPatch(root, { ops: [['t', [3, 0], 'x']] })).toBe(false);
      expect(applyPatch(root, { ops: [['m', [0], 5, 0]] })).toBe(false);
    });
  });
});
