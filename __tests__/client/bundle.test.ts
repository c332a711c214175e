import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

// CommonJS build script (also run as `npm run build:client`).
const { buildClient, OUT } = require('../../scripts/build-client.js') as { buildClient(): Promise<string>; OUT: string };

describe('client bundle', () => {
  it('is up to date with public/*.js (run `npm run build:client` after changing the client)', async () => {
    expect(readFileSync(OUT, 'utf8')).toBe(await buildClient());
  });

  it('stays within 9 KB gzip', () => {
    const gzip = gzipSync(readFileSync(OUT), { level: 9 }).length;
    expect(gzip).toBeLessThanOrEqual(9 * 1024);
  });
});
