import { parseRegion, type VNode } from '../diff';
import { DjustError } from '../core/errors';
import { escapeHtml } from '../render/html';
import type { StreamPatch } from '../contract/protocol';
import { applyStreamPatches, keepStreamChildren, streamContainers } from './apply-streams';

const VOID = new Set('area base br col embed hr img input link meta param source track wbr'.split(' '));
const RAW_TEXT = new Set(['script', 'style']);
const ELEMENT = 1;
const STREAM_RE = /dj-update\s*=\s*["']?stream/i;
const TEXT = 3;
const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };

/**
 * The live region as the test client keeps it: the diff engine's own tree (lib/diff), with
 * `{ops}` patches applied the way public/patch.js applies them to the DOM (docs/diff-format.md).
 * `html()` serialises it: untouched subtrees as their source markup, changed ones rebuilt.
 */
export class RegionModel {
  #root: VNode;
  readonly #rootTag: string;
  /** Nodes whose subtree an op changed (their source markup is stale). */
  #dirty = new WeakSet<VNode>();
  #html: string | null;
  /** Whether the region may hold a stream container (else patches skip looking for them). */
  #streams: boolean;

  constructor(html: string, rootTag: string) {
    this.#rootTag = rootTag;
    this.#root = parseRegion(html, rootTag).root;
    this.#html = html;
    this.#streams = STREAM_RE.test(html);
  }

  /**
   * Replaces the whole content: a `mounted` or `navigate` (streams rendered afresh), or a patch
   * with `html` (`keepStreams`: stream containers keep their children, as in the browser).
   */
  reset(html: string, keepStreams = false): void {
    const before = keepStreams && this.#streams ? streamContainers(this.#root) : null;
    this.#root = parseRegion(html, this.#rootTag).root;
    this.#dirty = new WeakSet();
    this.#html = html;
    this.#streams = STREAM_RE.test(html);
    if (before !== null) this.#touch(keepStreamChildren(before, this.#root));
  }

  /** Applies a patch's ops in order (stream containers keep their children). Throws on an op whose path does not exist. */
  apply(ops: readonly unknown[]): void {
    if (ops.length === 0) return;
    this.#html = null;
    const before = this.#streams ? streamContainers(this.#root) : null;
    for (const op of ops) {
      const [code, , ...args] = op as [string, (number | string)[], ...unknown[]];
      if (!this.#streams && (code === 'r' || code === 'i') && args.some((a) => typeof a === 'string' && STREAM_RE.test(a))) this.#streams = true;
      this.#applyOne(op as [string, (number | string)[], ...unknown[]]);
    }
    if (before !== null) this.#touch(keepStreamChildren(before, this.#root));
  }

  /** Applies a patch's `streams` entries (docs/streams.md), after its `html` or `ops`. */
  applyStreams(streams: readonly StreamPatch[]): void {
    this.#touch(applyStreamPatches(this.#root, streams, (html, parentTag) => fragment(html, parentTag || this.#rootTag)));
  }

  /** Marks changed chains dirty (their source markup is stale). */
  #touch(chains: VNode[][]): void {
    if (chains.length === 0) return;
    this.#html = null;
    for (const chain of chains) for (const node of chain) this.#dirty.add(node);
  }

  /** The region's inner HTML now. */
  html(): string {
    this.#html ??= this.#root.children.map((child) => this.#serialise(child, '')).join('');
    return this.#html;
  }

  #applyOne([code, given, ...args]: [string, (number | string)[], ...unknown[]]): void {
    let path = given as number[];
    if (typeof given[0] === 'string') {
      // a LiveComponent's op: from the element with that dj-cid
      const at = pathOf(this.#root, given[0]);
      if (at === null) throw new DjustError('DJUST_ERR_LIVE_TEST_PATCH', `liveTest: a patch op addresses LiveComponent ${given[0]}, which the region does not show (no dj-cid="${given[0]}").`);
      path = [...at, ...(given.slice(1) as number[])];
    }
    const chain = [this.#root];
    for (const index of path) {
      const child = (chain[chain.length - 1] as VNode).children[index];
      if (!child) throw new DjustError('DJUST_ERR_LIVE_TEST_PATCH', `liveTest: patch op "${code}" has a path [${path.join(',')}] that does not exist in the region.`);
      chain.push(child);
    }
    const node = chain[chain.length - 1] as VNode;
    for (const n of chain) this.#dirty.add(n);
    switch (code) {
      case 't':
        node.data = String(args[0]);
        break;
      case 'a':
        for (let i = 0; i + 1 < args.length; i += 2) setAttr(node, String(args[i]), args[i + 1] as string | null);
        break;
      case 'r': {
        const parent = chain[chain.length - 2];
        if (!parent) return this.reset(String(args[0]));
        this.#dirty.delete(node);
        parent.children[path[path.length - 1] as number] = fragment(String(args[0]), parent.tag || this.#rootTag);
        break;
      }
      case 'd':
        node.children.splice(Number(args[0]), Number(args[1]));
        break;
      case 'i':
        node.children.splice(Number(args[0]), 0, ...args.slice(1).map((html) => fragment(String(html), node.tag || this.#rootTag)));
        break;
      case 'm':
        for (let i = 0; i + 1 < args.length; i += 2) {
          const [moved] = node.children.splice(Number(args[i]), 1);
          if (moved) node.children.splice(Number(args[i + 1]), 0, moved);
        }
        break;
      default:
        throw new DjustError('DJUST_ERR_LIVE_TEST_PATCH', `liveTest: unknown patch op "${code}" (is djust-lite/testing the same version as the server?).`);
    }
  }

  #serialise(node: VNode, parentTag: string): string {
    if (!this.#dirty.has(node)) return node.outer;
    if (node.type === TEXT) return RAW_TEXT.has(parentTag) ? node.data : node.data.replace(/[&<>]/g, (c) => ESCAPES[c] as string);
    if (node.type !== ELEMENT) return `<!--${node.data}-->`;
    let out = `<${node.tag}`;
    for (let i = 0; i < node.attrs.length; i += 2) out += ` ${node.attrs[i]}="${escapeHtml(node.attrs[i + 1] as string)}"`;
    out += '>';
    if (VOID.has(node.tag)) return out;
    for (const child of node.children) out += this.#serialise(child, node.tag);
    return `${out}</${node.tag}>`;
  }
}

/** The path to the element with `dj-cid="cid"` under `node`, or null. */
function pathOf(node: VNode, cid: string): number[] | null {
  const kids = node.children;
  for (let i = 0; i < kids.length; i++) {
    const kid = kids[i] as VNode;
    if (kid.type !== ELEMENT) continue;
    const attrs = kid.attrs;
    for (let a = 0; a < attrs.length; a += 2) if (attrs[a] === 'dj-cid' && attrs[a + 1] === cid) return [i];
    const below = pathOf(kid, cid);
    if (below !== null) return [i, ...below];
  }
  return null;
}

/** The one node an op's `html` parses to, parsed as a child of `parentTag` (`<tr>` inside a `<tbody>`). */
function fragment(html: string, parentTag: string): VNode {
  const node = parseRegion(html, parentTag).root.children[0] ?? parseRegion(html).root.children[0];
  if (!node) throw new DjustError('DJUST_ERR_LIVE_TEST_PATCH', `liveTest: a patch op carries HTML that parses to no node: ${JSON.stringify(html.slice(0, 80))}`);
  return node;
}

function setAttr(node: VNode, name: string, value: string | null): void {
  const attrs = [...node.attrs];
  const at = attrs.findIndex((n, i) => i % 2 === 0 && n === name);
  if (value === null) {
    if (at >= 0) attrs.splice(at, 2);
  } else if (at >= 0) attrs[at + 1] = value;
  else attrs.push(name, value);
  node.attrs = attrs;
}
