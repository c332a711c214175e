#!/usr/bin/env node
// `npm test`'s setup step (pretest), also run by .ci/run: makes sure the system programs the
// suites drive are installed — Chromium (end-to-end), nginx (reverse-proxy tests) and
// redis-server (several-process tests). As root with apt-get it installs what is missing, as
// `playwright install --with-deps` does; otherwise it stops with the exact command to run.
// CHROMIUM_PATH points the e2e suite at another Chromium build.
'use strict';
const { execFileSync, spawnSync } = require('node:child_process');
const { existsSync } = require('node:fs');

/** Debian package → the program the tests run. */
const NEEDED = [
  { pkg: 'chromium', bin: process.env.CHROMIUM_PATH || 'chromium', paths: ['/usr/bin/chromium'] },
  { pkg: 'nginx', bin: 'nginx', paths: ['/usr/sbin/nginx'] },
  { pkg: 'redis-server', bin: 'redis-server', paths: ['/usr/bin/redis-server'] },
];

function installed({ bin, paths }) {
  if (bin.includes('/')) return existsSync(bin);
  if (paths.some((p) => existsSync(p))) return true;
  return spawnSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' }).status === 0;
}

const missing = NEEDED.filter((need) => !installed(need)).map((need) => need.pkg);
if (missing.length === 0) process.exit(0);

const command = `apt-get update && apt-get install -y ${missing.join(' ')}`;
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const hasApt = spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0;
if (!isRoot || !hasApt) {
  console.error(`The test suites need ${missing.join(', ')} (Debian packages). Install them, then run npm test again:\n  sudo ${command}`);
  process.exit(1);
}
console.error(`[test-setup] installing ${missing.join(', ')} with apt-get`);
try {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: ['ignore', 'ignore', 'inherit'], env });
  execFileSync('apt-get', ['install', '-y', '-qq', ...missing], { stdio: ['ignore', 'ignore', 'inherit'], env });
} catch (err) {
  console.error(`[test-setup] apt-get failed (${err.message}); install them by hand:\n  ${command}`);
  process.exit(1);
}
const still = NEEDED.filter((need) => missing.includes(need.pkg) && !installed(need)).map((need) => need.pkg);
if (still.length > 0) {
  console.error(`[test-setup] still missing after apt-get: ${still.join(', ')}; run:\n  ${command}`);
  process.exit(1);
}
