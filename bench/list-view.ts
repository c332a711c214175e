import { eventHandler } from '../lib/view/decorators';
import { LiveView } from '../lib/view/live-view';

/** Row counts of the list page (`/list<rows>`), in both systems. */
export const LIST_ROWS = [500, 5000] as const;

/** One row of the list page. */
export interface ListRow {
  id: number;
  name: string;
  count: number;
}

/** The rows every list page starts with, the same in both systems (bench/liveviewjs/list-view.js). */
export function listRows(rows: number): ListRow[] {
  return Array.from({ length: rows }, (_, id) => ({ id, name: `item ${id}`, count: 0 }));
}

/**
 * Which row the `n`-th click of a connection bumps: a fixed walk over every row (step 7919,
 * prime, so edits land all over the table), the same in LiveViewJS's view.
 */
export function rowOf(n: number, rows: number): number {
  return (n * 7919) % rows;
}

/**
 * The list page, plain `{% for %}` (bench/views/list.njk): `inc` bumps one row's count and sets
 * the title. The same page built with a stream or with a component per row is another
 * variant registered beside this one (`LIST_VARIANTS` in bench/list-run.ts: a view, its route
 * prefix, and the same `inc` event), so the harness and the clients stay as they are.
 */
export function listView(rows: number): typeof LiveView {
  class ListView extends LiveView {
    static override template = 'list.njk';
    rows: ListRow[] = [];
    clicks = 0;

    override mount(): void {
      this.rows = listRows(rows);
      this.pageTitle = 'List';
    }

    @eventHandler()
    inc(): void {
      const row = this.rows[rowOf(this.clicks++, rows)] as ListRow;
      row.count += 1;
      this.pageTitle = `Row ${row.id}: ${row.count}`;
    }
  }
  return ListView;
}
