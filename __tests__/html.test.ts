import { escapeHtml, findRegion } from '../lib/html';

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
});
