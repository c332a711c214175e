// Bundles and minifies the browser client (public/*.js, entry client.js) into
// public/build/djust.min.js, the one file `{% djust_scripts %}` loads.
// `node scripts/build-client.js` writes it; `--check` fails if the committed file is stale.
'use strict';
const { readFileSync, writeFileSync } = require('node:fs');
const path = require('node:path');
const esbuild = require('esbuild');

const ENTRY = path.join(__dirname, '..', 'public', 'client.js');
const OUT = path.join(__dirname, '..', 'public', 'build', 'djust.min.js');

/** The bundle's text, built in memory. */
async function buildClient() {
  const result = await esbuild.build({
    entryPoints: [ENTRY],
    bundle: true,
    minify: true,
    format: 'esm',
    target: 'es2020',
    legalComments: 'none',
    write: false,
  });
  return `/* djust-lite client — built from public/*.js by scripts/build-client.js */\n${result.outputFiles[0].text}`;
}

async function main() {
  const text = await buildClient();
  if (process.argv.includes('--check')) {
    let current = '';
    try {
      current = readFileSync(OUT, 'utf8');
    } catch {
      // missing counts as stale
    }
    if (current !== text) {
      console.error('public/build/djust.min.js is out of date: run `npm run build:client` and commit it.');
      process.exit(1);
    }
    return;
  }
  writeFileSync(OUT, text);
  console.log(`wrote ${path.relative(process.cwd(), OUT)} (${Buffer.byteLength(text)} bytes)`);
}

module.exports = { buildClient, OUT };
if (require.main === module) main().catch((err) => {
  console.error(err);
  process.exit(1);
});
