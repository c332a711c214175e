import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

// CommonJS build script (also run as `npm run build:client`).
const { buildClient, buildJsCommands, buildUploads, buildSse, OUT, JS_OUT, UP_OUT, SSE_OUT } = require('../../scripts/build-client.js') as {
  buildClient(): Promise<string>;
  buildJsCommands(): Promise<string>;
  buildUploads(): Promise<string>;
  buildSse(): Promise<string>;
  OUT: string;
  JS_OUT: string;
  UP_OUT: string;
  SSE_OUT: string;
};

const gzipped = (file: string) => gzipSync(readFileSync(file), { level: 9 }).length;

describe('client bundle', () => {
  it('is up to date with public/*.js (run `npm run build:client` after changing the client)', async () => {
    expect(readFileSync(OUT, 'utf8')).toBe(await buildClient());
  });

  it('the JS commands module is up to date with public/js-commands.js', async () => {
    expect(readFileSync(JS_OUT, 'utf8')).toBe(await buildJsCommands());
  });

  // What every page loads; the JS commands module comes only to pages that run commands.
  it('stays under 10 KB gzip (10,000 bytes)', () => {
    expect(gzipped(OUT)).toBeLessThan(10_000);
  });

  it('keeps the SSE transport out of the bundle (it loads when a page connects over SSE), built from its source, within 2 KB gzip', async () => {
    expect(readFileSync(OUT, 'utf8')).not.toContain('POST failed');
    expect(readFileSync(SSE_OUT, 'utf8')).toBe(await buildSse());
    expect(gzipped(SSE_OUT)).toBeLessThanOrEqual(2 * 1024);
  });

  it('keeps the uploads module out of the bundle (it loads on pages with dj-upload), built from its source, within 3 KB gzip', async () => {
    expect(readFileSync(OUT, 'utf8')).not.toContain('dj:upload-progress');
    expect(readFileSync(UP_OUT, 'utf8')).toBe(await buildUploads());
    expect(gzipped(UP_OUT)).toBeLessThanOrEqual(3 * 1024);
  });

  it('keeps the JS commands out of the bundle (they load on demand), within 3 KB gzip themselves', () => {
    expect(readFileSync(OUT, 'utf8')).not.toContain('show-start');
    expect(gzipped(JS_OUT)).toBeLessThanOrEqual(3 * 1024);
  });
});
