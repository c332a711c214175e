'use strict';
/**
 * LiveViewJS under test (liveviewjs + @liveviewjs/express 0.8.x on Express 4, from this
 * folder's own node_modules): the same counter as bench/server-djust.ts, set up the way the
 * @liveviewjs/express README does it (express-session, NodeExpressLiveViewServer,
 * a ws server on /live/websocket feeding wsMiddleware). Forked by bench/spawn.ts; speaks the
 * same IPC as bench/server-child.ts (ready / mem / cpu / heap / exit).
 */
const http = require('node:http');

// liveviewjs fetches mime-db from a CDN when it is loaded (used only for uploads). The bench
// stays on 127.0.0.1: answer that fetch with an empty database and refuse any other
// non-loopback fetch, before liveviewjs is required.
const realFetch = globalThis.fetch;
globalThis.fetch = async (input, init) => {
  const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
  if (url.hostname === '127.0.0.1' || url.hostname === 'localhost') return realFetch(input, init);
  if (url.pathname.includes('mime-db')) return new Response('{}', { headers: { 'content-type': 'application/json' } });
  throw new Error(`bench: refused a fetch to ${url.origin} (the benchmark stays on 127.0.0.1)`);
};

const express = require('express');
const session = require('express-session');
const { WebSocketServer } = require('ws');
const { NodeExpressLiveViewServer } = require('@liveviewjs/express');
const { createLiveView, html, live_title_tag, safe } = require('liveviewjs');

const SECRET = 'bench-secret-bench-secret-bench-secret-0123456789';

/** inc: count and title; retitle: title only; bump: count only (same as the djust-lite view). */
const counter = createLiveView({
  mount: (socket) => {
    socket.assign({ count: 0, label: 'clicks', titles: 0 });
    socket.pageTitle('Counter 0');
  },
  handleEvent: (event, socket) => {
    const { count, titles } = socket.context;
    switch (event.type) {
      case 'inc':
        socket.assign({ count: count + 1 });
        socket.pageTitle(`Counter ${count + 1}`);
        break;
      case 'retitle':
        socket.assign({ titles: titles + 1 });
        socket.pageTitle(`Counter ${count} (${titles + 1})`);
        break;
      case 'bump':
        socket.assign({ count: count + 1 });
        break;
    }
  },
  render: (context) => html`<main><p id="count">${context.count}</p><p>${context.label}</p></main>`,
});

const pageRenderer = (pageTitleDefaults, csrfToken, liveViewContent) => html`<!doctype html>
<html>
<head>
<meta charset="utf-8">
<meta name="csrf-token" content="${csrfToken}">
${live_title_tag(pageTitleDefaults.title, { prefix: pageTitleDefaults.prefix, suffix: pageTitleDefaults.suffix })}
<script defer type="text/javascript" src="/client-liveview.js"></script>
</head>
<body>
<h1>Counter</h1>
${safe(liveViewContent)}
</body>
</html>`;

const { listView, LIST_ROWS } = require('./list-view');
const routes = { '/counter': counter };
for (const rows of LIST_ROWS) routes[`/list${rows}`] = listView(rows); // the list page (bench/list-run.ts)

const lvServer = new NodeExpressLiveViewServer(routes, pageRenderer, { title: 'Counter' }, {
  serDeSigningSecret: SECRET,
  onError: (err) => console.error('liveviewjs error', err),
});

const app = express();
app.use(session({ secret: SECRET, resave: false, saveUninitialized: true }));
app.use(lvServer.httpMiddleware());

const server = http.createServer(app);
const wss = new WebSocketServer({ server, path: '/live/websocket' });
lvServer.wsMiddleware()(wss);

// ---- IPC with the harness (same messages as bench/server-child.ts) ----------------------
const tick = () => new Promise((resolve) => setImmediate(resolve));
/** As bench/server-child.ts: the young generation filled to its largest, then full GC twice. */
function fillYoungGeneration() {
  // A ring of 20k objects kept alive a little while: scavenges see survivors and grow the young
  // generation to its limit, and few objects live long enough to be promoted (~0.4 s).
  const ring = new Array(20_000);
  for (let i = 0; i < 1_500_000; i += 1) ring[i % 20_000] = { a: i, b: [i] };
  return ring.length;
}
async function collect(fill = true) {
  if (typeof global.gc !== 'function') return false;
  if (fill) fillYoungGeneration(); // fill: false is a plain full GC (bench/indep.ts reads both)
  global.gc();
  await tick();
  global.gc();
  await new Promise((resolve) => setTimeout(resolve, 300)); // pages given back on a helper thread
  return true;
}
let exiting = false;
function exit() {
  if (exiting) return;
  exiting = true;
  setTimeout(() => process.exit(0), 3000).unref();
  for (const ws of wss.clients) ws.terminate();
  wss.close();
  server.closeAllConnections();
  server.close(() => process.exit(0));
}
process.on('message', (message) => {
  if (message.type === 'mem') {
    collect(message.fill !== false).then((gc) => {
      const m = process.memoryUsage();
      const stats = require('node:v8').getHeapSpaceStatistics();
      const spaces = Object.fromEntries(stats.map((x) => [x.space_name, x.space_size]));
      const spacesUsed = Object.fromEntries(stats.map((x) => [x.space_name, x.space_used_size]));
      const spacesPhysical = Object.fromEntries(stats.map((x) => [x.space_name, x.physical_space_size]));
      process.send({ type: 'mem', id: message.id, rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers, gc, spaces, spacesUsed, spacesPhysical });
    });
  } else if (message.type === 'heap') {
    collect().then(() => process.send({ type: 'heap', id: message.id, file: require('node:v8').writeHeapSnapshot(message.file) }));
  } else if (message.type === 'cpu') {
    const c = process.cpuUsage();
    process.send({ type: 'cpu', id: message.id, user: c.user, system: c.system });
  } else if (message.type === 'exit') {
    exit();
  }
});
process.on('disconnect', exit);
process.on('SIGTERM', exit);
server.listen(0, '127.0.0.1', () => process.send({ type: 'ready', port: server.address().port }));
