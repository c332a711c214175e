import { eventHandler } from '../lib/view/decorators';
import { LiveView } from '../lib/view/live-view';

/** One row of the list page. */
export interface Row {
  id: number;
  name: string;
  count: number;
}

/**
 * The list page built with a stream (docs/streams.md): `rows` rows rendered once at mount;
 * `bump` changes one row's count (a streamInsert of that row, replaced in place on the
 * client) and the title. The view keeps the counts (a Map of numbers), not the rows' markup.
 */
export class StreamListView extends LiveView {
  static override template = 'stream-list.njk';
  static rows = 5000;
  total = 0;
  #counts: number[] = [];

  override mount(): void {
    const rows = (this.constructor as typeof StreamListView).rows;
    this.#counts = new Array<number>(rows).fill(0);
    this.total = rows;
    const items: Row[] = [];
    for (let i = 0; i < rows; i += 1) items.push({ id: i, name: `row ${i}`, count: 0 });
    this.stream('rows', items);
    this.pageTitle = 'Rows';
  }

  @eventHandler()
  bump(params: { id?: string }): void {
    const id = Number(params.id) % this.#counts.length;
    const count = (this.#counts[id] ?? 0) + 1;
    this.#counts[id] = count;
    this.streamInsert('rows', { id, name: `row ${id}`, count });
    this.pageTitle = `Rows (${id}: ${count})`;
  }
}

/**
 * A feed fed in pages: `page` streams `size` new items at the end with no limit (the client
 * keeps them all; the server none), for the heap measurement.
 */
export class StreamFeedView extends LiveView {
  static override template = 'stream-list.njk';
  total = 0;

  override mount(): void {
    this.stream('rows', []);
  }

  @eventHandler()
  page(params: { size?: number }): void {
    const size = Number(params.size ?? 50);
    const items: Row[] = [];
    for (let i = 0; i < size; i += 1) items.push({ id: this.total + i, name: `item ${this.total + i} ${'x'.repeat(40)}`, count: 0 });
    this.total += size;
    this.stream('rows', items);
  }
}
