// Over 300 lines on purpose: one tree builder with the HTML parsing rules it mirrors (each
// rule's table is in rules.ts); split, its shared state would have to travel between files.
import { Parser } from 'htmlparser2';
import * as R from './rules';
import { COMMENT, ELEMENT, F_IGNORE, F_IMPLIED, F_OPAQUE, NO_ATTRS, NO_CHILDREN, Source, TEXT, VNode, attr, type Tree } from './tree';

// Scope bits a frame inherits from its parent (see rules.ts for the parsing rule behind each).
const S_P = 1; // a <p> is open in button scope
const S_LI = 2; // an <li> is open (no special element in between)
const S_DD = 4; // a <dd>/<dt> is open
const S_A = 8; // an <a> is open (no marker in between)
const S_NOBR = 16;
const S_BUTTON = 32;
const S_FORM = 64;
const S_SELECT = 128;
const S_FOREIGN = 256; // inside <svg>/<math>
const S_INTEGRATION = 512; // inside an HTML integration point in foreign content
const S_OPAQUE = 1024; // inside an opaque element: no content-model checks

const MAX_DEPTH = 400;
const EMPTY = new Source('');


/** Thrown inside the parser's callbacks to stop it (not an Error: no stack to capture). */
class NotExact {}
const NOT_EXACT = new NotExact();

/** htmlparser2 silently drops an end tag with no open element; browsers sometimes act on one (`</tbody>`). */
class StrictParser extends Parser {
  constructor(readonly builder: Builder) {
    super(builder, { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true });
  }

  override onclosetag(start: number, endIndex: number): void {
    const closes = this.builder.closes;
    super.onclosetag(start, endIndex);
    if (this.builder.closes === closes) {
      const base = this.builder.base;
      const name = this.builder.src.slice(start + base, endIndex + base).toLowerCase();
      if (!(R.tagInfo(name) & R.T_VOID)) this.builder.fail(`</${name}> without a start tag`);
    }
  }
}

/**
 * Builds VNodes from htmlparser2 events and checks every construct against rules.ts. Parses
 * `src` whole, or (segment) the slice [base, end) of it as the content of one element; node
 * offsets are always into `src`.
 */
class Builder {
  /**
   * Reused while parses complete. A parse stopped part-way (NotExact thrown from a callback,
   * content ending inside a tag) gets a fresh one: htmlparser2's reset() leaves some state of
   * the stopped parse behind (a partly read attribute value, the "inside <textarea>/<script>"
   * flag), which the next parse then read as its own (an attribute value starting with the old
   * one's text, text left undecoded).
   */
  parser: Parser;
  src = '';
  /** The Source of the nodes built (the parent's: its text is `src`). */
  doc = new Source('');
  /** Offset in `src` of the text handed to the parser. */
  base = 0;
  /** onclosetag calls so far (StrictParser spots end tags htmlparser2 dropped). */
  closes = 0;
  /** Open elements, with their scope bits and tag info. */
  stack: VNode[] = [];
  scopes: number[] = [];
  infos: number[] = [];
  depth = 0;
  /** The element whose attributes are arriving. */
  current: VNode | null = null;
  /** An element whose content offset (`cstart`) the next event gives. */
  opened: VNode | null = null;
  /** Start of the text events since the last markup event, or -1. */
  textFrom = -1;
  reason = '';

  constructor() {
    this.parser = new StrictParser(this);
  }

  fail(reason: string): never {
    this.reason = reason;
    throw NOT_EXACT;
  }

  /**
   * Parses src[start, end) as the content of `parent` (on the stack with `scope`); false if not
   * exact. `last`: the parent's end tag follows (closes an implied <tbody> left open).
   */
  parse(src: string, start: number, end: number, parent: VNode, scope: number, depth: number, last: boolean): boolean {
    this.src = src;
    this.doc = parent.doc;
    this.base = start;
    this.stack = [parent];
    this.scopes = [scope];
    this.infos = [R.tagInfo(parent.tag)];
    this.depth = depth;
    this.current = null;
    this.opened = null;
    this.reason = '';
    try {
      const nul = src.indexOf('\0', start);
      if (nul !== -1 && nul < end) this.fail('NUL character');
      this.textFrom = -1;
      this.parser.parseComplete(start === 0 && end === src.length ? src : src.slice(start, end));
      // content must end as it would before the parent's end tag: outside any tag, no '<' pending
      if (this.base + this.parser.startIndex !== end) this.fail('content ends inside a tag');
      if (this.textFrom !== -1) {
        const lt = src.indexOf('<', this.textFrom);
        if (lt !== -1 && lt < end) this.fail('content ends with "<"');
      }
      const open = this.stack[this.stack.length - 1] as VNode;
      if (this.stack.length === 2 && open.flags & F_IMPLIED && last) this.#close(open, end);
      if (this.stack.length !== 1) this.fail('content leaves an implied <tbody> open');
    } catch (err) {
      this.parser = new StrictParser(this);
      if (!(err instanceof NotExact)) throw err;
      return false;
    } finally {
      this.stack = [];
      this.current = null;
      this.opened = null;
      this.src = ''; // keep no render alive between parses
      this.doc = EMPTY;
    }
    return true;
  }

  /** The next event after a start tag marks where the element's content starts. */
  #content(at: number): void {
    this.textFrom = -1;
    if (this.opened) {
      this.opened.cstart = at;
      this.opened = null;
    }
  }

  onopentagname(name: string): void {
    const src = this.src;
    const at = this.parser.startIndex + this.base;
    this.#content(at);
    if (src.charCodeAt(at + 1) === 47) this.fail(`</${name}> without a start tag`);
    const info = R.tagInfo(name);
    if (info & R.T_REFUSED) this.fail(`<${name}> in a live region`);
    let top = this.stack.length - 1;
    let parent = this.stack[top] as VNode;
    const scope = this.scopes[top] as number;
    let pinfo = this.infos[top] as number;
    if (scope & S_OPAQUE) {
      if (scope & S_FOREIGN && !(scope & S_INTEGRATION) && info & R.T_FOREIGN_BREAKOUT) this.fail(`<${name}> inside <svg>/<math>`);
    } else {
      if (parent.flags & F_IMPLIED && info & R.T_ENDS_IMPLIED_TBODY) {
        this.#close(parent, at);
        parent = this.stack[--top] as VNode;
        pinfo = this.infos[top] as number;
      }
      if (pinfo & R.T_STRICT_PARENT) {
        if (parent.tag === 'table' && name === 'tr') {
          parent = this.#open(new VNode(ELEMENT, 'tbody', '', [], this.doc), parent, at, scope, R.tagInfo('tbody'));
          parent.flags |= F_IMPLIED;
          parent.cstart = at;
        } else if (!(R.TABLE_CHILDREN.get(parent.tag) as ReadonlySet<string>).has(name)) this.fail(`<${name}> inside <${parent.tag}>`);
      } else if (info & R.T_TABLE_PART) this.fail(`<${name}> outside its table parent`);
      else if (scope & S_SELECT) this.fail(`<${name}> inside <select>`);
      if (pinfo & R.T_RAW_IN_BROWSER) this.fail(`markup inside <${parent.tag}>`);
      if (scope & S_P && info & R.T_CLOSES_P) this.fail(`<${name}> inside <p> (closes it)`);
      if (info & R.T_HEADING && pinfo & R.T_HEADING) this.fail(`<${name}> inside <${parent.tag}>`);
      if (info & R.T_RUBY && pinfo & R.T_RUBY && !(parent.tag === 'rtc' && (name === 'rt' || name === 'rp'))) this.fail(`<${name}> inside <${parent.tag}>`);
      if (info & R.T_SCOPED) {
        const open =
          name === 'li' ? S_LI : name === 'dd' || name === 'dt' ? S_DD : name === 'a' ? S_A : name === 'nobr' ? S_NOBR : name === 'button' ? S_BUTTON : name === 'form' ? S_FORM : 0;
        if (scope & open) this.fail(`<${name}> inside an open <${name === 'dt' ? 'dd' : name}>`);
      }
    }
    const el = new VNode(ELEMENT, name, '', info & R.T_VOID ? NO_CHILDREN : [], this.doc);
    parent.children.push(el);
    el.start = at;
    this.current = el;
    if (info & R.T_VOID) return;
    if (this.stack.length + this.depth > MAX_DEPTH) this.fail(`nesting deeper than ${MAX_DEPTH}`);
    this.#open(el, null, at, nextScope(scope, name, info), info);
    this.opened = el;
    if (info & R.T_OPAQUE && !(scope & S_OPAQUE)) el.flags |= F_OPAQUE;
  }

  #open(el: VNode, parent: VNode | null, at: number, scope: number, info: number): VNode {
    el.start = at;
    el.scope = scope;
    if (parent) parent.children.push(el);
    this.stack.push(el);
    this.scopes.push(scope);
    this.infos.push(info);
    return el;
  }

  /** Closes the implied tbody `el` (on top of the stack) at `at`. */
  #close(el: VNode, at: number): void {
    if (this.stack.length === 1) this.fail('the implied <tbody> ends');
    el.end = el.cend = at;
    this.stack.pop();
    this.scopes.pop();
    this.infos.pop();
  }

  onattribute(name: string, value: string): void {
    const el = this.current;
    if (!el || attr(el.attrs, name) !== undefined) return;
    if (el.attrs === NO_ATTRS) el.attrs = [name, value];
    else el.attrs.push(name, value);
    if (name === 'dj-update' && value === 'ignore') el.flags |= F_IGNORE;
  }

  ontext(data: string): void {
    const at = this.parser.startIndex + this.base;
    const textFrom = this.textFrom === -1 ? at : this.textFrom;
    this.#content(at);
    this.textFrom = textFrom;
    const top = this.stack.length - 1;
    const parent = this.stack[top] as VNode;
    const pinfo = this.infos[top] as number;
    if (pinfo & (R.T_NO_TEXT | R.T_RAW_IN_BROWSER) && !((this.scopes[top] as number) & S_OPAQUE)) {
      if (pinfo & R.T_RAW_IN_BROWSER || !R.isWhitespace(data)) this.fail(`text inside <${parent.tag}>`);
    }
    if (parent.tag === 'script' && data.includes('<!--')) this.fail('"<!--" inside <script>');
    const siblings = parent.children;
    let text = siblings[siblings.length - 1];
    if (text !== undefined && text.type === TEXT) text.data += data;
    else {
      text = new VNode(TEXT, '', data, NO_CHILDREN, this.doc);
      text.start = at;
      siblings.push(text);
    }
    text.end = this.parser.endIndex + 1 + this.base;
  }

  oncomment(data: string): void {
    const at = this.parser.startIndex + this.base;
    this.#content(at);
    const top = this.stack.length - 1;
    const parent = this.stack[top] as VNode;
    if ((this.infos[top] as number) & R.T_RAW_IN_BROWSER) this.fail(`comment inside <${parent.tag}>`);
    if (data.endsWith('-') || data.startsWith('>') || data.startsWith('->')) this.fail('unusual comment');
    const comment = new VNode(COMMENT, '', data, NO_CHILDREN, this.doc);
    comment.start = at;
    comment.end = this.parser.endIndex + 1 + this.base;
    parent.children.push(comment);
  }

  onprocessinginstruction(name: string): void {
    this.fail(`<${name}> in a live region`);
  }

  onclosetag(name: string, implied: boolean): void {
    const parser = this.parser;
    this.closes += 1;
    const info = R.tagInfo(name);
    const end = parser.endIndex + 1 + this.base;
    this.textFrom = -1;
    if (info & R.T_VOID) {
      const el = this.current;
      if (el && el.tag === name && el.end < 0) el.end = end;
      return;
    }
    const at = parser.startIndex + this.base;
    this.#content(at);
    let top = this.stack[this.stack.length - 1] as VNode;
    if (top.flags & F_IMPLIED) {
      this.#close(top, at);
      top = this.stack[this.stack.length - 1] as VNode;
    }
    if (implied && !this.#selfClosed(top, name)) this.fail(`<${name}> without its end tag`);
    if (top.tag !== name || this.stack.length === 1) this.fail(`</${name}> does not match <${top.tag}>`);
    this.stack.pop();
    this.scopes.pop();
    this.infos.pop();
    top.end = end;
    top.cend = implied ? end : at;
    if (info & R.T_DROPS_FIRST_NEWLINE) dropFirstNewline(top, this);
  }

  /** `<circle/>` in SVG: htmlparser2 reports it as an implied close. */
  #selfClosed(top: VNode, name: string): boolean {
    const end = this.parser.endIndex + this.base;
    const scope = this.scopes[this.scopes.length - 1] as number;
    return (scope & S_FOREIGN) !== 0 && top.tag === name && this.src.charCodeAt(end) === 62 && this.src.charCodeAt(end - 1) === 47;
  }
}

function nextScope(scope: number, tag: string, info: number): number {
  let s = scope;
  if (info & R.T_P_SCOPE) s &= ~S_P;
  if (info & R.T_SCOPE) s &= ~(S_BUTTON | S_NOBR);
  if (info & R.T_LIST_STOP) s &= ~(S_LI | S_DD);
  if (info & R.T_MARKER) s &= ~S_A;
  if (info & R.T_INTEGRATION && s & S_FOREIGN) s |= S_INTEGRATION;
  if (info & R.T_SCOPED) {
    if (tag === 'p') s |= S_P;
    else if (tag === 'li') s |= S_LI;
    else if (tag === 'dd' || tag === 'dt') s |= S_DD;
    else if (tag === 'a') s |= S_A;
    else if (tag === 'nobr') s |= S_NOBR;
    else if (tag === 'button') s |= S_BUTTON;
    else if (tag === 'form') s |= S_FORM;
    else if (tag === 'select') s |= S_SELECT;
    else if (tag === 'template') s &= ~S_FORM;
    if (tag === 'svg' || tag === 'math') s |= S_FOREIGN;
  }
  if (info & R.T_OPAQUE) s |= S_OPAQUE;
  return s;
}

/** Browsers drop a newline right after <pre>, <listing>, <textarea>; they also decode <textarea> text. */
export function dropFirstNewline(el: VNode, builder?: Builder): void {
  const first = el.children[0];
  if (el.tag === 'textarea' && first !== undefined && first.data.includes('&')) first.data = decodeRcdata(first.data, builder);
  if (first === undefined || first.type !== TEXT || first.data.charCodeAt(0) !== 10) return;
  if (first.data.length === 1) el.children.shift();
  else first.data = first.data.slice(1);
}

/** htmlparser2 leaves <textarea> text undecoded; browsers decode it (RCDATA). <title> decodes the same way. */
function decodeRcdata(raw: string, builder?: Builder): string {
  if (/<\/title/i.test(raw)) builder?.fail('"</title" inside <textarea>');
  let out = '';
  const decoder = new Parser({ ontext: (t) => (out += t) }, { decodeEntities: true });
  decoder.parseComplete(`<title>${raw}</title>`);
  return out;
}

const builder = new Builder();

/** Normalises newlines as a browser's input stream does. */
export function normalize(html: string): string {
  return html.includes('\r') ? html.replace(/\r\n?/g, '\n') : html;
}

/**
 * Parses region HTML (the inner HTML of the dj-root element) into a VNode tree and checks
 * that a browser parsing the same markup inside `rootTag` builds the same tree.
 * Synchronous; reuses one parser.
 */
export function parseRegion(html: string, rootTag = ''): Tree {
  const src = normalize(html);
  const tag = rootTag.toLowerCase();
  const root = new VNode(ELEMENT, tag, '', [], new Source(src));
  root.end = root.cend = src.length;
  root.cstart = 0;
  root.scope = tag === 'select' ? S_SELECT : 0;
  if (R.NO_DIFF_ROOTS.has(tag)) return { root, exact: false, reason: `the region root <${tag}> parses its content specially`, pending: null };
  const exact = builder.parse(src, 0, src.length, root, root.scope, 0, true);
  return { root, exact, reason: exact ? '' : builder.reason, pending: null };
}

/**
 * Parses src[start, end) as new content for `parent` (a fresh copy of an element whose
 * content changed; `depth` ancestors above it; `last`: the content runs to its end tag).
 * Returns the nodes, or null if not exact.
 */
export function parseContent(src: string, start: number, end: number, parent: VNode, depth: number, last: boolean): VNode[] | null {
  // Plain text (a count, a name) where any text is allowed parses to one text node: no parser.
  if (!(parent.flags & F_IMPLIED) && !(R.tagInfo(parent.tag) & (R.T_NO_TEXT | R.T_RAW_IN_BROWSER)) && isPlainText(src, start, end)) {
    if (start === end) return [];
    const text = new VNode(TEXT, '', src.slice(start, end), NO_CHILDREN, parent.doc);
    text.start = start;
    text.end = end;
    return [text];
  }
  const children = parent.children;
  parent.children = [];
  const ok = builder.parse(src, start, end, parent, parent.scope, depth, last);
  const parsed = parent.children;
  parent.children = children;
  return ok ? parsed : null;
}

/** src[start, end) has no markup, character reference or NUL: its text is itself. */
function isPlainText(src: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = src.charCodeAt(i);
    if (c === 60 /* < */ || c === 38 /* & */ || c === 0) return false;
  }
  return true;
}
