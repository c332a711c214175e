'use strict';
/**
 * The benchmark's counter as an application would write it: plain CommonJS against djust-lite's
 * public API only (`djustLite`, `LiveView`, `static events` — no decorators, no TypeScript), on
 * Express (5; `BENCH_EXPRESS=4` for Express 4, the version LiveViewJS runs on). Options: only the
 * limits a load test from one address must lift — `maxEventsPerSecond` (LiveViewJS has no rate
 * limit), and the connection caps for the 10k idle step. Forked by bench/spawn.ts with
 * `BENCH_DJUST_LITE` (the built package entry) and `BENCH_BUILD` (the compiled bench) set.
 */
const path = require('node:path');
const express = require(process.env.BENCH_EXPRESS === '4' ? 'express4' : 'express');
const { djustLite, LiveView } = require(process.env.BENCH_DJUST_LITE);
const { listenForParent } = require(path.join(process.env.BENCH_BUILD, 'bench', 'server-child.js'));

class CounterView extends LiveView {
  static template = 'counter.njk';
  static events = ['inc', 'retitle', 'bump'];
  count = 0;
  label = 'clicks';
  titles = 0;

  mount() {
    this.pageTitle = 'Counter 0';
  }

  inc() {
    this.count += 1;
    this.pageTitle = `Counter ${this.count}`;
  }

  retitle() {
    this.titles += 1;
    this.pageTitle = `Counter ${this.count} (${this.titles})`;
  }

  bump() {
    this.count += 1;
  }
}

const live = djustLite({
  views: process.env.BENCH_VIEWS,
  secret: 'bench-secret-bench-secret-bench-secret-0123456789',
  maxEventsPerSecond: 1_000_000,
  maxConnections: 100_000,
  maxConnectionsPerClient: 100_000,
});
live.route('/counter', CounterView);

const app = express();
app.use(live);
listenForParent(app, live);
