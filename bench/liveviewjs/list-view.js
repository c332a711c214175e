'use strict';
/**
 * LiveViewJS's side of the list page (bench/list-view.ts): the same table, rows and `inc`
 * (one row's count and the title), rendered with a comprehension as LiveViewJS's examples do.
 */
const { createLiveView, html } = require('liveviewjs');

const rowOf = (n, rows) => (n * 7919) % rows;

/** @param {number} rows */
function listView(rows) {
  return createLiveView({
    mount: (socket) => {
      socket.assign({ rows: Array.from({ length: rows }, (_, id) => ({ id, name: `item ${id}`, count: 0 })), clicks: 0 });
      socket.pageTitle('List');
    },
    handleEvent: (event, socket) => {
      if (event.type !== 'inc') return;
      const { rows: list, clicks } = socket.context;
      const row = list[rowOf(clicks, rows)];
      row.count += 1;
      socket.assign({ rows: list, clicks: clicks + 1 });
      socket.pageTitle(`Row ${row.id}: ${row.count}`);
    },
    render: (context) => html`<main><table><thead><tr><th>#</th><th>name</th><th>count</th></tr></thead>
<tbody id="rows">${context.rows.map((row) => html`
<tr id="row-${row.id}"><td>${row.id}</td><td>${row.name}</td><td>${row.count}</td></tr>`)}
</tbody></table></main>`,
  });
}

module.exports = { listView, LIST_ROWS: [500, 5000] };
