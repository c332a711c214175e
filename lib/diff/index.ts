/**
 * Server-side HTML diff: turns two renders of the live region into the ops that patch the
 * browser's DOM of the first into that of the second. Full write-up: docs/diff-format.md.
 *
 * Wire format — a `patch` message carries either `html` (replace the region's content) or
 * `ops`, applied in order by public/patch.js. A path is an array of child indices
 * (`childNodes`, so text and comment nodes count) from the region root; `[]` is the root.
 *
 *   ["t", path, text]                     set the data of the text/comment node at path
 *   ["a", path, name, value|null, …]      set (string) or remove (null) attributes
 *   ["r", path, html]                     replace the node at path with the node `html` parses to
 *   ["d", path, index, count]             remove `count` children of path from child `index` on
 *   ["i", path, index, html, …]           insert one node per html as children of path, the
 *                                         first before child `index` (append if index = length)
 *   ["m", path, from, to, …]              per pair: take child `from` out, then insert it
 *                                         before child `to` of the shortened list (or append)
 *
 * Each `html` is parsed on its own in a <template> and yields exactly one node (text travels
 * escaped), so `<tr>`, `<td>` and `<option>` parse outside their parents.
 *
 * Paths are valid when applied: for each parent the server emits the ops inside its matched
 * children first (addressed by old index), then removals (last first), then inserts and
 * moves whose indices it computes by simulating the list. Ops inside a node therefore come
 * before every op that changes the child list of that node or of any ancestor.
 *
 * Each render is parsed once (htmlparser2) into a VNode tree (tree.ts, parse.ts); reparse.ts
 * re-parses only the elements whose characters changed and shares the rest with the previous
 * tree, so unchanged subtrees compare by identity. The commonest update of all — one run of
 * plain text changed inside one text node — skips both: text-edit.ts checks that case and
 * patches the tree in place (one `t` op).
 *
 * The server sends `{html}` instead when either render is not "exact" (markup a browser may
 * parse into a different tree than htmlparser2 — see rules.ts) or when the ops' estimated
 * JSON size is not below the HTML's; and nothing (a `reply`) when the trees are equal.
 */
export { VNode, type Tree } from './tree';
export { parseRegion } from './parse';
export { reparse, settle } from './reparse';
export { diffTrees, type PatchOp, type Path } from './diff';
export { editText } from './text-edit';
