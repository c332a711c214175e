/**
 * The list page of bench/list-view.ts built two other ways (issue 24), the same table, rows and
 * `inc` (one row's count and the title, the same walk over the rows):
 *
 * - **stream** (`/list-stream<rows>`, bench/views/list-stream.njk; docs/streams.md): the rows
 *   are streamed once at mount and forgotten; `inc` re-inserts the one row (replaced in place on
 *   the client). The view keeps each row's count (numbers), not the rows.
 * - **components** (`/list-components<rows>`, bench/views/list-comp.njk; docs/components.md):
 *   one `ListRow` LiveComponent per row holding its own count; `inc` is the row's own handler,
 *   reached with the event's `target` (its `dj-cid`), so only that row renders and is diffed.
 */
import { eventHandler } from '../lib/view/decorators';
import { LiveComponent } from '../lib/view/live-component';
import { LiveView } from '../lib/view/live-view';
import { listRows, rowOf, type ListRow } from './list-view';

/** The list page built with a stream of `rows` rows. */
export function streamListView(rows: number): typeof LiveView {
  class StreamListView extends LiveView {
    static override template = 'list-stream.njk';
    #counts: number[] = [];
    #clicks = 0;

    override mount(): void {
      this.#counts = new Array<number>(rows).fill(0);
      this.stream('rows', listRows(rows), { domId: (row: ListRow) => `row-${row.id}` });
      this.pageTitle = 'List';
    }

    @eventHandler()
    inc(): void {
      const id = rowOf(this.#clicks++, rows);
      const count = (this.#counts[id] as number) + 1;
      this.#counts[id] = count;
      this.streamInsert('rows', { id, name: `item ${id}`, count });
      this.pageTitle = `Row ${id}: ${count}`;
    }
  }
  return StreamListView;
}

/** One row of the component list: its own count, bumped by its own `inc`, which also sets the title. */
export class ListRowComponent extends LiveComponent {
  static override template = 'list-comp-row.njk';
  id = 0;
  name = '';
  count = 0;

  @eventHandler()
  inc(): void {
    this.count += 1;
    this.pageTitle = `Row ${this.id}: ${this.count}`;
  }
}

/** The list page built with one `ListRowComponent` per row. */
export function componentListView(rows: number): typeof LiveView {
  class ComponentListView extends LiveView {
    static override template = 'list-comp.njk';
    ListRow = ListRowComponent;
    rows: { id: number; name: string }[] = [];

    override mount(): void {
      this.rows = listRows(rows).map(({ id, name }) => ({ id, name }));
      this.pageTitle = 'List';
    }
  }
  return ComponentListView;
}
