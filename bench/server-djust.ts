/**
 * djust-lite under test: the counter view of the benchmark on Express 5, in its own process
 * (forked by spawn.ts). Serves `/counter` and the list pages `/list500`, `/list5000` (and `/list-stream…`, `/list-components…`); the live endpoints are djust-lite's own
 * (`/djust/ws`, and `/djust/sse/:session` once that transport exists).
 */
import path from 'node:path';
import express from 'express';
import { djustLite } from '../lib';
import { CounterView } from './counter-view';
import { LIST_ROWS, listView } from './list-view';
import { componentListView, streamListView } from './list-variants';
import { listenForParent } from './server-child';

const live = djustLite({
  views: process.env.BENCH_VIEWS ?? path.join(__dirname, '..', '..', '..', 'views'),
  secret: 'bench-secret-bench-secret-bench-secret-0123456789',
  // Limits raised so the harness measures the server, not its abuse guards: a closed-loop
  // single connection sends thousands of events per second, and the idle scenario holds up
  // to 10k connections (SSE: all from 127.0.0.1).
  maxEventsPerSecond: 1_000_000,
  maxConnections: 100_000,
  maxConnectionsPerClient: 100_000,
  logger: { warn: (m) => console.warn(m), error: (m, e) => console.error(m, e) },
});
live.route('/counter', CounterView);
// the list page (bench/list-run.ts): /list500, /list5000
// and the same page built with a stream and with a component per row (bench/list-variants.ts)
for (const rows of LIST_ROWS) {
  live.route(`/list${rows}`, listView(rows));
  live.route(`/list-stream${rows}`, streamListView(rows));
  live.route(`/list-components${rows}`, componentListView(rows));
}

const app = express();
app.use(live);
listenForParent(app, live);
