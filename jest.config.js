/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.tsx?$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  testMatch: ['<rootDir>/__tests__/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '/bench/'],
  // Client modules are plain ES modules; let ts-jest/babel turn them into CommonJS for jsdom tests.
  transformIgnorePatterns: ['/node_modules/'],
  testTimeout: 20000,
};
