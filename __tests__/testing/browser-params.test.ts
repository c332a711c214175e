/**
 * lib/testing/region-dom.ts (selectors, text filters, the one-element rule) and the form filling
 * of lib/testing/browser-params.ts (what `view.form(selector, values)` types), without a server.
 * What the params are once filled is held to the client by browser-params-parity.test.ts.
 */
import { fieldNames, fillForm, formParams } from '../../lib/testing/browser-params';
import type { FieldValue } from '../../lib/testing/results';
import { closest, contains, outerHtml, RegionDom, textOf } from '../../lib/testing/region-dom';

describe('RegionDom', () => {
  const dom = new RegionDom(`<table id="t"><tr class="row"><td>Ada  Lovelace</td><td><button dj-click="del" dj-value-id="1">Delete</button></td></tr>
    <tr class="row"><td>Alan Turing</td><td><button dj-click="del" dj-value-id="2">Delete</button></td></tr></table>
    <ul>${Array.from({ length: 7 }, (_, i) => `<li>item ${i}</li>`).join('')}</ul><p id="amp">Fish &amp; chips</p>`);

  it('reads CSS selectors as css-select does: attributes, :has, :nth-child', () => {
    expect(dom.all('button[dj-value-id="2"]')).toHaveLength(1);
    expect(dom.all('tr:has(button[dj-value-id="1"]) td').map(textOf)).toEqual(['Ada  Lovelace', 'Delete']);
    expect(dom.all('li:nth-child(2n)')).toHaveLength(3);
  });

  it('text filters: whitespace runs count as one space; a /g RegExp answers the same every time', () => {
    expect(dom.all('tr', 'Ada Lovelace')).toHaveLength(1);
    const turing = /turing/gi;
    expect(dom.all('tr', turing)).toHaveLength(1);
    expect(dom.all('tr', turing)).toHaveLength(1);
  });

  it('one() names the selector, the count and the first matches', () => {
    expect(() => dom.one('li', undefined, 'element("li").click()')).toThrow(
      'liveTest: element("li").click(): selector "li" matched 7 elements, it must match exactly one: <li>, <li>, <li>, …. Narrow the selector or add a text filter.',
    );
    expect(() => dom.one('tr button', 'Remove', 'x')).toThrow(/with text "Remove" matched no element\. 2 element\(s\) match the selector; their text: "Delete", "Delete"\./);
    expect(() => dom.one('p[', undefined, 'x')).toThrow(/"p\[" is not a CSS selector css-select understands/);
    expect(() => dom.one('tr button', undefined, 'x')).toThrow(/matched 2 elements/);
  });

  it('closest, contains, outerHtml', () => {
    const button = dom.one('button[dj-value-id="1"]', undefined, 'x');
    const row = closest(button, (el) => el.name === 'tr');
    expect(row && contains(row, button)).toBe(true);
    expect(outerHtml(dom.one('#amp', undefined, 'x'))).toBe('<p id="amp">Fish &amp; chips</p>');
  });
});

/** Fills `html`'s form `#f` with `values` and answers its params (what a submit sends). */
function filled(html: string, values: Record<string, FieldValue>): Record<string, unknown> {
  const dom = new RegionDom(html);
  const form = dom.one('#f', undefined, 'test');
  fillForm(dom, form, values, 'form("#f")');
  return formParams(dom, form);
}

describe('fillForm', () => {
  it('the hidden-false + checkbox-true pattern: the box takes "true" or true, the hidden field stays', () => {
    const html = '<form id="f"><input type="hidden" name="agree" value="false"><input type="checkbox" name="agree" value="true"></form>';
    expect(filled(html, { agree: 'true' })).toEqual({ agree: ['false', 'true'] });
    expect(filled(html, { agree: true })).toEqual({ agree: ['false', 'true'] });
    expect(filled(html, { agree: false })).toEqual({ agree: 'false' });
  });

  it('a radio group takes one value; another value than its radios is refused', () => {
    const html = '<form id="f"><input type="radio" name="size" value="s" checked><input type="radio" name="size" value="m"><input type="radio" name="size" value="l"></form>';
    expect(filled(html, { size: 'l' })).toEqual({ size: 'l' });
    expect(() => filled(html, { size: 'xl' })).toThrow('liveTest: form("#f"): no field "size" can take "xl"; its checkbox/radio values: "s", "m", "l".');
  });

  it('several text fields of one name take an array in order; numbers become text', () => {
    const html = '<form id="f"><input name="tag"><input name="tag"><input type="number" name="n"></form>';
    expect(filled(html, { tag: ['a', 'b'], n: 7 })).toEqual({ tag: ['a', 'b'], n: '7' });
    expect(() => filled(html, { tag: ['a', 'b', 'c'] })).toThrow(/no field "tag" can take "c"/);
  });

  it('a multiple select takes every value given, a single select one', () => {
    const html = '<form id="f"><select name="m" multiple><option>a</option><option>b</option><option>c</option></select><select name="s"><option>x</option><option>y</option></select></form>';
    expect(filled(html, { m: ['c', 'a'], s: 'y' })).toEqual({ m: ['a', 'c'], s: 'y' });
    expect(filled(html, { m: [] })).toEqual({ s: 'x' });
  });

  it('a file input is refused (the client sends no files); fieldNames lists fillable fields once each', () => {
    const html = '<form id="f"><input name="a"><input name="a"><input type="file" name="doc"><input name="off" disabled><button name="go">Go</button></form>';
    expect(() => filled(html, { doc: 'x.pdf' })).toThrow(/field "doc" is a file input; the client does not send files/);
    const dom = new RegionDom(html);
    expect(fieldNames(dom, dom.one('#f', undefined, 'x'))).toEqual(['a', 'doc']);
  });
});
