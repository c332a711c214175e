import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const REPO = path.resolve(__dirname, '..', '..');

/** What the package holds besides dist/ (package.json `files`), copied as they are. */
const SHIPPED = ['public', 'views', 'docs', 'README.md', 'LICENSE'];

/** Every file the package is made of: a change to any of them means a new build. */
function buildInputs(): string[] {
  const out: string[] = [path.join(REPO, 'package.json'), path.join(REPO, 'tsconfig.json'), path.join(REPO, 'tsconfig.build.json')];
  const walk = (entry: string): void => {
    if (!fs.existsSync(entry)) return; // a `files` entry this checkout does not have (yet)
    if (fs.statSync(entry).isDirectory()) for (const name of fs.readdirSync(entry)) walk(path.join(entry, name));
    else out.push(entry);
  };
  for (const name of ['lib', ...SHIPPED]) walk(path.join(REPO, name));
  return out.sort();
}

/**
 * The package as a user's project sees it, without touching the repository's own `dist/`: a
 * folder in the temp dir holding `package.json`, `dist/` built from `lib/` now, copies of
 * `public/`, `views/`, `docs/` and the README — what `npm pack` takes — and a link to
 * `node_modules/` (the package's dependencies; never packed). Built once per content of those
 * files (test files share it: built aside, then renamed into place).
 *
 * @example
 * const pkg = builtPackage();   // /tmp/djust-lite-pkg-1a2b3c4d5e6f
 * require(path.join(pkg, 'dist/index.js'));
 */
export function builtPackage(): string {
  const hash = createHash('sha256');
  for (const file of buildInputs()) hash.update(file).update(fs.readFileSync(file));
  const dir = path.join(os.tmpdir(), `djust-lite-pkg-${hash.digest('hex').slice(0, 12)}`);
  if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
  const staging = fs.mkdtempSync(`${dir}-staging-`);
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(REPO, 'tsconfig.build.json'), '--outDir', path.join(staging, 'dist')], { stdio: 'pipe' });
  for (const name of SHIPPED.filter((n) => fs.existsSync(path.join(REPO, n)))) fs.cpSync(path.join(REPO, name), path.join(staging, name), { recursive: true });
  fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(staging, 'node_modules'));
  fs.copyFileSync(path.join(REPO, 'package.json'), path.join(staging, 'package.json'));
  try {
    fs.renameSync(staging, dir);
  } catch (err) {
    // Another test file built it meanwhile: use theirs.
    fs.rmSync(staging, { recursive: true, force: true });
    if (!fs.existsSync(path.join(dir, 'package.json'))) throw err;
  }
  return dir;
}

/**
 * A fresh temp project whose `node_modules/djust-lite` is `pkg`; every other package resolves
 * through a `node_modules` link one level up to the repository's (express, @types/…).
 */
export function consumerProject(pkg: string, files: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'djust-lite-user-'));
  fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(root, 'node_modules'));
  const dir = path.join(root, 'app');
  fs.mkdirSync(path.join(dir, 'node_modules'), { recursive: true });
  fs.symlinkSync(pkg, path.join(dir, 'node_modules', 'djust-lite'));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

/** Removes a consumerProject (its parent temp folder). */
export function removeProject(dir: string | undefined): void {
  if (dir !== undefined) fs.rmSync(path.dirname(dir), { recursive: true, force: true });
}

/**
 * `npm pack` of builtPackage() into `dest` (scripts off: dist/ is built already): the tarball's
 * path and the files it holds.
 */
export function packBuiltPackage(dest: string): { tarball: string; files: string[] } {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const stdout = execFileSync(npm, ['pack', '--json', '--ignore-scripts', '--pack-destination', dest], { cwd: builtPackage(), maxBuffer: 16 * 1024 * 1024, encoding: 'utf8' });
  const report = JSON.parse(stdout.slice(stdout.indexOf('['))) as Array<{ filename: string; files: Array<{ path: string }> }>;
  return { tarball: path.join(dest, report[0]?.filename ?? ''), files: report[0]?.files.map((f) => f.path) ?? [] };
}
