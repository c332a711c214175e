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
 * after the edit, every node's source), exactly as parseRegion(next) would build it; or null
 * (tree untouched) for any other change, which reparse() and diffTrees() then handle.
 * `limit`: as diffTrees — null when the op would not be smaller than the whole HTML.
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
  const path: Path = [];
  const chain: VNode[] = [];
  let parent = root;
  let text: VNode | null = null;
  while (text === null) {
    // the diff replaces an opaque element whole and leaves an ignored one's children alone
    if (parent.flags & (F_OPAQUE | F_IGNORE) || R.tagInfo(parent.tag) & R.T_OPAQUE) return null;
    chain.push(parent);
    const kids = parent.children;
    let index = 0;
    let into: VNode | null = null;
    for (; index < kids.length; index++) {
      const kid = kids[index] as VNode;
      if (kid.start > from) break;
      if (kid.type === TEXT ? oldTo <= kid.end : kid.type === ELEMENT && kid.cstart >= 0 && kid.cstart <= from && oldTo <= kid.cend) {
        into = kid;
        break;
      }
    }
    if (into === null) return null;
    path.push(index);
    if (into.type === TEXT) text = into;
    else parent = into;
  }
  if (parent.flags & F_IMPLIED || R.tagInfo(parent.tag) & NOT_PLAIN_PARENT) return null;
  // Its data must be its source (no character reference, no newline a parser drops).
  if (old.slice(text.start, text.end) !== text.data) return null;
  const data = text.data.slice(0, from - text.start) + next.slice(from, nextTo) + text.data.slice(oldTo - text.start);
  if (data === '') return null; // the node goes away: a structural change
  const parentPath = path.slice(0, -1);
  if (pathBytes(parentPath, path[path.length - 1] as number) + data.length + 6 >= limit) return null;

  const delta = nextTo - oldTo;
  shift(root, next, oldTo, delta, chain, text);
  text.data = data;
  return [['t', path, data]];
}

/** src[start, end) holds no markup, character reference or NUL. */
function plain(src: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = src.charCodeAt(i);
    if (c === 60 /* < */ || c === 38 /* & */ || c === 0) return false;
  }
  return true;
}

/**
 * Points every node at `src`; the edit's ancestors (`chain`) and `text` end `delta` later,
 * nodes that start at or after the edit's end (`at`) move by `delta`.
 */
function shift(node: VNode, src: string, at: number, delta: number, chain: readonly VNode[], text: VNode): void {
  node.src = src;
  node.cachedOuter = null;
  if (node === text || chain.includes(node)) {
    node.end += delta;
    if (node.cend >= 0 && node !== text) node.cend += delta;
  } else if (node.start >= at) {
    node.start += delta;
    node.end += delta;
    if (node.cstart >= 0) {
      node.cstart += delta;
      node.cend += delta;
    }
  } // else wholly before the edit: its offsets stay
  for (const child of node.children) shift(child, src, at, delta, chain, text);
}
