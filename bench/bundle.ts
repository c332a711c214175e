/**
 * Client bundle size, raw and gzip: djust-lite's browser modules (every public/*.js, as
 * served) and LiveViewJS's client if one of its packages ships it in node_modules.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

export interface BundleSize {
  files: string[];
  raw: number;
  /** Sum of each file gzipped on its own at level 9 (what a precompressing server sends per module). */
  gzip: number;
  /** All files concatenated, then gzipped at level 9 (what one bundle would cost). */
  gzipConcat: number;
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

/** Every `*.js` in `public/` (the modules djust-lite serves under its prefix). */
export function djustBundle(root: string): BundleResult {
  const dir = path.join(root, 'public');
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.js')).sort().map((f) => path.join(dir, f)) : [];
  if (files.length === 0) return { ok: false, reason: 'no public/*.js yet' };
  return { ok: true, size: measure(files, root) };
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
