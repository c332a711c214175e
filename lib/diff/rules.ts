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

/** Text-only content in htmlparser2's tokenizer (and raw text / RCDATA in browsers). */
export const RAW_TEXT = set('script style title textarea xmp');

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

// ---- one bitmask per tag name, so the parser does one lookup per start tag ------------------

export const T_VOID = 1;
export const T_REFUSED = 2;
export const T_CLOSES_P = 4;
/** Ends "button scope" for an open <p> (SCOPE + button). */
export const T_P_SCOPE = 8;
/** Ends "scope" for <button>, <nobr>. */
export const T_SCOPE = 16;
export const T_MARKER = 32;
/** Special, other than address/div/p: stops the search for an open <li>/<dd>. */
export const T_LIST_STOP = 64;
export const T_HEADING = 128;
export const T_TABLE_PART = 256;
export const T_ENDS_IMPLIED_TBODY = 512;
export const T_NO_TEXT = 1024;
export const T_RAW_IN_BROWSER = 2048;
export const T_DROPS_FIRST_NEWLINE = 4096;
export const T_OPAQUE = 8192;
export const T_FOREIGN_BREAKOUT = 16384;
export const T_INTEGRATION = 32768;
export const T_RUBY = 65536;
/** Has a content model in TABLE_CHILDREN. */
export const T_STRICT_PARENT = 131072;
/** li dd dt a nobr button form select svg math template: tags that change scope bits. */
export const T_SCOPED = 262144;
export const T_RAW_TEXT = 524288;

const SCOPED = set('li dd dt a nobr button form select svg math template p');
const infos = new Map<string, number>();

/** The T_* bits of a (lower-case) tag name; computed once per name. */
export function tagInfo(tag: string): number {
  let info = infos.get(tag);
  if (info !== undefined) return info;
  info = 0;
  const bits: [ReadonlySet<string> | boolean, number][] = [
    [VOID, T_VOID],
    [REFUSED, T_REFUSED],
    [CLOSES_P, T_CLOSES_P],
    [SCOPE.has(tag) || tag === 'button', T_P_SCOPE],
    [SCOPE, T_SCOPE],
    [MARKERS, T_MARKER],
    [SPECIAL.has(tag) && tag !== 'address' && tag !== 'div' && tag !== 'p', T_LIST_STOP],
    [HEADINGS, T_HEADING],
    [TABLE_PARTS, T_TABLE_PART],
    [ENDS_IMPLIED_TBODY, T_ENDS_IMPLIED_TBODY],
    [NO_TEXT, T_NO_TEXT],
    [RAW_IN_BROWSER, T_RAW_IN_BROWSER],
    [DROPS_FIRST_NEWLINE, T_DROPS_FIRST_NEWLINE],
    [OPAQUE, T_OPAQUE],
    [FOREIGN_BREAKOUT, T_FOREIGN_BREAKOUT],
    [INTEGRATION_POINTS, T_INTEGRATION],
    [RUBY, T_RUBY],
    [TABLE_CHILDREN.has(tag), T_STRICT_PARENT],
    [SCOPED, T_SCOPED],
    [RAW_TEXT, T_RAW_TEXT],
  ];
  for (const [test, bit] of bits) if (typeof test === 'boolean' ? test : test.has(tag)) info |= bit;
  if (infos.size < 1000) infos.set(tag, info);
  return info;
}

/** HTML whitespace: tab, LF, FF, CR, space. */
export function isWhitespace(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 10 && c !== 9 && c !== 12 && c !== 13) return false;
  }
  return true;
}
