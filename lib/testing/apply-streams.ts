import type { VNode } from '../diff';
import type { StreamPatch } from '../contract/protocol';

const ELEMENT = 1;

/** A node and its ancestors, root first. */
type Chain = VNode[];

function attrOf(node: VNode, name: string): string | undefined {
  for (let i = 0; i < node.attrs.length; i += 2) if (node.attrs[i] === name) return node.attrs[i + 1];
  return undefined;
}

/** Whether `node` is a `dj-update="stream"` container. */
export function isStreamContainer(node: VNode): boolean {
  return node.type === ELEMENT && attrOf(node, 'dj-update') === 'stream';
}

/** Every stream container under `root` with its chain (not looking inside a container). */
export function streamContainers(root: VNode): Map<string, Chain> {
  const found = new Map<string, Chain>();
  const walk = (chain: Chain): void => {
    const node = chain[chain.length - 1] as VNode;
    for (const child of node.children) {
      if (child.type !== ELEMENT) continue;
      const next = [...chain, child];
      if (isStreamContainer(child)) {
        const id = child.key;
        if (id !== null && !found.has(id)) found.set(id, next);
      } else walk(next);
    }
  };
  walk([root]);
  return found;
}

/**
 * Gives each stream container of the new tree (`after`) the children its namesake in `before`
 * had, as the browser client keeps them across `html` and `r` replacements. Returns the
 * chains it changed (their serialisation is stale).
 */
export function keepStreamChildren(before: Map<string, Chain>, after: VNode): Chain[] {
  const changed: Chain[] = [];
  if (before.size === 0) return changed;
  for (const [id, chain] of streamContainers(after)) {
    const old = before.get(id);
    const container = chain[chain.length - 1] as VNode;
    const previous = old?.[old.length - 1];
    if (previous === undefined || previous === container) continue;
    container.children = previous.children.slice();
    changed.push(chain);
  }
  return changed;
}

/**
 * Applies a patch's `streams` entries to the tree as public/streams.js applies them to the DOM
 * (docs/streams.md). `parse(html, parentTag)` makes an inserted child. Returns the chains it
 * changed.
 */
export function applyStreamPatches(root: VNode, streams: readonly StreamPatch[], parse: (html: string, parentTag: string) => VNode): Chain[] {
  const containers = streamContainers(root);
  const changed: Chain[] = [];
  for (const patch of streams) {
    const chain = patch.id === undefined ? undefined : containers.get(patch.id);
    const box = chain?.[chain.length - 1];
    const inserts = box ? patch.inserts ?? [] : [];
    if (box && chain) {
      changed.push(chain);
      if (patch.reset) box.children = [];
    }
    for (const id of patch.deletes ?? []) {
      for (const [, c] of containers) {
        const node = c[c.length - 1] as VNode;
        const at = node.children.findIndex((child) => child.key === id);
        if (at < 0) continue;
        node.children = node.children.filter((_, i) => i !== at);
        changed.push(c);
      }
    }
    if (!box) continue;
    for (const insert of inserts) {
      // the short form: the HTML alone, at the end, no limit, its DOM id the element's
      const [id, at, limit, html] = typeof insert === 'string' ? [null, -1, null, insert] : insert;
      const el = parse(html, box.tag);
      const kids = box.children.filter((child) => child.type === ELEMENT);
      const old = kids.findIndex((child) => child.key === (id ?? el.key));
      if (old >= 0) kids[old] = el;
      else kids.splice(at < 0 ? kids.length : Math.min(at, kids.length), 0, el);
      if (limit !== null && kids.length > Math.abs(limit)) {
        if (limit > 0) kids.length = limit;
        else kids.splice(0, kids.length + limit);
      }
      box.children = kids;
    }
  }
  return changed;
}
