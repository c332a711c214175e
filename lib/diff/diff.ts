// Just over 300 lines: the tree diff and its keyed-children pass (diffChildren, ~70 lines, one
// algorithm read top to bottom) belong together.
import { COMMENT, ELEMENT, F_CHANGED, F_IGNORE, F_IMPLIED, F_OPAQUE, TEXT, attr, type Tree, type VNode } from './tree';

/** Child-index path from the region root; `[]` is the root itself. */
export type Path = number[];

/** One patch operation; see docs/diff-format.md. */
export type PatchOp =
  | ['t', Path, string]
  | ['a', Path, ...(string | null)[]]
  | ['r', Path, string]
  | ['d', Path, number, number]
  | ['i', Path, number, ...string[]]
  | ['m', Path, ...number[]];

/** Collects ops and their estimated JSON size; stops early once over `limit`. */
class Emitter {
  ops: PatchOp[] = [];
  bytes = 0;
  limit: number;
  over = false;

  constructor(limit: number) {
    this.limit = limit;
  }

  push(op: PatchOp, bytes: number): void {
    this.ops.push(op);
    this.bytes += bytes;
    if (this.bytes > this.limit) this.over = true;
  }
}

/** JSON length of a path (its first `length` indexes), plus the op's brackets, code and commas. */
export function pathBytes(path: Path, extra: number, length = path.length): number {
  let n = 8 + length;
  for (let k = 0; k < length; k++) {
    const i = path[k] as number;
    n += i < 10 ? 1 : i < 100 ? 2 : i < 1000 ? 3 : 6;
  }
  return n + (extra < 10 ? 2 : 6);
}

/** Same node, same markup: nothing to do. Shared nodes are the same; elements compare their source, text its data. */
function same(a: VNode, b: VNode): boolean {
  if (a === b) return true;
  if (a.type !== b.type || (b.flags & F_CHANGED) !== 0) return false;
  if (a.type !== ELEMENT) return a.data === b.data;
  if ((a.flags & F_IMPLIED) !== (b.flags & F_IMPLIED) || a.end - a.start !== b.end - b.start) return false;
  return a.outer === b.outer;
}

/** Is `b` the same node as `a`, changed (same kind; elements: same tag and key)? */
function compatible(a: VNode, b: VNode): boolean {
  return a.type === b.type && a.tag === b.tag && a.key === b.key;
}

/**
 * Ops that turn the DOM of `prev` into that of `next`, or null when their estimated size
 * exceeds `limit` bytes (the caller sends the whole HTML instead). Both trees must be exact.
 * Order: within each parent, first the ops inside matched children (addressed by their old
 * index), then removals (descending), then inserts and moves; so every path is valid at the
 * moment its op is applied (docs/diff-format.md, "Why paths stay valid").
 */
export function diffTrees(prev: Tree, next: Tree, limit: number): PatchOp[] | null {
  const e = new Emitter(limit);
  diffChildren(prev.root, next.root, [], e);
  return e.over ? null : e.ops;
}

function diffChildren(a: VNode, b: VNode, path: Path, e: Emitter): void {
  const oc = a.children;
  const nc = b.children;
  let s = 0;
  let oe = oc.length;
  let ne = nc.length;
  while (s < oe && s < ne && same(oc[s] as VNode, nc[s] as VNode)) s++;
  while (oe > s && ne > s && same(oc[oe - 1] as VNode, nc[ne - 1] as VNode)) {
    oe--;
    ne--;
  }
  if (s === oe && s === ne) return;
  if (s === oe) return insert(path, s, nc, s, ne, e);
  if (s === ne) return void e.push(['d', path.slice(), s, oe - s], pathBytes(path, s) + 6);
  if (oe - s === 1 && ne - s === 1 && compatible(oc[s] as VNode, nc[s] as VNode)) {
    return diffPair(oc[s] as VNode, nc[s] as VNode, s, path, e);
  }
  const match = matchChildren(oc, s, oe, nc, ne);
  const m = ne - s;
  // 1. inside matched children, at their old index
  for (let j = 0; j < m && !e.over; j++) {
    const i = match[j] as number;
    if (i >= 0) diffPair(oc[i] as VNode, nc[s + j] as VNode, i, path, e);
  }
  if (e.over) return;
  // 2. removals, last first so earlier indices hold
  const used = new Uint8Array(oe - s);
  for (let j = 0; j < m; j++) if ((match[j] as number) >= 0) used[(match[j] as number) - s] = 1;
  for (let i = oe - 1; i >= s; i--) {
    if (used[i - s]) continue;
    let k = i;
    while (k > s && !used[k - 1 - s]) k--;
    e.push(['d', path.slice(), k, i - k + 1], pathBytes(path, k) + 6);
    i = k;
  }
  // 3. inserts and moves, right to left: each node goes before the one placed after it
  const stable = longestIncreasing(match);
  const current: number[] = [];
  for (let i = s; i < oe; i++) if (used[i - s]) current.push(i);
  let next = -1; // id of the node placed last (its right neighbour); -1: the end of the list
  let moves: ['m', Path, ...number[]] | null = null;
  const indexOf = (id: number): number => (id === -1 ? current.length : current.indexOf(id));
  for (let j = m - 1; j >= 0 && !e.over; j--) {
    const i = match[j] as number;
    if (i < 0) {
      let k = j;
      while (k > 0 && (match[k - 1] as number) < 0) k--;
      const at = indexOf(next);
      insert(path, s + at, nc, s + k, s + j + 1, e);
      const ids: number[] = [];
      for (let x = k; x <= j; x++) ids.push(-2 - x);
      current.splice(at, 0, ...ids);
      next = -2 - k;
      moves = null;
      j = k;
    } else if (!stable[j]) {
      const from = current.indexOf(i);
      current.splice(from, 1);
      const to = indexOf(next);
      current.splice(to, 0, i);
      if (moves === null) {
        moves = ['m', path.slice()];
        e.push(moves, pathBytes(path, 0));
      }
      moves.push(s + from, s + to);
      e.bytes += 10;
      if (e.bytes > e.limit) e.over = true;
      next = i;
    } else next = i;
  }
}

function insert(path: Path, at: number, nodes: readonly VNode[], from: number, to: number, e: Emitter): void {
  const op: ['i', Path, number, ...string[]] = ['i', path.slice(), at];
  let bytes = pathBytes(path, at) + 4;
  for (let x = from; x < to && bytes <= e.limit; x++) {
    const html = (nodes[x] as VNode).outer;
    op.push(html);
    bytes += html.length + 3;
  }
  e.push(op, bytes);
}

/** `a` and `b` are compatible; `index` is `a`'s index in its parent at `path`. */
function diffPair(a: VNode, b: VNode, index: number, path: Path, e: Emitter): void {
  if (a.type !== ELEMENT) {
    if (a.data !== b.data) e.push(['t', [...path, index], b.data], pathBytes(path, index) + b.data.length + 6);
    return;
  }
  if (same(a, b)) return;
  const html = b.outer;
  const replaceBytes = pathBytes(path, index) + html.length + 6;
  if ((a.flags | b.flags) & F_OPAQUE || (a.flags & F_IGNORE && !(b.flags & F_IGNORE))) {
    return e.push(['r', [...path, index], html], replaceBytes);
  }
  path.push(index);
  if (a.flags & b.flags & F_IGNORE) {
    // the client owns the children: attributes only, never a replace
    diffAttrs(a, b, path, e);
    path.pop();
    return;
  }
  const count = e.ops.length;
  const bytes = e.bytes;
  const limit = e.limit;
  e.limit = Math.min(limit, bytes + replaceBytes);
  diffAttrs(a, b, path, e);
  if (!e.over) diffChildren(a, b, path, e);
  path.pop();
  e.limit = limit;
  if (e.over || e.bytes - bytes > replaceBytes) {
    e.ops.length = count;
    e.bytes = bytes;
    e.over = false;
    e.push(['r', [...path, index], html], replaceBytes);
  }
}

function diffAttrs(a: VNode, b: VNode, path: Path, e: Emitter): void {
  const oa = a.attrs;
  const na = b.attrs;
  if (oa === na) return;
  if (oa.length === na.length) {
    let equal = true;
    for (let i = 0; i < oa.length && equal; i++) equal = oa[i] === na[i];
    if (equal) return;
  }
  let op: ['a', Path, ...(string | null)[]] | null = null;
  let bytes = pathBytes(path, 0);
  for (let i = 0; i < na.length; i += 2) {
    const name = na[i] as string;
    const value = na[i + 1] as string;
    if (attr(oa, name) === value) continue;
    (op ??= ['a', path.slice()]).push(name, value);
    bytes += name.length + value.length + 6;
  }
  for (let i = 0; i < oa.length; i += 2) {
    const name = oa[i] as string;
    if (attr(na, name) !== undefined) continue;
    (op ??= ['a', path.slice()]).push(name, null);
    bytes += name.length + 8;
  }
  if (op) e.push(op, bytes);
}

/**
 * For each new child in nc[s, ne): the index of the old child in oc[s, oe) it becomes, or -1.
 * Keyed elements (by id) match by key and tag. The others match, in order, the next
 * unmatched old node of the same kind (text, comment, tag) that is not keyed, between the
 * same two keyed anchors (the keyed matches that will not move), so whitespace between keyed
 * rows stays with its rows.
 */
function matchChildren(oc: readonly VNode[], s: number, oe: number, nc: readonly VNode[], ne: number): Int32Array {
  const m = ne - s;
  const match = new Int32Array(m).fill(-1);
  const keyed = new Map<string, number>();
  const unkeyed = new Map<string, number[]>();
  for (let i = s; i < oe; i++) {
    const node = oc[i] as VNode;
    const key = node.key;
    if (key !== null) {
      if (!keyed.has(key)) keyed.set(key, i);
    } else {
      const sig = signature(node);
      const list = unkeyed.get(sig);
      if (list) list.push(i);
      else unkeyed.set(sig, [i]);
    }
  }
  if (keyed.size > 0) {
    for (let j = 0; j < m; j++) {
      const node = nc[s + j] as VNode;
      const key = node.key;
      if (key === null) continue;
      const i = keyed.get(key);
      if (i !== undefined && (oc[i] as VNode).tag === node.tag) {
        match[j] = i;
        keyed.delete(key);
      }
    }
  }
  if (unkeyed.size === 0) return match;
  const anchors = match.some((i) => i >= 0) ? longestIncreasing(match) : null;
  // hi[j]: old index of the next anchor after new child j (unkeyed matches must stay below it)
  const hi = new Int32Array(m);
  for (let j = m - 1, next = oe; j >= 0; j--) {
    hi[j] = next;
    if (anchors?.[j]) next = match[j] as number;
  }
  const cursor = new Map<string, number>();
  let lo = s - 1;
  for (let j = 0; j < m; j++) {
    if (anchors?.[j]) {
      lo = match[j] as number;
      continue;
    }
    const node = nc[s + j] as VNode;
    if (node.key !== null) continue;
    const sig = signature(node);
    const list = unkeyed.get(sig);
    if (!list) continue;
    let c = cursor.get(sig) ?? 0;
    while (c < list.length && (list[c] as number) <= lo) c++;
    if (c < list.length && (list[c] as number) < (hi[j] as number)) {
      lo = list[c] as number;
      match[j] = lo;
      c++;
    }
    cursor.set(sig, c);
  }
  return match;
}

function signature(node: VNode): string {
  return node.type === TEXT ? '#text' : node.type === COMMENT ? '#comment' : node.tag;
}

/** Marks the entries (≥ 0) of `seq` that form a longest strictly increasing subsequence. */
function longestIncreasing(seq: Int32Array): Uint8Array {
  const n = seq.length;
  const prev = new Int32Array(n);
  const tails: number[] = []; // tails[k]: index into seq of the smallest tail of a run of length k+1
  for (let j = 0; j < n; j++) {
    const v = seq[j] as number;
    if (v < 0) continue;
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((seq[tails[mid] as number] as number) < v) lo = mid + 1;
      else hi = mid;
    }
    prev[j] = lo > 0 ? (tails[lo - 1] as number) : -1;
    tails[lo] = j;
  }
  const stable = new Uint8Array(n);
  for (let j = tails.length > 0 ? (tails[tails.length - 1] as number) : -1; j >= 0; j = prev[j] as number) stable[j] = 1;
  return stable;
}
