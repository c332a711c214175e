import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { builtPackage, REPO } from '../helpers/built-package';
import { readmeQuickStarts } from '../helpers/readme-quick-start';

/**
 * The package as a user gets it (STYLE 15: measure from the packed tarball): `npm pack` of the
 * package as built from this checkout (helpers/built-package.ts: dist/ built aside, shared with
 * the other package tests — packing the repository itself would build it again through its
 * prepare script), then a fresh project installs the tarball with Express 5, then Express 4, and
 * runs the README's smallest example as TypeScript (tsc) and its plain-JavaScript twin as
 * CommonJS and as an ES module, each driven by liveTest. npm takes what it can from its cache
 * and fetches the rest from the registry.
 */

const run = promisify(execFile);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const TSC = path.join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');

const { typescript: readmeTs, javascript: readmeJs } = readmeQuickStarts();

/** A README quick-start server (it listens on PORT: the check runs it with PORT=0), exporting what the check drives. */
function exporting(source: string | undefined): string {
  if (!source?.includes('app.listen(port)')) throw new Error('README: the quick start no longer listens with app.listen(port); update this test');
  return `${source}\nexport { app, live };\n`;
}

/** The README's plain-JavaScript server as CommonJS: its imports as require() calls. */
function cjsServer(): string {
  const swaps: [string, string][] = [
    ["import express from 'express';", "const express = require('express');"],
    ["import { djustLite, LiveView } from 'djust-lite';", "const { djustLite, LiveView } = require('djust-lite');"],
    ['export { app, live };', 'module.exports = { app, live };'],
  ];
  let source = exporting(readmeJs.files['server.mjs']);
  for (const [from, to] of swaps) {
    if (!source.includes(from)) throw new Error(`README: the plain-JavaScript quick start no longer has "${from}"; update this test`);
    source = source.replace(from, to);
  }
  return source;
}

/** Loads a server module (CJS, ESM or tsc output) and drives /inbox with liveTest; prints what it saw. */
const CHECK = `import { pathToFileURL } from 'node:url';
import { liveTest } from 'djust-lite/testing';
import expressPackage from 'express/package.json' with { type: 'json' };

const mod = await import(pathToFileURL(process.argv[2]).href);
const { app, live } = mod.app ? mod : mod.default;
const view = await liveTest(app, '/inbox', { transport: process.argv[3] });
const before = view.title;
await view.event('receive');
console.log(JSON.stringify({ express: expressPackage.version.split('.')[0], before, after: view.title, html: view.html().includes('1 unread') }));
await view.close();
await live.close();
process.exit(0);
`;

describe('The packed package', () => {
  let tmp: string;
  let tarball: string;
  let files: string[];
  let project: string;

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'djust-lite-pack-'));
    const { stdout } = await run(npm, ['pack', '--json', '--ignore-scripts', '--pack-destination', tmp], { cwd: builtPackage(), maxBuffer: 16 * 1024 * 1024 });
    const report = JSON.parse(stdout.slice(stdout.indexOf('['))) as Array<{ filename: string; files: Array<{ path: string }> }>;
    tarball = path.join(tmp, report[0]?.filename ?? '');
    files = report[0]?.files.map((f) => f.path) ?? [];
    project = path.join(tmp, 'app');
    fs.mkdirSync(path.join(project, 'views'), { recursive: true });
    fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'fresh-app', version: '1.0.0', private: true }));
    fs.writeFileSync(path.join(project, 'views', 'inbox.njk'), readmeTs.files['views/inbox.njk'] ?? '');
    fs.writeFileSync(path.join(project, 'server.ts'), exporting(readmeTs.files['server.ts']));
    fs.writeFileSync(path.join(project, 'server.cjs'), cjsServer());
    fs.writeFileSync(path.join(project, 'server.mjs'), exporting(readmeJs.files['server.mjs']));
    fs.writeFileSync(path.join(project, 'check.mjs'), CHECK);
    fs.writeFileSync(path.join(project, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'commonjs', strict: true, esModuleInterop: true, skipLibCheck: false, types: ['node'], outDir: 'build' },
      files: ['server.ts'],
    }));
  }, 180_000);

  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('builds dist/ when packed or installed from git (prepare), from a clean dist/ with a current client bundle (prepack)', () => {
    const { scripts } = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(scripts.prepare).toBe('npm run build');
    expect(scripts.prepack).toContain("rmSync('dist'");
    expect(scripts.prepack).toContain('scripts/build-client.js --check');
  });

  it('holds dist/ with declarations, the client bundle, docs, and no tests or sources', () => {
    for (const file of ['dist/index.js', 'dist/index.d.ts', 'dist/testing/index.js', 'dist/testing/index.d.ts', 'public/build/djust.min.js', 'public/build/djust-js.min.js', 'public/build/djust-up.min.js', 'public/build/djust-sse.min.js', 'README.md', 'LICENSE', 'package.json']) {
      expect(files).toContain(file);
    }
    expect(files.filter((f) => /^(lib|__tests__|demo|bench)\//.test(f))).toEqual([]);
  });

  it('ships a LICENSE that matches package.json, and no placeholder URLs', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as Record<string, unknown>;
    const license = fs.readFileSync(path.join(REPO, 'LICENSE'), 'utf8');
    expect(pkg.license).toBe('MIT');
    expect(license.split('\n').slice(0, 3)).toEqual(['MIT License', '', 'Copyright (c) 2026 the djust-lite authors']);
    // No repository is published yet: a URL there would point nowhere.
    expect([pkg.homepage, pkg.repository, pkg.bugs]).toEqual([undefined, undefined, undefined]);
  });

  it('resolves every relative link of README.md and docs/ to a file in the tarball', () => {
    const broken: string[] = [];
    for (const doc of files.filter((f) => f === 'README.md' || /^docs\/.+\.md$/.test(f))) {
      const text = fs.readFileSync(path.join(REPO, doc), 'utf8').replace(/^```[\s\S]*?^```$/gm, '').replace(/`[^`\n]*`/g, '');
      for (const [, target = ''] of text.matchAll(/\]\(\s*<?([^)\s>]+)>?[^)]*\)/g)) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('#') || target.startsWith('//')) continue;
        const file = path.posix.normalize(path.posix.join(path.posix.dirname(doc), decodeURIComponent(target.split('#')[0] ?? '')));
        if (!files.includes(file)) broken.push(`${doc}: ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });

  for (const major of ['5', '4']) {
    it(`installs with Express ${major} and runs the smallest example in TypeScript, CommonJS and ESM, each with liveTest`, async () => {
      await run(npm, ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', tarball, `express@${major}`, `@types/express@${major}`, '@types/node@20'], {
        cwd: project, timeout: 150_000, maxBuffer: 16 * 1024 * 1024,
      });
      await run(process.execPath, [TSC, '-p', 'tsconfig.json'], { cwd: project });
      const seen = [];
      for (const [server, transport] of [['build/server.js', 'sse'], ['server.cjs', 'websocket'], ['server.mjs', 'sse']] as const) {
        const { stdout } = await run(process.execPath, ['check.mjs', server, transport], { cwd: project, timeout: 30_000, env: { ...process.env, NODE_ENV: 'development', PORT: '0' } });
        seen.push(JSON.parse(stdout.split('\n').filter((line) => line.startsWith('{')).join('')));
      }
      const expected = { express: major, before: 'Inbox', after: 'Inbox (1)', html: true };
      expect(seen).toEqual([expected, expected, expected]);
    }, 180_000);
  }
});
