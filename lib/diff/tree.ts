export const ELEMENT = 1;
export const TEXT = 3;
export const COMMENT = 8;
export type NodeType = typeof ELEMENT | typeof TEXT | typeof COMMENT;

/** Node flags. */
export const F_OPAQUE = 1; // children not diffed (template, svg, math)
export const F_IGNORE = 2; // dj-update="ignore": children belong to the client
export const F_IMPLIED = 4; // a <tbody> the browser inserts for <tr> directly in <table>
export const F_CHANGED = 8; // a copy made by reparse() of an element whose content changed

export const NO_ATTRS: string[] = [];
export const NO_CHILDREN: VNode[] = [];

/** One node of a parsed region. Elements keep their source range so equal subtrees compare as strings. */
export class VNode {
  /** Element attributes, flat: [name, value, name, value, …] in source order, first of duplicates wins. */
  attrs: string[] = NO_ATTRS;
  /** `src.slice(start, end)` is the node's markup (for an implied tbody, that of its content). */
  start = 0;
  end = -1;
  /** Element: `src.slice(cstart, cend)` is its content (-1 for void elements). */
  cstart = -1;
  cend = -1;
  /** Element: the parser's scope bits inside it (parse.ts), to re-parse its content alone. */
  scope = 0;
  flags = 0;
  /** @internal */
  cachedOuter: string | null = null;
  private cachedKey: string | null | undefined = undefined;

  constructor(
    readonly type: NodeType,
    /** Element: lower-case tag name; otherwise ''. */
    readonly tag: string,
    /** Text: the decoded text; comment: its data. */
    public data: string,
    public children: VNode[],
    /** The HTML this node was parsed from (the current render once the tree is settled). */
    public src: string,
  ) {}

  /** Source markup of an element (a browser parses it back into this subtree); escaped text; a comment. */
  get outer(): string {
    if (this.cachedOuter !== null) return this.cachedOuter;
    let out: string;
    if (this.type === TEXT) out = escapeText(this.data);
    else if (this.type === COMMENT) out = `<!--${this.data}-->`;
    else {
      out = this.src.slice(this.start, this.end);
      if (this.flags & F_IMPLIED) out = `<tbody>${out}</tbody>`;
    }
    return (this.cachedOuter = out);
  }

  /** The element's `id`, else null: keyed children match by it (`dj-key` is the keyboard filter, not a diff key). */
  get key(): string | null {
    if (this.cachedKey !== undefined) return this.cachedKey;
    return (this.cachedKey = this.type === ELEMENT ? (attr(this.attrs, 'id') ?? null) : null);
  }
}

/** A parsed region. `exact` is false when a browser might build a different tree from `html`. */
export interface Tree {
  root: VNode;
  exact: boolean;
  /** Why the tree is not exact (for debugging), or ''. */
  reason: string;
  /**
   * Set by reparse(): subtrees shared with the previous tree, which still point into its
   * source, and how many characters they moved; settle() applies it.
   */
  pending: [VNode, number][] | null;
}

export function attr(attrs: readonly string[], name: string): string | undefined {
  for (let i = 0; i < attrs.length; i += 2) if (attrs[i] === name) return attrs[i + 1];
  return undefined;
}

export function escapeText(text: string): string {
  return text.replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'));
}

