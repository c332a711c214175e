import type { StreamInsertOp, StreamPatch } from '../contract/protocol';
import { splitStreams } from '../render/stream-split';
import type { StreamSet } from './streams';

/** A render with its stream containers emptied (what the region diff sees), and what they receive. */
export interface StreamedRender {
  /** The render without the children of its `dj-update="stream"` containers. */
  readonly html: string;
  /** Per container: reset, deletes and the rendered inserts; null when there is nothing. */
  readonly streams: StreamPatch[] | null;
}

/**
 * The wire form of one insert: the child's HTML alone when it goes at the end with no limit
 * (the client reads the DOM id off the element, which is where the split found it), else
 * `[domId, at, limit, html]`. An id with `&` keeps the long form: the server's parser and the
 * browser's could decode an entity in it differently.
 */
function insertOp(domId: string, at: number, limit: number | null, html: string): StreamInsertOp {
  return at === -1 && limit === null && !domId.includes('&') ? html : [domId, at, limit, html];
}

/**
 * Takes a view's stream queues into the wire form after a render (docs/streams.md): the
 * children rendered in each `dj-update="stream"` container become inserts, in the order they
 * were queued, with the `at` and `limit` their `stream`/`streamInsert` call gave (a child no
 * call queued, such as an "empty list" placeholder, is appended), deletes and resets go to the container the stream last
 * rendered into. The queues are emptied: the server keeps no item.
 *
 * @example
 * const { html, streams } = takeStreams(set, renderedRegion);
 * // html: '<ul id="log" dj-update="stream"></ul>', streams: [{ id: 'log', inserts: [['log-1', 0, 100, '<li id="log-1">…</li>']] }]
 */
export function takeStreams(set: StreamSet, rendered: string): StreamedRender {
  const split = splitStreams(rendered);
  const pending = set.pending();
  if (split === null && pending.length === 0) return { html: rendered, streams: null };
  const byContainer = new Map<string, StreamPatch>();
  const out: StreamPatch[] = [];
  const entry = (id: string): StreamPatch => {
    let patch = byContainer.get(id);
    if (patch === undefined) {
      patch = { id };
      byContainer.set(id, patch);
      out.push(patch);
    }
    return patch;
  };
  for (const container of split?.containers ?? []) {
    const patch = entry(container.id);
    if (container.children.length === 0) continue;
    // queued children in queue order (each goes in at its `at` in turn), then the others (placeholders)
    const rendered = new Map(container.children.map((child) => [child.id, child.html]));
    const inserts: StreamInsertOp[] = (patch.inserts = []);
    for (const stream of pending) {
      for (const insert of stream.inserts) {
        const html = rendered.get(insert.domId);
        if (html === undefined) continue;
        rendered.delete(insert.domId);
        stream.container = container.id;
        inserts.push(insertOp(insert.domId, insert.at, insert.limit, html));
      }
    }
    for (const [id, html] of rendered) inserts.push(insertOp(id, -1, null, html));
  }
  let orphans: string[] | null = null;
  for (const stream of pending) {
    const patch = stream.container === null ? null : entry(stream.container);
    if (stream.reset && patch !== null) patch.reset = true;
    if (stream.deletes.length === 0) continue;
    if (patch === null) (orphans ??= []).push(...stream.deletes);
    else (patch.deletes ??= []).push(...stream.deletes);
  }
  if (orphans !== null) out.push({ deletes: orphans });
  set.clear();
  const streams = out.filter((patch) => patch.reset || patch.deletes || patch.inserts);
  return { html: split === null ? rendered : split.html, streams: streams.length === 0 ? null : streams };
}
