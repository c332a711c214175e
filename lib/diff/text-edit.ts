import { pathBytes, type PatchOp, type Path } from './diff';
import { backward, forward } from './reparse';
import * as R from './rules';
import { ELEMENT, F_IGNORE, F_IMPLIED, F_OPAQUE, TEXT, type Tree, type VNode } from './tree';

/** A text child of these is not plain DOM text (or its first newline is dropped). */
const NOT_PLAIN_PARENT = R.T_NO_TEXT | R.T_RAW_IN_BROWSER | R.T_RAW_TEXT | R.T_DROPS_FIRST_NEWLINE;

/**
 * The most common update, in place: between the settled `tree` and `next`, one run of plain
 * text (no `<`, `&` or NUL on either side) changed inside one text node — a count, a name, a
 * status. Returns its single `t` op and updates `tree` to `next` (that node's data, offsets
 * after the edit, the tree's source), exactly as parseRegion(next) would build it; or null
 * (tree untouched) for any other change, which reparse() and diffTrees() then handle.
 * `limit`: as diffTrees — null when the op would not be smaller than the whole HTML.
 *
 * Cost: finding the edit compares the two renders (native string compares); then it follows
 * the change — a binary search down the path to the text node, and, when the text's length
 * changed, the ancestors' ends and one `shift` per later sibling along the path (their
 * subtrees follow lazily, tree.ts). Nothing else of the tree is visited.
 */
export function editText(tree: Tree, next: string, limit: number): PatchOp[] | null {
  const root = tree.root;
  const old = root.src;
  if (!tree.exact || tree.pending || next === old || next.includes('\r')) return null;
  const shortest = Math.min(old.length, next.length);
  const from = forward(old, 0, next, 0, shortest);
  const tail = backward(old, old.length, next, next.length, shortest - from);
  const oldTo = old.length - tail;
  const nextTo = next.length - tail;
  if (!plain(old, from, oldTo) || !plain(next, from, nextTo)) return null;

  // Down to the text node holding old[from, oldTo): through elements whose content holds it.
  // The indexes go to STEPS (no array grown per edit); the op gets an exact copy.
  const steps = STEPS;
  let depth = 0;
  let parent = root;
  let text: VNode | null = null;
  while (text === null) {
    // the diff replaces an opaque element whole and leaves an ignored one's children alone
    if (parent.flags & (F_OPAQUE | F_IGNORE) || R.tagInfo(parent.tag) & R.T_OPAQUE) return null;
    const kids = parent.children;
    const index = holder(kids, from, oldTo);
    if (index < 0) return null;
    const into = kids[index] as VNode;
    steps[depth++] = index;
    if (into.type === TEXT) text = into;
    else parent = into;
  }
  if (parent.flags & F_IMPLIED || R.tagInfo(parent.tag) & NOT_PLAIN_PARENT) return null;
  // Its data must be its source (no character reference, no newline a parser drops).
  if (text.end - text.start !== text.data.length || !old.startsWith(text.data, text.start)) return null;
  const data = text.data.slice(0, from - text.start) + next.slice(from, nextTo) + text.data.slice(oldTo - text.start);
  if (data === '') return null; // the node goes away: a structural change
  // an '&' kept beside the edit may now start a character reference ("&" + "amp;")
  if (data.includes('&')) return null;
  if (pathBytes(steps, steps[depth - 1] as number, depth - 1) + data.length + 6 >= limit) return null;

  const delta = nextTo - oldTo;
  if (delta !== 0) {
    // the ancestors (root down to the text's parent, again by the steps) end `delta` later; what follows the edit moves by `delta`
    let node = root;
    for (let level = 0; level < depth; level++) {
      node.end += delta;
      node.cend += delta;
      const kids = node.children;
      const index = steps[level] as number;
      for (let k = index + 1; k < kids.length; k++) (kids[k] as VNode).shift(delta);
      node = kids[index] as VNode;
    }
    text.end += delta;
  }
  text.data = data;
  text.cachedOuter = null;
  root.doc.text = next;
  const path: Path = steps.slice(0, depth);
  return [['t', path, data]];
}

/**
 * The child indexes of editText's walk down the tree, written over by each call (JavaScript
 * runs one at a time; numbers only, so it keeps nothing alive): a path array grown by `push`
 * allocated room for 17 indexes per edit.
 */
const STEPS: number[] = [];

/**
 * Index of the child of `kids` (in source order) that holds old[from, to): a text node
 * around it, or an element whose content holds it; -1 if none. A binary search: only the
 * last child starting at or before `from`, and the one before it (a text ending at `from`,
 * the first match in source order), can hold it.
 */
function holder(kids: readonly VNode[], from: number, to: number): number {
  let lo = 0;
  let hi = kids.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((kids[mid] as VNode).start > from) hi = mid;
    else lo = mid + 1;
  }
  for (let index = Math.max(0, lo - 2); index < lo; index++) {
    const kid = kids[index] as VNode;
    if (kid.type === TEXT ? kid.start <= from && to <= kid.end : kid.type === ELEMENT && kid.cstart >= 0 && kid.cstart <= from && to <= kid.cend) return index;
  }
  return -1;
}

/** src[start, end) holds no markup, character reference or NUL. */
function plain(src: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = src.charCodeAt(i);
    if (c === 60 /* < */ || c === 38 /* & */ || c === 0) return false;
  }
  return true;
}
