/**
 * `npm test` runs both projects: `unit` (jest workers) and `e2e` (headless Chromium, one
 * file at a time). `npx jest --selectProjects unit` or `npm run test:e2e` runs one of them.
 */

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
      testMatch: ['<rootDir>/__tests__/**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', '/dist/', '/bench/', '<rootDir>/__tests__/e2e/'],
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
