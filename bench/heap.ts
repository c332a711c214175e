/**
 * What an idle live connection holds on the server, by kind: `npm run bench -- --heap [system]`
 * starts the server (djust-lite ws by default; also public, sse, floor, liveviewjs), opens 20
 * connections and closes them (warm-up), takes a heap snapshot after a full GC, opens
 * BENCH_HEAP_CONNS (1000) idle mounted connections (each loads its own page;
 * BENCH_IDLE_PAGES=shared: one page load for all), takes another, and
 * prints what grew, per connection, grouped by constructor name (objects) or node type with
 * name (closures: the function's name; strings, arrays, code, native). Snapshots are written
 * to bench/results/heap/; the table to bench/results/heap-<system>-latest.json.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { SystemClient } from './client';
import { openClients } from './scenarios';
import { ServerProcess } from './spawn';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

export interface Kind {
  kind: string;
  /** Objects of this kind added per connection. */
  count: number;
  /** Their shallow (self) size per connection, bytes. */
  bytes: number;
}

/** Shallow size and count of every kind of node in a snapshot. */
export function kindsOf(file: string): Map<string, { count: number; bytes: number }> {
  const data = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const fields = data.snapshot.meta.node_fields;
  const types = data.snapshot.meta.node_types[0];
  const width = fields.length;
  const [fType, fName, fSize] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f)) as [number, number, number];
  const out = new Map<string, { count: number; bytes: number }>();
  const { nodes, strings } = data;
  for (let i = 0; i < nodes.length; i += width) {
    const type = types[nodes[i + fType] as number] ?? '?';
    const name = strings[nodes[i + fName] as number] ?? '';
    // Objects by constructor; closures by function name; strings, arrays, code, numbers by type.
    const kind = type === 'object' || type === 'native' ? name.split(' ')[0] || type
      : type === 'closure' ? `(closure ${name || 'anonymous'})`
      : type === 'hidden' || type === 'object shape' ? `(${type}: ${name.split(' ')[0] ?? ''})`
      : `(${type})`;
    const entry = out.get(kind) ?? { count: 0, bytes: 0 };
    entry.count += 1;
    entry.bytes += nodes[i + fSize] as number;
    out.set(kind, entry);
  }
  return out;
}

/** What grew from `before` to `after`, per connection, largest first. */
export function growth(before: Map<string, { count: number; bytes: number }>, after: Map<string, { count: number; bytes: number }>, connections: number): Kind[] {
  const kinds: Kind[] = [];
  for (const [kind, a] of after) {
    const b = before.get(kind) ?? { count: 0, bytes: 0 };
    kinds.push({ kind, count: (a.count - b.count) / connections, bytes: (a.bytes - b.bytes) / connections });
  }
  return kinds.sort((x, y) => y.bytes - x.bytes);
}

export interface HeapOptions {
  root: string;
  results: string;
  name: string;
  serverScript: string;
  client: SystemClient;
  env: Record<string, string>;
  connections: number;
  log: (message: string) => void;
  /** Each connection loads its own page (as `npm run bench` does by default), or they share one. */
  pages: 'own' | 'shared';
  /** Keep the snapshot files (they are large); default false. */
  keep?: boolean;
}

export async function runHeap(options: HeapOptions): Promise<Kind[]> {
  const { results, name, client, connections, log } = options;
  const dir = path.join(results, 'heap');
  mkdirSync(dir, { recursive: true });
  const server = await ServerProcess.start(`${name} (heap)`, options.serverScript, { env: options.env });
  let before: string;
  let after: string;
  try {
    const page = await client.page(server.base);
    for (const c of await openClients(client, server.base, 20, page)) c.close();
    await new Promise((resolve) => setTimeout(resolve, 300));
    before = await server.heapSnapshot(path.join(dir, `${name}-0.heapsnapshot`));
    log(`${name}: opening ${connections} idle connections`);
    const clients = await openClients(client, server.base, connections, options.pages === 'own' ? undefined : page, 100);
    try {
      await new Promise((resolve) => setTimeout(resolve, 500));
      after = await server.heapSnapshot(path.join(dir, `${name}-${connections}.heapsnapshot`));
    } finally {
      for (const c of clients) c.close();
    }
  } finally {
    await server.stop();
  }
  const kinds = growth(kindsOf(before), kindsOf(after), connections);
  if (!options.keep) {
    rmSync(before, { force: true });
    rmSync(after, { force: true });
  }
  // Compiled code grows with whatever ran (the page render, the upgrade path), not per connection.
  const total = kinds.reduce((n, k) => (k.kind === '(code)' ? n : n + k.bytes), 0);
  const top = kinds.filter((k) => k.bytes >= 8).slice(0, 30);
  const lines = [
    '',
    `${name}: JS heap per idle connection (shallow sizes, after GC, ${connections} connections): ${total.toFixed(0)} bytes (compiled code left out)`,
    '',
    ' bytes/conn  objects/conn  kind',
    ...top.map((k) => `${k.bytes.toFixed(0).padStart(11)}  ${k.count.toFixed(2).padStart(12)}  ${k.kind}`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  writeFileSync(path.join(results, `heap-${name}-latest.json`), JSON.stringify({ date: new Date().toISOString(), connections, totalBytesPerConn: total, kinds: kinds.filter((k) => Math.abs(k.bytes) >= 1) }, null, 2));
  return kinds;
}
