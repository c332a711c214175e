/**
 * Client bundle size, raw and gzip: djust-lite's minified bundle (public/build/djust.min.js,
 * the one file pages load), with the source modules (public/*.js) as a secondary line, and
 * LiveViewJS's client if one of its packages ships it in node_modules.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

export interface BundleSize {
  files: string[];
  raw: number;
  /** The file gzipped at level 9 (several files: each on its own, summed). */
  gzip: number;
  /** All files concatenated, then gzipped at level 9 (equals gzip for one file). */
  gzipConcat: number;
  /** djust-lite only: the unminified source modules (public/*.js) the bundle is built from. */
  sources?: BundleSize;
}

export type BundleResult = { ok: true; size: BundleSize } | { ok: false; reason: string };

function measure(files: string[], root: string): BundleSize {
  const bodies = files.map((file) => readFileSync(file));
  const gz = (b: Buffer): number => gzipSync(b, { level: 9 }).length;
  return {
    files: files.map((file) => path.relative(root, file)),
    raw: bodies.reduce((n, b) => n + b.length, 0),
    gzip: bodies.reduce((n, b) => n + gz(b), 0),
    gzipConcat: gz(Buffer.concat(bodies)),
  };
}

/** What pages load: public/build/djust.min.js (`npm run build:client`); sources: every public/*.js. */
export function djustBundle(root: string): BundleResult {
  const built = path.join(root, 'public', 'build', 'djust.min.js');
  if (!existsSync(built)) return { ok: false, reason: 'no public/build/djust.min.js (npm run build:client)' };
  const dir = path.join(root, 'public');
  const sources = readdirSync(dir).filter((f) => f.endsWith('.js')).sort().map((f) => path.join(dir, f));
  const size = measure([built], root);
  if (sources.length > 0) size.sources = measure(sources, root);
  return { ok: true, size };
}

/** Places a LiveViewJS browser client could be in bench/liveviewjs/node_modules. */
const LVJS_CLIENT_CANDIDATES = [
  '@liveviewjs/client/dist/liveview-client.js',
  '@liveviewjs/client/dist/index.js',
  'liveviewjs/dist/client/liveview.js',
  'phoenix_live_view/priv/static/phoenix_live_view.min.js',
];

export function lvjsBundle(root: string): BundleResult {
  const modules = path.join(root, 'bench', 'liveviewjs', 'node_modules');
  if (!existsSync(modules)) return { ok: false, reason: 'bench/liveviewjs not installed' };
  const found = LVJS_CLIENT_CANDIDATES.map((c) => path.join(modules, c)).filter((f) => existsSync(f));
  if (found.length === 0) return { ok: false, reason: 'no client bundle in node_modules (liveviewjs/@liveviewjs/express 0.8.1 ship server code only)' };
  return { ok: true, size: measure(found.slice(0, 1), root) };
}
