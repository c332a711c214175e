import { DjustError, argumentOutOfRange, invalidArgument } from '../core/errors';

/**
 * Streams (docs/streams.md): lists the server does not keep. A view queues inserts, deletes
 * and resets with `this.stream(…)`, `this.streamInsert(…)`, `this.streamDelete(…)`; the next
 * render shows only the queued items (the template iterates `streams.<name>`), the client
 * applies them to the children it already has, and the queue is emptied. What stays per
 * stream is its `domId` function and the id of the container it renders into.
 */

/** Options of `this.stream(name, items, options)`. */
export interface StreamOptions<T = unknown> {
  /** Where each item goes: `-1` (default) the end, `0` the top, `n` before the n-th child. */
  at?: number | undefined;
  /**
   * How many children the client keeps after each insert, as Phoenix: a positive `n` keeps
   * the first n (removes from the end), a negative `-n` keeps the last n (removes from the
   * top). Items of this call that would be pruned at once are not rendered.
   */
  limit?: number | undefined;
  /** Removes every child the client shows before these items are inserted. */
  reset?: boolean | undefined;
  /** The DOM id of an item (default `` `${name}-${item.id}` ``). Given on the first call; fixed after. */
  domId?: ((item: T) => string) | undefined;
}

/** Options of `this.streamInsert(name, item, options)`. */
export interface StreamInsertOptions {
  at?: number | undefined;
  limit?: number | undefined;
}

/** One queued insert (or update in place, when the client has the DOM id). */
export interface StreamInsert {
  readonly domId: string;
  readonly item: unknown;
  readonly at: number;
  readonly limit: number | null;
}

/** One stream's queue since the last render, and what it keeps across renders. */
export class Stream {
  readonly name: string;
  readonly domId: (item: unknown) => string;
  inserts: StreamInsert[] = [];
  deletes: string[] = [];
  reset = false;
  /** The id of the `dj-update="stream"` container its items last rendered into (learned from renders). */
  container: string | null = null;

  constructor(name: string, domId: ((item: unknown) => string) | undefined) {
    this.name = name;
    this.domId = domId ?? ((item) => defaultDomId(name, item));
  }

  get pending(): boolean {
    return this.reset || this.inserts.length > 0 || this.deletes.length > 0;
  }
}

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const NO_ITEMS: readonly (readonly [string, unknown])[] = Object.freeze([]);

/** The streams of one view (ViewInternals.streams; allocated on the first call). */
export class StreamSet {
  readonly #streams = new Map<string, Stream>();

  /** `this.stream(name, items, options)`. */
  stream(name: string, items: Iterable<unknown>, options: StreamOptions = {}): void {
    const call = `stream("${String(name).slice(0, 64)}", items, options)`;
    const stream = this.#get(name, call, options.domId);
    if (items === null || typeof items !== 'object' || typeof (items as Iterable<unknown>)[Symbol.iterator] !== 'function') {
      throw invalidArgument(call, 'items', 'an array (or another iterable) of items', items);
    }
    const at = checkAt(call, options.at);
    const limit = checkLimit(call, options.limit);
    if (options.reset === true) {
      stream.inserts = [];
      stream.deletes = [];
      stream.reset = true;
    }
    const batch: StreamInsert[] = [];
    for (const item of items) batch.push({ domId: idOf(stream, item, call), item, at, limit });
    for (const insert of limit === null ? batch : survivors(batch, at, limit)) queue(stream, insert);
  }

  /** `this.streamInsert(name, item, options)`. */
  insert(name: string, item: unknown, options: StreamInsertOptions = {}): void {
    const call = `streamInsert("${String(name).slice(0, 64)}", item, options)`;
    const stream = this.#get(name, call, undefined);
    queue(stream, { domId: idOf(stream, item, call), item, at: checkAt(call, options.at), limit: checkLimit(call, options.limit) });
  }

  /** `this.streamDelete(name, item)` (`byDomId`: `this.streamDeleteByDomId(name, id)`). */
  delete(name: string, itemOrId: unknown, byDomId: boolean): void {
    const call = byDomId ? `streamDeleteByDomId("${String(name).slice(0, 64)}", domId)` : `streamDelete("${String(name).slice(0, 64)}", item)`;
    const stream = this.#get(name, call, undefined);
    if (byDomId && (typeof itemOrId !== 'string' || itemOrId === '')) throw invalidArgument(call, 'domId', 'a non-empty string', itemOrId);
    const domId = byDomId ? (itemOrId as string) : idOf(stream, itemOrId, call);
    stream.inserts = stream.inserts.filter((insert) => insert.domId !== domId);
    if (!stream.deletes.includes(domId)) stream.deletes.push(domId);
  }

  /**
   * The template's `streams`: name → the queued `[domId, item]` pairs in the order an empty
   * container shows them once each went in at its `at` (so the HTTP render and a mount show
   * `{ at: 0 }` items newest first, as the client would); the wire sends them in queue order.
   */
  context(): Record<string, readonly (readonly [string, unknown])[]> {
    const context: Record<string, readonly (readonly [string, unknown])[]> = {};
    for (const [name, stream] of this.#streams) {
      context[name] = stream.inserts.length === 0 ? NO_ITEMS : placed(stream.inserts).map((insert) => [insert.domId, insert.item] as const);
    }
    return context;
  }

  /** The streams with something queued. */
  pending(): Stream[] {
    const out: Stream[] = [];
    for (const stream of this.#streams.values()) if (stream.pending) out.push(stream);
    return out;
  }

  /** Empties every queue (after a render: the client has the items now). */
  clear(): void {
    for (const stream of this.#streams.values()) {
      if (!stream.pending) continue;
      stream.inserts = [];
      stream.deletes = [];
      stream.reset = false;
    }
  }

  /** What `clear()` and the calls of a failed change would lose: restores the queues as they are now. */
  snapshot(): () => void {
    const saved = [...this.#streams.values()].map((s) => [s, s.inserts.slice(), s.deletes.slice(), s.reset] as const);
    const known = new Set(this.#streams.keys());
    return () => {
      for (const name of [...this.#streams.keys()]) if (!known.has(name)) this.#streams.delete(name);
      for (const [stream, inserts, deletes, reset] of saved) {
        stream.inserts = inserts;
        stream.deletes = deletes;
        stream.reset = reset;
      }
    };
  }

  #get(name: string, call: string, domId: ((item: unknown) => string) | undefined): Stream {
    if (typeof name !== 'string' || !NAME_RE.test(name)) throw invalidArgument(call, 'name', 'a name like "messages" (a letter or "_", then up to 63 letters, digits or "_")', name);
    if (domId !== undefined && typeof domId !== 'function') throw invalidArgument(call, 'options.domId', 'a function (item) => string', domId);
    const known = this.#streams.get(name);
    if (known) {
      if (domId !== undefined && domId !== known.domId) {
        throw new DjustError('DJUST_ERR_INVALID_ARG', `${call}: the stream "${name}" already has its domId; give options.domId only on the first this.stream("${name}", …) call (a function defined once, e.g. a static method).`);
      }
      return known;
    }
    const stream = new Stream(name, domId);
    this.#streams.set(name, stream);
    return stream;
  }
}

function defaultDomId(name: string, item: unknown): string {
  const id = item !== null && typeof item === 'object' ? (item as { id?: unknown }).id : undefined;
  if ((typeof id !== 'string' || id === '') && typeof id !== 'number') {
    throw new DjustError('DJUST_ERR_INVALID_ARG', `stream "${name}": an item has no "id" (got ${id === undefined ? 'none' : JSON.stringify(id)}); give the stream a domId: this.stream("${name}", items, { domId: (item) => \`${name}-\${item.key}\` }).`);
  }
  return `${name}-${id}`;
}

function idOf(stream: Stream, item: unknown, call: string): string {
  const domId = stream.domId(item);
  if (typeof domId !== 'string' || domId === '' || /\s/.test(domId)) throw invalidArgument(call, `the domId of an item of "${stream.name}"`, 'a non-empty string without spaces (an HTML id)', domId);
  return domId;
}

function checkAt(call: string, at: number | undefined): number {
  if (at === undefined) return -1;
  if (!Number.isInteger(at) || at < -1) throw argumentOutOfRange(call, 'options.at', '-1 (the end), 0 (the top) or a child index', at);
  return at;
}

function checkLimit(call: string, limit: number | undefined): number | null {
  if (limit === undefined) return null;
  if (!Number.isInteger(limit) || limit === 0) throw argumentOutOfRange(call, 'options.limit', 'a non-zero integer (n keeps the first n children, -n the last n)', limit);
  return limit;
}

/** Queues an insert: a later insert of the same DOM id replaces the queued one. */
function queue(stream: Stream, insert: StreamInsert): void {
  const { inserts } = stream;
  if (inserts.length > 0) {
    const i = inserts.findIndex((queued) => queued.domId === insert.domId);
    if (i >= 0) inserts.splice(i, 1);
  }
  inserts.push(insert);
}

/**
 * The inserts of one call that are still there once the client applied them all with `limit`
 * (a 100,000-item `stream(…, { limit: -100 })` renders 100 rows, not 100,000).
 */
function survivors(batch: StreamInsert[], at: number, limit: number): StreamInsert[] {
  const keep = Math.abs(limit);
  if (batch.length <= keep) return batch;
  const list: StreamInsert[] = [];
  for (const insert of batch) {
    if (at === -1) list.push(insert);
    else list.splice(Math.min(at, list.length), 0, insert);
    if (list.length > keep) {
      if (limit > 0) list.pop();
      else list.shift();
    }
  }
  const kept = new Set(list);
  return batch.filter((insert) => kept.has(insert));
}

/** `inserts` as an empty container shows them after each went in at its `at`. */
function placed(inserts: readonly StreamInsert[]): StreamInsert[] {
  if (inserts.every((insert) => insert.at === -1)) return inserts.slice();
  const list: StreamInsert[] = [];
  for (const insert of inserts) {
    if (insert.at === -1) list.push(insert);
    else list.splice(Math.min(insert.at, list.length), 0, insert);
  }
  return list;
}
