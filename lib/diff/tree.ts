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

/**
 * The render a tree's nodes slice their markup from, shared by every node of a tree so that
 * moving the tree to the next render is one assignment (text-edit.ts), not a walk. When
 * settle() moves the nodes reparse() shared with the previous tree, that tree's Source is
 * forwarded to the new one (union-find with path compression), so no node keeps an old
 * render alive and every node of a settled tree reads the same text.
 */
export class Source {
  private own: string;
  private next: Source | null = null;

  constructor(text: string) {
    this.own = text;
  }

  /** The Source this one stands for (itself unless forwarded). */
  resolve(): Source {
    let root: Source = this;
    while (root.next !== null) root = root.next;
    for (let s: Source = this; s.next !== null && s.next !== root; ) {
      const after: Source = s.next;
      s.next = root;
      s = after;
    }
    return root;
  }

  get text(): string {
    return this.next === null ? this.own : this.resolve().own;
  }

  set text(value: string) {
    this.resolve().own = value;
  }

  /** From now on this Source reads (and writes) `target`'s text; its own is let go. */
  forwardTo(target: Source): void {
    const from = this.resolve();
    const to = target.resolve();
    if (from === to) return;
    from.next = to;
    from.own = '';
  }
}

/**
 * One node of a parsed region. Elements keep their source range so equal subtrees compare as
 * strings. Offsets move lazily: `shift(delta)` moves a node and records that its descendants
 * lag by `delta`; reading `children` brings them up to date (one level at a time), so an edit
 * costs the nodes on its path and their siblings, never the subtrees beside it. Every reader
 * reaches a node through its parent's `children`, so the offsets it reads are current.
 */
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
  /** @internal Text and comments: their escaped markup, once asked for (elements slice `src` each time: a cached slice would keep an old render alive). */
  cachedOuter: string | null = null;
  private cachedKey: string | null | undefined = undefined;
  private kids: VNode[];
  /** Characters every child's offsets still have to move by (applied when `children` is read). */
  private lag = 0;

  constructor(
    readonly type: NodeType,
    /** Element: lower-case tag name; otherwise ''. */
    readonly tag: string,
    /** Text: the decoded text; comment: its data. */
    public data: string,
    children: VNode[],
    /** The render this node was parsed from (the current render once the tree is settled). */
    public doc: Source,
  ) {
    this.kids = children;
  }

  /** The child nodes, their offsets current. */
  get children(): VNode[] {
    if (this.lag !== 0) this.catchUp();
    return this.kids;
  }

  /** Replaces the child list (nodes whose offsets are current). */
  set children(children: VNode[]) {
    this.kids = children;
    this.lag = 0;
  }

  /** The HTML this node was parsed from (the current render once the tree is settled). */
  get src(): string {
    return this.doc.text;
  }

  /** Moves this node `delta` characters; its descendants follow when they are next read. */
  shift(delta: number): void {
    if (delta === 0) return;
    this.start += delta;
    this.end += delta;
    if (this.cstart >= 0) {
      this.cstart += delta;
      this.cend += delta;
    }
    if (this.kids.length > 0) this.lag += delta;
  }

  private catchUp(): void {
    const lag = this.lag;
    this.lag = 0;
    const doc = this.doc;
    for (const child of this.kids) {
      child.shift(lag);
      child.doc = doc;
    }
  }

  /** Source markup of an element (a browser parses it back into this subtree); escaped text; a comment. */
  get outer(): string {
    if (this.type === ELEMENT) {
      const out = this.doc.text.slice(this.start, this.end);
      return this.flags & F_IMPLIED ? `<tbody>${out}</tbody>` : out;
    }
    if (this.cachedOuter !== null) return this.cachedOuter;
    return (this.cachedOuter = this.type === TEXT ? escapeText(this.data) : `<!--${this.data}-->`);
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

