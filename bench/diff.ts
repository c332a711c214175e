/**
 * Server-side HTML diff vs whole-region replace, per event, in one process:
 *   npx ts-node --transpile-only bench/diff.ts [--events 2000]
 *
 * Each scenario renders a page with Nunjucks and cuts out the dj-root region as the
 * dispatcher does (Renderer.renderRegion: env.render + findRegion), then either sends it whole
 * (baseline: bytes of the `patch` message with `html`, time of the render only) or passes it
 * to RegionState.update (bytes of the `patch` message with `ops`, time of render + diff). For
 * reference, "diff µs (full parse)" is the diff if each render were parsed whole instead of
 * incrementally. Times are medians (µs per event). Prints a table, then the same as JSON.
 */
import nunjucks from 'nunjucks';
import { findRegion } from '../lib/render/html';
import { diffTrees, parseRegion } from '../lib/diff';
import { RegionState, type RegionPatch } from '../lib/render/region';

const TEMPLATES: Record<string, string> = {
  'layout.njk': '<!doctype html><html><head><title>{{ title }}</title></head><body><nav><a href="/">Home</a></nav>{% block content %}{% endblock %}</body></html>',
  'dashboard.njk': `{% extends "layout.njk" %}{% block content %}<main dj-root>
<header><h1>Orders</h1><span class="badge" id="unread">{{ unread }} unread</span></header>
<table class="orders">
  <thead><tr><th>#</th><th>Customer</th><th>Status</th><th>Total</th></tr></thead>
  {% for o in orders %}<tr id="o{{ o.id }}"><td>{{ o.id }}</td><td>{{ o.customer }}</td><td class="status {{ o.status }}">{{ o.status }}</td><td>{{ o.total }}</td></tr>
  {% endfor %}
</table>
<footer>Showing {{ orders.length }} orders</footer>
</main>{% endblock %}`,
  'list.njk': `{% extends "layout.njk" %}{% block content %}<main dj-root><ul class="todos">
{% for t in todos %}<li id="t{{ t.id }}" class="todo{% if t.done %} done{% endif %}"><input type="checkbox"{% if t.done %} checked{% endif %}> <span>{{ t.title }}</span> <button dj-click="remove" dj-value-id="{{ t.id }}">&times;</button></li>
{% endfor %}</ul><p>{{ todos.length }} items</p></main>{% endblock %}`,
};

const env = new nunjucks.Environment(
  { getSource: (name: string) => ({ src: TEMPLATES[name] ?? '', path: name, noCache: false }) } as unknown as nunjucks.ILoader,
  { autoescape: true },
);

/** Renderer.renderRegion, minus the view: render the page, cut out the region. */
function renderRegion(template: string, ctx: object): string {
  const html = env.render(template, ctx);
  const region = findRegion(html);
  if (!region) throw new Error(`${template}: no dj-root`);
  return html.slice(region.start, region.end);
}

interface Scenario {
  name: string;
  template: string;
  /** Context of event `i` (events alternate between states; `i = 0` is the mounted state). */
  context(i: number): object;
  /** Only events where this holds are measured (e.g. the insert, not the remove back). */
  measured(i: number): boolean;
}

const STATUSES = ['new', 'paid', 'shipped', 'returned'];
const orders = Array.from({ length: 172 }, (_, i) => ({
  id: 1000 + i,
  customer: `Customer ${String.fromCharCode(65 + (i % 26))}. ${['Smith', 'Jones', 'Brown', 'Garcia'][i % 4]}`,
  status: STATUSES[i % 4],
  total: `$${(i * 37.5 + 12).toFixed(2)}`,
}));
const todos = Array.from({ length: 200 }, (_, i) => ({ id: `t${i}`, title: `Task number ${i}: water the plants & <feed> the cat`, done: i % 3 === 0 }));
const inserted = { id: 'new', title: 'A new task', done: false };
const withInsert = [...todos.slice(0, 100), inserted, ...todos.slice(100)];
const moved = [...todos.slice(0, 10), ...todos.slice(11, 150), todos[10] as (typeof todos)[number], ...todos.slice(150)];

const SCENARIOS: Scenario[] = [
  { name: '20 KB region, one value changes', template: 'dashboard.njk', context: (i) => ({ title: 'Orders', unread: i, orders }), measured: (i) => i > 0 },
  { name: '200-row keyed list, one row inserted', template: 'list.njk', context: (i) => ({ title: 'Todos', todos: i % 2 ? withInsert : todos }), measured: (i) => i % 2 === 1 },
  { name: '200-row keyed list, one row moved', template: 'list.njk', context: (i) => ({ title: 'Todos', todos: i % 2 ? moved : todos }), measured: (i) => i % 2 === 1 },
];

interface Result {
  scenario: string;
  regionBytes: number;
  /** Baseline: bytes of {"type":"patch","ref":1,"html":…} and µs per event of the render alone. */
  replaceBytes: number;
  renderUs: number;
  /** Diff: bytes of {"type":"patch","ref":1,"ops":…}, µs per event of render + diff and of the diff alone. */
  patchBytes: number;
  patchPercentOfRegion: number;
  renderDiffUs: number;
  diffUs: number;
  /** The same diff if every render were parsed whole (no incremental re-parse): µs per event. */
  fullParseDiffUs: number;
  ops: number;
}

const message = (patch: RegionPatch | null) => JSON.stringify({ type: 'patch', ref: 1, ...patch });

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

function run(scenario: Scenario, events: number): Result {
  const { template, context, measured } = scenario;
  // baseline: render only
  const renderTimes: number[] = [];
  let replaceBytes = 0;
  let regionBytes = 0;
  for (let i = 0; i < events; i++) {
    const t0 = process.hrtime.bigint();
    const html = renderRegion(template, context(i));
    const t1 = process.hrtime.bigint();
    if (!measured(i)) continue;
    renderTimes.push(Number(t1 - t0) / 1000);
    regionBytes = html.length;
    replaceBytes = message({ html }).length;
  }
  // diff: render + RegionState.update, as the dispatcher runs them
  const region = new RegionState(renderRegion(template, context(0)));
  const totalTimes: number[] = [];
  const diffTimes: number[] = [];
  let patchBytes = 0;
  let ops = 0;
  for (let i = 1; i <= events; i++) {
    const t0 = process.hrtime.bigint();
    const html = renderRegion(template, context(i));
    const t1 = process.hrtime.bigint();
    const patch = region.update(html);
    const t2 = process.hrtime.bigint();
    if (!measured(i)) continue;
    totalTimes.push(Number(t2 - t0) / 1000);
    diffTimes.push(Number(t2 - t1) / 1000);
    patchBytes = message(patch).length;
    ops = patch && 'ops' in patch ? patch.ops.length : 0;
  }
  // reference: parse every render whole, then diff
  const fullTimes: number[] = [];
  let prev = parseRegion(renderRegion(template, context(0)));
  for (let i = 1; i <= events; i++) {
    const html = renderRegion(template, context(i));
    const t0 = process.hrtime.bigint();
    const tree = parseRegion(html);
    diffTrees(prev, tree, html.length);
    const t1 = process.hrtime.bigint();
    prev = tree;
    if (measured(i)) fullTimes.push(Number(t1 - t0) / 1000);
  }
  const round = (n: number) => Math.round(n * 10) / 10;
  return {
    scenario: scenario.name,
    regionBytes,
    replaceBytes,
    renderUs: round(median(renderTimes)),
    patchBytes,
    patchPercentOfRegion: round((patchBytes / regionBytes) * 100),
    renderDiffUs: round(median(totalTimes)),
    diffUs: round(median(diffTimes)),
    fullParseDiffUs: round(median(fullTimes)),
    ops,
  };
}

function main(): void {
  const flag = process.argv.indexOf('--events');
  const events = flag > 0 ? Number(process.argv[flag + 1]) : 2000;
  for (const scenario of SCENARIOS) run(scenario, 200); // warm up the JIT
  const results = SCENARIOS.map((scenario) => run(scenario, events));
  const header = ['scenario', 'region B', 'replace B', 'render µs', 'patch B', 'patch/region', 'render+diff µs', 'diff µs', 'diff µs (full parse)', 'ops'];
  const rows = results.map((r) =>
    [r.scenario, r.regionBytes, r.replaceBytes, r.renderUs, r.patchBytes, `${r.patchPercentOfRegion}%`, r.renderDiffUs, r.diffUs, r.fullParseDiffUs, r.ops].map(String),
  );
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] as string).length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join(' | ');
  console.log(`diff vs replace, median per event over ${events} events (Node ${process.version})`);
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
  for (const row of rows) console.log(line(row));
  console.log(JSON.stringify({ events, node: process.version, results }, null, 2));
}

main();
