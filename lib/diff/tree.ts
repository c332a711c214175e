import { Parser } from 'htmlparser2';
import * as R from './rules';

export const ELEMENT = 1;
export const TEXT = 3;
export const COMMENT = 8;
export type NodeType = typeof ELEMENT | typeof TEXT | typeof COMMENT;

/** Node flags. */
export const F_OPAQUE = 1; // children not diffed (template, svg, math)
export const F_IGNORE = 2; // dj-update="ignore": children belong to the client
export const F_IMPLIED = 4; // a <tbody> the browser inserts for <tr> directly in <table>

const NO_ATTRS: string[] = [];

/** One node of a parsed region. Elements keep their source range so equal subtrees compare as strings. */
export class VNode {
  type: NodeType;
  /** Element: lower-case tag name; otherwise ''. */
  tag: string;
  /** Element attributes, flat: [name, value, name, value, …] in source order, first of duplicates wins. */
  attrs: string[] = NO_ATTRS;
  children: VNode[] = [];
  /** Text: the decoded text; comment: its data. */
  data: string;
  /** Element: `src.slice(start, end)` is its markup (for an implied tbody, that of its content). */
  start = 0;
  end = -1;
  flags = 0;
  #outer: string | null = null;
  #key: string | null | undefined;

  constructor(type: NodeType, tag: string, data: string, readonly src: string) {
    this.type = type;
    this.tag = tag;
    this.data = data;
  }

  /** Source markup of an element (a browser parses it back into this subtree); escaped text; a comment. */
  get outer(): string {
    if (this.#outer !== null) return this.#outer;
    let out: string;
    if (this.type === TEXT) out = escapeText(this.data);
    else if (this.type === COMMENT) out = `<!--${this.data}-->`;
    else {
      out = this.src.slice(this.start, this.end);
      if (this.flags & F_IMPLIED) out = `<tbody>${out}</tbody>`;
    }
    return (this.#outer = out);
  }

  /** `dj-key`, else `id`, else null. */
  get key(): string | null {
    if (this.#key !== undefined) return this.#key;
    return (this.#key = this.type === ELEMENT ? (attr(this.attrs, 'dj-key') ?? attr(this.attrs, 'id') ?? null) : null);
  }
}

/** A parsed region. `exact` is false when a browser might build a different tree from `html`. */
export interface Tree {
  root: VNode;
  exact: boolean;
  /** Why the tree is not exact (for debugging), or ''. */
  reason: string;
}

export function attr(attrs: readonly string[], name: string): string | undefined {
  for (let i = 0; i < attrs.length; i += 2) if (attrs[i] === name) return attrs[i + 1];
  return undefined;
}

export function escapeText(text: string): string {
  return text.replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'));
}

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

class NotExact extends Error {}

/** htmlparser2 silently drops an end tag with no open element; browsers sometimes act on one (`</tbody>`). */
class StrictParser extends Parser {
  constructor(readonly builder: Builder) {
    super(builder, { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true });
  }

  override onclosetag(start: number, endIndex: number): void {
    const closes = this.builder.closes;
    super.onclosetag(start, endIndex);
    if (this.builder.closes === closes) {
      const name = this.builder.src.slice(start, endIndex).toLowerCase();
      if (!R.VOID.has(name)) this.builder.fail(`</${name}> without a start tag`);
    }
  }
}

/** Builds a VNode tree from htmlparser2 events and checks every construct against rules.ts. */
class Builder {
  readonly parser: Parser;
  src = '';
  /** onclosetag calls so far (StrictParser spots end tags htmlparser2 dropped). */
  closes = 0;
  stack: VNode[] = [];
  scopes: number[] = [];
  /** The element whose attributes are arriving. */
  current: VNode | null = null;
  reason = '';

  constructor() {
    this.parser = new StrictParser(this);
  }

  fail(reason: string): never {
    this.reason = reason;
    throw new NotExact(reason);
  }

  run(src: string, rootTag: string): Tree {
    const root = new VNode(ELEMENT, rootTag, '', src);
    root.start = 0;
    root.end = src.length;
    this.src = src;
    this.stack = [root];
    this.scopes = [rootTag === 'select' ? S_SELECT : 0];
    this.current = null;
    this.reason = '';
    try {
      if (R.NO_DIFF_ROOTS.has(rootTag)) this.fail(`the region root <${rootTag}> parses its content specially`);
      if (src.includes('\0')) this.fail('NUL character');
      this.parser.parseComplete(src);
    } catch (err) {
      if (!(err instanceof NotExact)) throw err;
      return { root, exact: false, reason: this.reason };
    }
    return { root, exact: true, reason: '' };
  }

  onopentagname(name: string): void {
    const src = this.src;
    const at = this.parser.startIndex;
    if (src.charCodeAt(at + 1) === 47) this.fail(`</${name}> without a start tag`);
    if (R.REFUSED.has(name)) this.fail(`<${name}> in a live region`);
    let parent = this.stack[this.stack.length - 1] as VNode;
    let scope = this.scopes[this.scopes.length - 1] as number;
    if (scope & S_OPAQUE) {
      if (scope & S_FOREIGN && !(scope & S_INTEGRATION) && R.FOREIGN_BREAKOUT.has(name)) this.fail(`<${name}> inside <svg>/<math>`);
    } else {
      if (parent.flags & F_IMPLIED && R.ENDS_IMPLIED_TBODY.has(name)) {
        this.#pop(at);
        parent = this.stack[this.stack.length - 1] as VNode;
      }
      const allowed = R.TABLE_CHILDREN.get(parent.tag);
      if (allowed) {
        if (parent.tag === 'table' && name === 'tr') {
          parent = this.#push(new VNode(ELEMENT, 'tbody', '', src), parent, at, scope);
          parent.flags |= F_IMPLIED;
        } else if (!allowed.has(name)) this.fail(`<${name}> inside <${parent.tag}>`);
      } else if (R.TABLE_PARTS.has(name)) this.fail(`<${name}> outside its table parent`);
      if (scope & S_SELECT && !allowed) this.fail(`<${name}> inside <select>`);
      if (scope & S_P && R.CLOSES_P.has(name)) this.fail(`<${name}> inside <p> (closes it)`);
      if ((name === 'li' && scope & S_LI) || ((name === 'dd' || name === 'dt') && scope & S_DD)) this.fail(`<${name}> inside an open <${name}>`);
      if ((name === 'a' && scope & S_A) || (name === 'nobr' && scope & S_NOBR) || (name === 'button' && scope & S_BUTTON) || (name === 'form' && scope & S_FORM)) {
        this.fail(`nested <${name}>`);
      }
      if (R.HEADINGS.has(name) && R.HEADINGS.has(parent.tag)) this.fail(`<${name}> inside <${parent.tag}>`);
      if (R.RUBY.has(name) && R.RUBY.has(parent.tag) && !(parent.tag === 'rtc' && (name === 'rt' || name === 'rp'))) this.fail(`<${name}> inside <${parent.tag}>`);
      if (R.RAW_IN_BROWSER.has(parent.tag)) this.fail(`markup inside <${parent.tag}>`);
    }
    const el = new VNode(ELEMENT, name, '', src);
    el.start = at;
    parent.children.push(el);
    this.current = el;
    if (R.VOID.has(name)) return;
    if (this.stack.length > MAX_DEPTH) this.fail('nesting deeper than 400');
    scope = this.scopes[this.scopes.length - 1] as number;
    this.stack.push(el);
    this.scopes.push(nextScope(scope, name));
    if (R.OPAQUE.has(name) && !(scope & S_OPAQUE)) el.flags |= F_OPAQUE;
  }

  #push(el: VNode, parent: VNode, at: number, scope: number): VNode {
    el.start = at;
    parent.children.push(el);
    this.stack.push(el);
    this.scopes.push(scope);
    return el;
  }

  /** Closes the implied tbody on top of the stack at source offset `end`. */
  #pop(end: number): void {
    (this.stack.pop() as VNode).end = end;
    this.scopes.pop();
  }

  onattribute(name: string, value: string): void {
    const el = this.current;
    if (!el || attr(el.attrs, name) !== undefined) return;
    if (el.attrs === NO_ATTRS) el.attrs = [];
    el.attrs.push(name, value);
    if (name === 'dj-update' && value === 'ignore') el.flags |= F_IGNORE;
  }

  ontext(data: string): void {
    const parent = this.stack[this.stack.length - 1] as VNode;
    const scope = this.scopes[this.scopes.length - 1] as number;
    if (!(scope & S_OPAQUE)) {
      if (R.NO_TEXT.has(parent.tag) && !R.isWhitespace(data)) this.fail(`text inside <${parent.tag}>`);
      if (R.RAW_IN_BROWSER.has(parent.tag)) this.fail(`text inside <${parent.tag}>`);
      if (parent.tag === 'script' && data.includes('<!--')) this.fail('"<!--" inside <script>');
    }
    const last = parent.children[parent.children.length - 1];
    if (last !== undefined && last.type === TEXT) last.data += data;
    else parent.children.push(new VNode(TEXT, '', data, this.src));
  }

  oncomment(data: string): void {
    const parent = this.stack[this.stack.length - 1] as VNode;
    if (R.RAW_IN_BROWSER.has(parent.tag)) this.fail(`comment inside <${parent.tag}>`);
    if (data.endsWith('-') || data.startsWith('>') || data.startsWith('->')) this.fail('unusual comment');
    parent.children.push(new VNode(COMMENT, '', data, this.src));
  }

  onprocessinginstruction(name: string): void {
    this.fail(`<${name}> in a live region`);
  }

  onclosetag(name: string, implied: boolean): void {
    const parser = this.parser;
    this.closes += 1;
    if (R.VOID.has(name)) {
      const el = this.current;
      if (el && el.tag === name && el.end < 0) el.end = parser.endIndex + 1;
      return;
    }
    let top = this.stack[this.stack.length - 1] as VNode;
    if (top.flags & F_IMPLIED) {
      this.#pop(parser.startIndex);
      top = this.stack[this.stack.length - 1] as VNode;
    }
    if (implied && !this.#selfClosed(top, name)) this.fail(`<${name}> without its end tag`);
    if (top.tag !== name || this.stack.length === 1) this.fail(`</${name}> does not match <${top.tag}>`);
    this.stack.pop();
    this.scopes.pop();
    top.end = parser.endIndex + 1;
    if (R.DROPS_FIRST_NEWLINE.has(name)) this.#dropFirstNewline(top);
  }

  /** `<circle/>` in SVG: htmlparser2 reports it as an implied close. */
  #selfClosed(top: VNode, name: string): boolean {
    const end = this.parser.endIndex;
    const scope = this.scopes[this.scopes.length - 1] as number;
    return scope & S_FOREIGN && top.tag === name && this.src.charCodeAt(end) === 62 && this.src.charCodeAt(end - 1) === 47 ? true : false;
  }

  #dropFirstNewline(el: VNode): void {
    const first = el.children[0];
    if (el.tag === 'textarea' && first !== undefined && first.data.includes('&')) first.data = decodeRcdata(first.data, this);
    if (first === undefined || first.type !== TEXT || first.data.charCodeAt(0) !== 10) return;
    if (first.data.length === 1) el.children.shift();
    else first.data = first.data.slice(1);
  }
}

function nextScope(scope: number, tag: string): number {
  let s = scope;
  if (tag === 'p') s |= S_P;
  else if (R.SCOPE.has(tag) || tag === 'button') s &= ~S_P;
  if (tag === 'li') s |= S_LI;
  else if (R.SPECIAL.has(tag) && tag !== 'address' && tag !== 'div' && tag !== 'p') s &= ~S_LI;
  if (tag === 'dd' || tag === 'dt') s |= S_DD;
  else if (R.SPECIAL.has(tag) && tag !== 'address' && tag !== 'div' && tag !== 'p') s &= ~S_DD;
  if (tag === 'a') s |= S_A;
  else if (R.MARKERS.has(tag)) s &= ~S_A;
  if (tag === 'nobr') s |= S_NOBR;
  else if (R.SCOPE.has(tag)) s &= ~S_NOBR;
  if (tag === 'button') s |= S_BUTTON;
  else if (R.SCOPE.has(tag)) s &= ~S_BUTTON;
  if (tag === 'form') s |= S_FORM;
  else if (tag === 'template') s &= ~S_FORM;
  if (tag === 'select') s |= S_SELECT;
  if (tag === 'svg' || tag === 'math') s |= S_FOREIGN;
  if (s & S_FOREIGN && R.INTEGRATION_POINTS.has(tag)) s |= S_INTEGRATION;
  if (R.OPAQUE.has(tag)) s |= S_OPAQUE;
  return s;
}

/** htmlparser2 leaves <textarea> text undecoded; browsers decode it (RCDATA). <title> decodes the same way. */
function decodeRcdata(raw: string, builder: Builder): string {
  if (/<\/title/i.test(raw)) builder.fail('"</title" inside <textarea>');
  let out = '';
  const decoder = new Parser({ ontext: (t) => (out += t) }, { decodeEntities: true });
  decoder.parseComplete(`<title>${raw}</title>`);
  return out;
}

const builder = new Builder();

/**
 * Parses region HTML (the inner HTML of the dj-root element) into a VNode tree and checks
 * that a browser parsing the same markup inside `rootTag` builds the same tree.
 * Synchronous; reuses one parser.
 */
export function parseRegion(html: string, rootTag = ''): Tree {
  const src = html.includes('\r') ? html.replace(/\r\n?/g, '\n') : html;
  return builder.run(src, rootTag.toLowerCase());
}
