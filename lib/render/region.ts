import { diffTrees, editText, parseRegion, reparse, settle, type PatchOp, type Tree } from '../diff';

export type { PatchOp, Path } from '../diff';

/** Region update as the `patch` message carries it: whole content, or ops (docs/diff-format.md). */
export type RegionPatch = { html: string } | { ops: PatchOp[] };

export interface RegionOptions {
  /**
   * Tag name of the dj-root element (default: none, content parsed as inside a `<div>`).
   * Lets the diff address `<tr>` children of a `<tbody dj-root>` instead of sending HTML.
   */
  rootTag?: string;
}

/**
 * The live region as the client last received it: its HTML and parsed tree. `update(next)`
 * parses the new render once (only the parts that changed: see lib/diff/reparse.ts), diffs it
 * against the cached tree and returns what to send —
 * ops, the whole HTML when that is smaller or the markup is ambiguous, or null when the
 * DOM would not change.
 *
 * @example
 * const list = (n: number) => `<p id="n">${n}</p><ul>${'<li>item</li>'.repeat(20)}</ul>`;
 * const region = new RegionState(list(1));
 * region.update(list(2)); // { ops: [['t', [0, 0], '2']] }
 * region.update(list(2)); // null
 * region.update('<p>gone</p>'); // { html: '<p>gone</p>' } (smaller than the ops)
 */
export class RegionState {
  #html: string;
  /**
   * The parsed `html`; null until the first update needs it. An idle connection that never
   * sent an event keeps no tree (~1.7 KB for a small region, more for a big one).
   */
  #tree: Tree | null = null;
  readonly #rootTag: string;

  constructor(html: string, options: RegionOptions = {}) {
    this.#rootTag = options.rootTag ?? '';
    this.#html = html;
  }

  /**
   * Drops the parsed tree (the next update parses the region again). A tree takes ~18 times
   * the region's size in memory (a 2 KB region: ~39 KB), so a connection that stopped
   * updating gives it back.
   */
  compact(): void {
    this.#tree = null;
  }

  /** The HTML the client's region now shows. */
  get html(): string {
    return this.#html;
  }

  /**
   * What to send for the render `next`: `{ops}` (docs/diff-format.md), `{html}` when that is
   * smaller or either render is not exact (`debug` hears why), or null when the client's
   * DOM would not change. The new render becomes `html`.
   */
  update(next: string, debug?: (message: string) => void): RegionPatch | null {
    if (next === this.#html) return null;
    const edited = this.#tree && editText(this.#tree, next, next.length);
    if (edited) {
      this.#html = next;
      return { ops: edited };
    }
    const prev = this.#tree ?? parseRegion(this.#html, this.#rootTag);
    const tree = reparse(prev, next, this.#rootTag);
    this.#html = next;
    this.#tree = tree;
    if (!prev.exact || !tree.exact) {
      debug?.(`djust-lite: region sent whole: ${(prev.exact ? tree : prev).reason}.`);
      return { html: next };
    }
    let ops: PatchOp[] | null;
    try {
      ops = diffTrees(prev, tree, next.length);
    } catch (err) {
      // a bug in the diff must not desynchronise the client: send the region whole
      debug?.(`djust-lite: the diff failed (${(err as Error).message}); sending the region whole.`);
      ops = null;
    } finally {
      settle(tree);
    }
    if (ops === null) return { html: next };
    return ops.length === 0 ? null : { ops };
  }
}
