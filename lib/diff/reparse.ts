import * as R from './rules';
import { normalize, parseContent, parseRegion } from './parse';
import { ELEMENT, F_CHANGED, F_IMPLIED, Source, TEXT, VNode, type Tree } from './tree';

/**
 * Incremental parsing. The next render of a region is mostly the previous one: reparse()
 * finds the character ranges that changed (edits), for each the deepest element whose content
 * holds it, and re-parses only the children of that element the edit touches (a segment).
 * Elements on the way down are copied (flagged F_CHANGED); every other node is shared with the
 * previous tree, so the diff skips it by identity. Shared nodes still point into the previous
 * source until settle() moves them (each in O(1): their subtrees follow lazily, tree.ts). Whenever the pieces might not fit together exactly as a
 * full parse would (text merging across a boundary, a segment that leaves a tag open …),
 * reparse() falls back to parsing the whole region.
 */

/** old[from, to) became `delta` characters longer in the next render. */
interface Edit {
  from: number;
  to: number;
  delta: number;
}

/** Children a..b of `el` (old tree) are re-parsed; `chain` runs from the root to `el`. */
interface Segment {
  el: VNode;
  chain: VNode[];
  a: number;
  b: number;
  delta: number;
}

/** Shared subtrees and how far they moved, for settle(). */
type Moves = [VNode, number][];

const MAX_SPLITS = 3; // up to 8 edits
const MAX_ATTEMPTS = 6; // widenings before a full parse
const MIN_COMMON = 64; // shortest common run worth splitting an edit at

export function reparse(prev: Tree, html: string, rootTag: string): Tree {
  const next = normalize(html);
  const old = prev.root.src;
  if (!prev.exact || prev.pending) return parseRegion(next, rootTag);
  const edits: Edit[] = [];
  split(old, 0, old.length, next, 0, next.length, 0, edits);
  if (edits.length === 0) return { root: prev.root, exact: true, reason: '', pending: null };
  let segments = resolve(edits.map((edit) => locate(prev.root, edit)));
  for (let attempt = 0; segments !== null && attempt < MAX_ATTEMPTS; attempt++) {
    const bySegment = new Map<VNode, Segment[]>();
    const inner = new Map<VNode, number>(); // total delta of the edits inside a chain node
    for (const s of segments) {
      bySegment.set(s.el, [...(bySegment.get(s.el) ?? []), s].sort((x, y) => x.a - y.a));
      for (const node of s.chain) inner.set(node, (inner.get(node) ?? 0) + s.delta);
    }
    const moves: Moves = [];
    try {
      return { root: rebuild(prev.root, 0, new Source(next), bySegment, inner, moves, 0), exact: true, reason: '', pending: moves };
    } catch (err) {
      // an edit may sit anywhere in a repeated run ("…</li><li>…"): re-parse its parent instead
      if (!(err instanceof Widen)) throw err;
      const failed = err.segment;
      segments = resolve(segments.map((s) => (s === failed ? widen(s) : s)));
    }
  }
  return parseRegion(next, rootTag);
}

/** Thrown by rebuild() when a segment does not parse exactly on its own (not an Error: no stack to capture). */
class Widen {
  constructor(readonly segment: Segment) {}
}

/** The segment one level up: the whole element `s` re-parsed its children of; null at the root. */
function widen(s: Segment): Segment | null {
  const chain = s.chain.slice(0, -1);
  let child = s.el;
  for (let el = chain[chain.length - 1]; el; el = chain[chain.length - 1]) {
    const index = el.children.indexOf(child);
    if (index > 0 || !(el.flags & F_IMPLIED)) return { el, chain, a: index, b: index, delta: s.delta };
    child = chain.pop() as VNode; // keep an implied <tbody>'s first row (see locate)
  }
  return null;
}

/**
 * Makes the nodes `tree` shares with the previous tree point into this tree's source at their
 * new offsets, and clears F_CHANGED. Costs one step per shared subtree (its descendants
 * follow lazily) and per changed node. Idempotent. Run the diff before: afterwards the
 * previous tree is spent (its Source is forwarded to this one's text).
 */
export function settle(tree: Tree): void {
  const moves = tree.pending;
  if (!moves) return;
  tree.pending = null;
  const doc = tree.root.doc;
  for (const [node, shift] of moves) {
    node.doc.forwardTo(doc);
    node.doc = doc;
    node.shift(shift);
  }
  let node: VNode | undefined = tree.root;
  for (const stack = [tree.root]; (node = stack.pop()); ) {
    if (!(node.flags & F_CHANGED)) continue;
    node.flags &= ~F_CHANGED;
    stack.push(...node.children);
  }
}

// ---- finding the edits ----------------------------------------------------------------------

/** Splits a[a0, a1) → b[b0, b1) into edits around long common runs (diff-match-patch's half match). */
function split(a: string, a0: number, a1: number, b: string, b0: number, b1: number, depth: number, out: Edit[]): void {
  const head = forward(a, a0, b, b0, Math.min(a1 - a0, b1 - b0));
  a0 += head;
  b0 += head;
  const tail = backward(a, a1, b, b1, Math.min(a1 - a0, b1 - b0));
  a1 -= tail;
  b1 -= tail;
  if (a0 === a1 && b0 === b1) return;
  const common = depth < MAX_SPLITS ? halfMatch(a, a0, a1, b, b0, b1) : null;
  if (common === null) {
    out.push({ from: a0, to: a1, delta: b1 - b0 - (a1 - a0) });
    return;
  }
  const [ai, bi, length] = common;
  split(a, a0, ai, b, b0, bi, depth + 1, out);
  split(a, ai + length, a1, b, bi + length, b1, depth + 1, out);
}

/**
 * A long common run [ai, ai+len) = [bi, bi+len), or null: a quarter of the longer side, taken
 * at 1/4 and at 1/2, looked up in the shorter side and extended both ways. Any common run gives
 * correct edits; a long one gives small segments.
 */
function halfMatch(a: string, a0: number, a1: number, b: string, b0: number, b1: number): [number, number, number] | null {
  const aLonger = a1 - a0 >= b1 - b0;
  const [l, l0, l1, s, s0, s1] = aLonger ? [a, a0, a1, b, b0, b1] : [b, b0, b1, a, a0, a1];
  const quarter = (l1 - l0) >> 2;
  const seedLength = quarter;
  if (quarter < MIN_COMMON || s1 - s0 < seedLength) return null;
  let best: [number, number, number] | null = null;
  for (const seed of [l0 + quarter, l0 + 2 * quarter]) {
    const j = s.indexOf(l.slice(seed, seed + seedLength), s0);
    if (j === -1 || j + seedLength > s1) continue;
    const back = backward(l, seed, s, j, Math.min(seed - l0, j - s0));
    const ahead = forward(l, seed + seedLength, s, j + seedLength, Math.min(l1 - seed - seedLength, s1 - j - seedLength));
    const length = back + seedLength + ahead;
    if (!best || length > best[2]) best = aLonger ? [seed - back, j - back, length] : [j - back, seed - back, length];
  }
  return best;
}

/**
 * Chunk sizes for comparing runs. Comparing substrings is a native memcmp (V8 slices without
 * copying); a charCodeAt loop is ~70× slower on long runs, and faster than a substring per
 * character on the last < 32 (a counter's click compares ~40 characters that way).
 */
const STEPS = [1024, 32];
/**
 * Characters compared one by one before the chunks: a run that ends within them (a counter's
 * click: the count is ~15 characters in) costs no substring pair, which is dearer than the
 * characters when the first chunk already differs (~2× on a 40-character region).
 */
const FIRST = 24;

/** Length (≤ max) of the common run a[i…] = b[j…]. */
export function forward(a: string, i: number, b: string, j: number, max: number): number {
  let n = 0;
  const first = max < FIRST ? max : FIRST;
  while (n < first && a.charCodeAt(i + n) === b.charCodeAt(j + n)) n += 1;
  if (n < first) return n;
  for (const step of STEPS) while (n + step <= max && a.substring(i + n, i + n + step) === b.substring(j + n, j + n + step)) n += step;
  while (n < max && a.charCodeAt(i + n) === b.charCodeAt(j + n)) n += 1;
  return n;
}

/** Length (≤ max) of the common run ending a[…i) = b[…j). */
export function backward(a: string, i: number, b: string, j: number, max: number): number {
  let n = 0;
  const first = max < FIRST ? max : FIRST;
  while (n < first && a.charCodeAt(i - n - 1) === b.charCodeAt(j - n - 1)) n += 1;
  if (n < first) return n;
  for (const step of STEPS) while (n + step <= max && a.substring(i - n - step, i - n) === b.substring(j - n - step, j - n)) n += step;
  while (n < max && a.charCodeAt(i - n - 1) === b.charCodeAt(j - n - 1)) n += 1;
  return n;
}

// ---- locating them in the tree --------------------------------------------------------------

/** Elements whose content is not parsed as markup on its own, or is diffed whole. */
const UNSPLITTABLE = R.T_RAW_TEXT | R.T_RAW_IN_BROWSER | R.T_OPAQUE;

/** The segment that re-parses `edit`: children of the deepest element holding it. */
function locate(root: VNode, edit: Edit): Segment | null {
  const { from: p, to } = edit;
  const chain = [root];
  let el = root;
  descend: for (;;) {
    for (const child of el.children) {
      if (child.start > p) break;
      if (child.type === ELEMENT && child.cstart >= 0 && child.cstart <= p && to <= child.cend && !(R.tagInfo(child.tag) & UNSPLITTABLE)) {
        chain.push(child);
        el = child;
        continue descend;
      }
    }
    break;
  }
  for (;;) {
    const kids = el.children;
    let a = 0;
    while (a < kids.length && (kids[a] as VNode).end < p) a++;
    let b = kids.length - 1;
    while (b >= 0 && (kids[b] as VNode).start > to) b--;
    // an implied <tbody> exists (and starts) only because of its first <tr>: keep that one
    if (a === 0 && el.flags & F_IMPLIED) {
      chain.pop();
      el = chain[chain.length - 1] as VNode;
      continue;
    }
    const from = a <= b ? (kids[a] as VNode).start : el.cstart;
    const until = a <= b ? (kids[b] as VNode).end : el.cstart;
    return from <= p && to <= until ? { el, chain, a, b, delta: edit.delta } : null;
  }
}

/** Folds segments inside another's children into it and merges touching ones; null if any is null. */
function resolve(located: readonly (Segment | null)[]): Segment[] | null {
  if (located.includes(null)) return null;
  let segments = located as Segment[];
  for (let changed = true; changed; ) {
    changed = false;
    outer: for (const s of segments) {
      for (const t of segments) {
        if (s === t) continue;
        const at = s.chain.indexOf(t.el);
        if (at === -1) continue;
        const index = at === s.chain.length - 1 ? -1 : t.el.children.indexOf(s.chain[at + 1] as VNode);
        const within = at === s.chain.length - 1 ? s.a <= t.b + 1 && t.a <= s.b + 1 : index >= t.a && index <= t.b;
        if (!within) continue;
        t.a = Math.min(t.a, at === s.chain.length - 1 ? s.a : t.a);
        t.b = Math.max(t.b, at === s.chain.length - 1 ? s.b : t.b);
        t.delta += s.delta;
        segments = segments.filter((x) => x !== s);
        changed = true;
        break outer;
      }
    }
  }
  return segments;
}

// ---- building the new tree ------------------------------------------------------------------

/**
 * A copy of `node` (on a segment's chain) for the next render: start moved by `shift`, its
 * segments re-parsed from `doc`, chain children rebuilt, the rest shared (listed in `moves`).
 */
function rebuild(node: VNode, shift: number, doc: Source, bySegment: Map<VNode, Segment[]>, inner: Map<VNode, number>, moves: Moves, depth: number): VNode {
  const src = doc.text;
  const copy = new VNode(ELEMENT, node.tag, '', [], doc);
  copy.attrs = node.attrs;
  copy.flags = node.flags | F_CHANGED;
  copy.scope = node.scope;
  copy.start = node.start + shift;
  copy.cstart = node.cstart + shift;
  const kids = node.children;
  const segments = bySegment.get(node) ?? [];
  const keep = (kid: VNode): void => {
    const delta = inner.get(kid);
    if (delta === undefined) {
      copy.children.push(kid);
      moves.push([kid, shift]);
    } else {
      copy.children.push(rebuild(kid, shift, doc, bySegment, inner, moves, depth + 1));
      shift += delta;
    }
  };
  let i = 0;
  for (const segment of segments) {
    // the newline a browser drops after <pre>/<textarea> may be one the edit made the first
    // character, or stop being first: re-parse the element whole (from its parent)
    if (segment.a === 0 && R.tagInfo(node.tag) & R.T_DROPS_FIRST_NEWLINE) throw new Widen(segment);
    for (; i < segment.a; i++) keep(kids[i] as VNode);
    const from = segment.a <= segment.b ? (kids[segment.a] as VNode).start : node.cstart;
    const until = segment.a <= segment.b ? (kids[segment.b] as VNode).end : node.cstart;
    const parsed = parseContent(src, from + shift, until + shift + segment.delta, copy, depth, until === node.cend);
    if (parsed === null) throw new Widen(segment);
    // text next to text would have merged into one node in a full parse
    const left = copy.children[copy.children.length - 1];
    const right = kids[segment.b + 1];
    const first = parsed[0] ?? right;
    const last = parsed[parsed.length - 1] ?? left;
    if ((left?.type === TEXT && first?.type === TEXT) || (right?.type === TEXT && last?.type === TEXT)) throw new Widen(segment);
    copy.children.push(...parsed);
    shift += segment.delta;
    i = segment.b + 1;
  }
  for (; i < kids.length; i++) keep(kids[i] as VNode);
  copy.cend = node.cend + shift;
  copy.end = copy.cend + (node.end - node.cend);
  return copy;
}
