/**
 * `npm test` runs four projects: `unit` (jest workers), `unit-express4` (the server-side tests
 * again, on Express 4), `package` (the built package as users get it: types under every common
 * tsconfig, plain JavaScript, the packed tarball installed with Express 4 and 5; ~1 min) and
 * `e2e` (headless Chromium, one file at a time).
 * `npx jest --selectProjects unit` or `npm run test:e2e` runs one of them.
 */
const fs = require('node:fs');
const path = require('node:path');

/**
 * The server-side tests: those that build a djust-lite app or an Express app. jsdom tests (the
 * browser client) and pure unit tests (diff, protocol, token…) never reach Express, so running
 * them twice would only cost time.
 */
function serverSideTests() {
  const root = path.join(__dirname, '__tests__');
  const skip = new Set(['e2e', 'types', 'package', 'helpers', 'fixtures']);
  const files = (dir) => fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? (skip.has(entry.name) ? [] : files(path.join(dir, entry.name))) : [path.join(dir, entry.name)]);
  return files(root)
    .filter((file) => file.endsWith('.test.ts'))
    .filter((file) => {
      const source = fs.readFileSync(file, 'utf8');
      return !source.includes('@jest-environment jsdom') && /djustLite|from 'express'|helpers\/server|demo\/app|liveTest/.test(source);
    })
    .map((file) => `<rootDir>/${path.relative(__dirname, file).split(path.sep).join('/')}`);
}

/** Settings both projects share. */
const shared = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.tsx?$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
    // The browser client is plain ES modules; ts-jest turns them into CommonJS for jsdom tests.
    '^.+/public/.+\\.js$': ['ts-jest', { tsconfig: { allowJs: true, module: 'commonjs', target: 'ES2022', esModuleInterop: true } }],
  },
  transformIgnorePatterns: ['/node_modules/'],
};

/** @type {import('jest').Config} */
module.exports = {
  testTimeout: 20000,
  projects: [
    {
      ...shared,
      displayName: 'unit',
      globals: { EXPRESS_MAJOR: 5 },
      testMatch: ['<rootDir>/__tests__/**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', '/dist/', '/bench/', '<rootDir>/__tests__/e2e/', '<rootDir>/__tests__/types/', '<rootDir>/__tests__/package/'],
    },
    {
      ...shared,
      // Express 4.21+ is supported as well as 5: the same tests with `express` resolved to the
      // `express4` devDependency (an npm alias of express@4) — in tests and in lib/ alike.
      displayName: 'unit-express4',
      testMatch: serverSideTests(),
      moduleNameMapper: { '^express$': 'express4' },
      globals: { EXPRESS_MAJOR: 4 },
    },
    {
      ...shared,
      displayName: 'package',
      testMatch: ['<rootDir>/__tests__/types/**/*.test.ts', '<rootDir>/__tests__/package/**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', '/dist/'],
    },
    {
      ...shared,
      displayName: 'e2e',
      testMatch: ['<rootDir>/__tests__/e2e/**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', '/dist/', '/bench/'],
      // Finds Chromium (CHROMIUM_PATH or /usr/bin/chromium) or fails with the install command.
      globalSetup: '<rootDir>/__tests__/e2e/support/global-setup.ts',
      // One e2e file at a time, so Chromium and the demo server never fight for 2 cores.
      runner: '<rootDir>/__tests__/e2e/support/serial-runner.ts',
    },
  ],
};
