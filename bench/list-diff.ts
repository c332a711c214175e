/**
 * What one click costs the server's diff on the list page, without sockets:
 *   npx ts-node --transpile-only bench/list-diff.ts [--rows 500,5000] [--events 2000] [--against DIR]
 *
 * For each size: the region of bench/views/list.njk rendered by Nunjucks (the `{% for %}` alone),
 * then per click (the same walk over the rows as the bench's view) RegionState's steps on the
 * cached tree: editText, else reparse + diffTrees + settle. Medians in µs per click, and the
 * bytes of the ops. `--against DIR`: the same with the lib/diff found in DIR (e.g. an older
 * commit's, `git show <commit>:lib/diff/…`), interleaved click by click with this one.
 */
import path from 'node:path';
import nunjucks from 'nunjucks';
import * as current from '../lib/diff';
import { listRows, rowOf } from './list-view';

type Diff = typeof current;

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
};

const REGION = new nunjucks.Template(`<table><thead><tr><th>#</th><th>name</th><th>count</th></tr></thead>
<tbody id="rows">{% for row in rows %}
<tr id="row-{{ row.id }}"><td>{{ row.id }}</td><td>{{ row.name }}</td><td>{{ row.count }}</td></tr>{% endfor %}
</tbody></table>`, new nunjucks.Environment(null, { autoescape: true }));

/** RegionState.update's steps (lib/render/region.ts) on `lib`. */
function update(lib: Diff, state: { tree: current.Tree }, next: string): number {
  const edited = lib.editText(state.tree, next, next.length);
  if (edited) return JSON.stringify(edited).length;
  const prev = state.tree;
  const tree = lib.reparse(prev, next, '');
  const ops = lib.diffTrees(prev, tree, next.length);
  lib.settle(tree);
  state.tree = tree;
  return ops ? JSON.stringify(ops).length : next.length;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

function run(rows: number, events: number, libs: [string, Diff][]): void {
  const data = listRows(rows);
  const render = (): string => REGION.render({ rows: data });
  const states = libs.map(([, lib]) => ({ tree: lib.parseRegion(render()) }));
  const times = libs.map((): number[] => []);
  const renders: number[] = [];
  const bytes = libs.map((): number[] => []);
  for (let n = 0; n < events; n++) {
    (data[rowOf(n, rows)] as { count: number }).count += 1;
    const t0 = performance.now();
    const html = render();
    renders.push((performance.now() - t0) * 1000);
    for (const [i, [, lib]] of libs.entries()) {
      const t = performance.now();
      const b = update(lib, states[i] as { tree: current.Tree }, html);
      (times[i] as number[]).push((performance.now() - t) * 1000);
      (bytes[i] as number[]).push(b);
    }
  }
  const cells = libs.map(([name], i) => `${name}: diff ${median(times[i] as number[]).toFixed(1)} µs, ops ${median(bytes[i] as number[])} B`);
  console.log(`${rows} rows, ${events} clicks: Nunjucks render ${median(renders).toFixed(0)} µs; ${cells.join('; ')}`);
}

const libs: [string, Diff][] = [['this lib/diff', current]];
const against = arg('against', '');
if (against) libs.push([`--against ${against}`, require(path.resolve(against, 'index')) as Diff]);
for (const rows of arg('rows', '500,5000').split(',').map(Number)) run(rows, Number(arg('events', '2000')), libs);
