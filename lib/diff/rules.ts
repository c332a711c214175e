/**
 * Where htmlparser2 and a browser's HTML parser can build different trees from the same
 * markup. htmlparser2 is a tokenizer with a light tag stack; browsers run the full tree
 * construction of the HTML standard (§13.2.6): implied end tags, `<p>` closed by block
 * elements, foster parenting in tables, the adoption agency for misnested formatting tags,
 * the `<select>` content model, raw-text elements. The parser in ./tree.ts checks every
 * element against these sets and marks the tree "not exact" on any construct where the two
 * could disagree; the server then sends whole-region HTML instead of path-addressed ops.
 * Sets are conservative: a false alarm costs bytes, a miss would corrupt the page.
 */

const set = (names: string): ReadonlySet<string> => new Set(names.split(' '));

/** Void elements in both parsers. (`command`, `isindex`: void only in htmlparser2; `bgsound`: only in browsers.) */
export const VOID = set('area base basefont br col embed hr img input keygen link meta param source track wbr');

/** Never inside a live region: the browser drops or rewrites them. */
export const REFUSED = set('html head body frameset frame image isindex command bgsound plaintext menuitem nextid');

/** Start tags that close an open `<p>` in button scope (so `<p><div>` is not `p > div`). */
export const CLOSES_P = set(
  'address article aside blockquote center details dialog dir div dl fieldset figcaption figure footer header hgroup ' +
    'main menu nav ol p search section summary ul h1 h2 h3 h4 h5 h6 pre listing form plaintext table hr xmp li dd dt',
);

/** "Has an element in scope" boundaries (applet … template; foreign roots are opaque here). */
export const SCOPE = set('applet caption html table td th marquee object template');

/** Markers in the list of active formatting elements (reset the nested `<a>` check). */
export const MARKERS = set('applet object marquee template td th caption');

/** The "special" category: an `<li>`/`<dd>` start tag stops looking for an open one at these. */
export const SPECIAL = set(
  'address applet article aside blockquote body button caption center colgroup dd details dialog dir div dl dt ' +
    'fieldset figcaption figure footer form h1 h2 h3 h4 h5 h6 header hgroup html iframe li listing main marquee ' +
    'menu nav noembed noframes noscript object ol p pre script search section select style summary table tbody td ' +
    'template textarea tfoot th thead title tr ul xmp',
);

export const HEADINGS = set('h1 h2 h3 h4 h5 h6');

/** Children a table-ish parent accepts without foster parenting or implied tags. */
export const TABLE_CHILDREN: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  ['table', set('caption colgroup thead tbody tfoot tr script style template')],
  ['tbody', set('tr script style template')],
  ['thead', set('tr script style template')],
  ['tfoot', set('tr script style template')],
  ['tr', set('td th script style template')],
  ['colgroup', set('col template')],
  ['select', set('option optgroup hr script template')],
  ['optgroup', set('option script template')],
  ['option', set('script template')],
]);

/** Table parts: outside their own parent they are dropped or close a cell. */
export const TABLE_PARTS = set('caption col colgroup tbody td tfoot th thead tr');

/** Start tags that end an implied `<tbody>` (the browser closes it and goes on in the table). */
export const ENDS_IMPLIED_TBODY = set('caption colgroup thead tbody tfoot');

/** Parents where text other than whitespace is foster-parented or dropped. */
export const NO_TEXT = set('table tbody thead tfoot tr colgroup select optgroup');

/** Content is raw text in a browser (scripting on) but markup in htmlparser2: must stay empty. */
export const RAW_IN_BROWSER = set('iframe noembed noframes noscript');

/** A leading newline right after the start tag is dropped by browsers. */
export const DROPS_FIRST_NEWLINE = set('pre listing textarea');

/** Diffed as a whole: children live elsewhere (template.content) or in another namespace. */
export const OPAQUE = set('template svg math');

/** HTML start tags that break out of SVG/MathML content (outside integration points). */
export const FOREIGN_BREAKOUT = set(
  'b big blockquote body br center code dd div dl dt em embed h1 h2 h3 h4 h5 h6 head hr i img li listing menu meta ' +
    'nobr ol p pre ruby s small span strong strike sub sup table tt u ul var font',
);

/** SVG/MathML elements whose content is HTML again. */
export const INTEGRATION_POINTS = set('foreignobject desc title mi mo mn ms mtext annotation-xml');

/** Ruby parts: opening one while another is current closes it. */
export const RUBY = set('rb rp rt rtc');

/** Region roots whose content the server cannot diff reliably (parsed as raw text, foreign, …). */
export const NO_DIFF_ROOTS = set(
  'html head frameset template svg math textarea title script style xmp iframe noembed noframes noscript plaintext',
);

/** HTML whitespace: tab, LF, FF, CR, space. */
export function isWhitespace(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 10 && c !== 9 && c !== 12 && c !== 13) return false;
  }
  return true;
}
