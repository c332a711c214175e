import { escapeHtml, findRegion, findRegionAgain } from '../../lib/render/html';

function region(html: string): string | null {
  const r = findRegion(html);
  return r && html.slice(r.start, r.end);
}

describe('findRegion', () => {
  it('returns the inner HTML of the dj-root element, with nested same-name tags', () => {
    expect(region('<body><div dj-root><div>a</div><div>b</div></div><div>after</div></body>')).toBe('<div>a</div><div>b</div>');
  });

  it('handles void elements, comments that look like tags, and attribute values', () => {
    const html = '<main class="x" dj-root data-a="</main>"><img src=a><br><!-- </main> --><p>t</p></main><footer></footer>';
    expect(region(html)).toBe('<img src=a><br><!-- </main> --><p>t</p>');
  });

  it('accepts dj-root with a value and an empty region', () => {
    expect(region('<div dj-root="">x</div>')).toBe('x');
    expect(region('<section dj-root></section>')).toBe('');
  });

  it('ignores attributes that only contain the name', () => {
    expect(region('<p data-dj-root>no</p>')).toBeNull();
    expect(region('<p title="dj-root">no</p>')).toBeNull();
  });

  it('treats a script with markup inside as text', () => {
    expect(region('<div dj-root><script>if (a < b) "</div>";</script>x</div>')).toBe('<script>if (a < b) "</div>";</script>x');
  });
});

describe('escapeHtml', () => {
  it('escapes the five HTML-significant characters', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});

describe('findRegion: look-alikes', () => {
  it('skips a tag that only has " dj-root" inside an attribute value', () => {
    expect(region('<p title=" dj-root ">no</p><div dj-root>yes</div>')).toBe('yes');
  });

  it('finds the region after look-alikes whose text holds ">" or "<" before the first mention of dj-root', () => {
    expect(region('<p title="a > dj-root">no</p><div dj-root>yes</div>')).toBe('yes');
    expect(region('<p title="<b dj-root>">no</p><div dj-root>yes</div>')).toBe('yes');
    expect(region('<p>dj-root</p><head></head><div class="k" dj-root>yes</div>')).toBe('yes');
    expect(region('<div>no region here</div>')).toBeNull();
  });

  it('finds a dj-root element whose quoted attribute values before it hold ">" (Alpine-style x-data)', () => {
    expect(region(`<a title="x>y" dj-root>in a</a>`)).toBe('in a');
    expect(region(`<nav></nav><main x-data="{ open: n > 0 }" class='a>b' dj-root id=m>live</main><p>after</p>`)).toBe('live');
    expect(region(`<p title="a > dj-root">no</p>`)).toBeNull();
  });
});

describe('findRegionAgain', () => {
  const layout = (title: string, body: string) =>
    `<html><head><title>${title}</title></head><body><nav a="x > y"></nav><main class="m" dj-root data-x='a>b'>${body}</main><footer>f</footer></body></html>`;

  it('finds the same region as findRegion when the page after the region is unchanged', () => {
    const first = findRegionAgain(layout('A', '<p>1</p>'), undefined);
    expect(first?.suffix).toBe('</main><footer>f</footer></body></html>');
    for (const [title, body] of [['B', '<p>2</p><ul><li>x</li></ul>'], ['Inbox (3)', ''], ['C', '<div><main>nested</main></div>']] as const) {
      const html = layout(title, body);
      const again = findRegionAgain(html, first?.suffix);
      expect(again?.bounds).toEqual(findRegion(html));
      expect(html.slice(again!.bounds.start, again!.bounds.end)).toBe(body);
    }
  });

  it('falls back to a full parse when the text after the region changed', () => {
    const first = findRegionAgain(layout('A', '<p>1</p>'), undefined);
    const html = layout('A', '<p>1</p>').replace('<footer>f</footer>', '<footer>g</footer>');
    expect(findRegionAgain(html, first?.suffix)?.bounds).toEqual(findRegion(html));
  });

  it('finds again a dj-root tag with ">" in a quoted value before the attribute', () => {
    const page = (body: string) => `<head><title>t</title></head><main x-data="{ a: 1 > 0 }" dj-root>${body}</main><footer>f</footer>`;
    const first = findRegionAgain(page('<p>1</p>'), undefined);
    expect(first?.suffix).toBe('</main><footer>f</footer>');
    const again = findRegionAgain(page('<p>22</p>'), first?.suffix);
    expect(again?.bounds).toEqual(findRegion(page('<p>22</p>')));
    expect(page('<p>22</p>').slice(again!.bounds.start, again!.bounds.end)).toBe('<p>22</p>');
  });

  it('is not fooled by " dj-root" inside a quoted attribute value', () => {
    const page = (body: string) => `<p title=" dj-root ">x</p><div dj-root>${body}</div><i>end</i>`;
    const first = findRegionAgain(page('a'), undefined);
    const again = findRegionAgain(page('bb'), first?.suffix);
    expect(again?.bounds).toEqual(findRegion(page('bb')));
  });
});
