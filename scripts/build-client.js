// Builds what the browser loads from the client sources:
// - public/contract.js, generated from lib/contract/contract.ts (the rules server and client share;
//   see scripts/contract-js.js);
// - public/build/djust.min.js, public/*.js (entry client.js) bundled and minified, the one
//   file `{% djust_scripts %}` loads.
// `node scripts/build-client.js` writes both; `--check` fails if either committed file is stale.
'use strict';
const { readFileSync, writeFileSync } = require('node:fs');
const path = require('node:path');
const esbuild = require('esbuild');
const { buildContract, CONTRACT_OUT } = require('./contract-js.js');

const ROOT = path.join(__dirname, '..');
const ENTRY = path.join(ROOT, 'public', 'client.js');
const OUT = path.join(ROOT, 'public', 'build', 'djust.min.js');

/** The bundle's text, built in memory (from the sources on disk, so write the contract first). */
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

/** Whether `file` holds exactly `text` (a missing file does not). */
function isCurrent(file, text) {
  try {
    return readFileSync(file, 'utf8') === text;
  } catch {
    return false;
  }
}

async function main() {
  const contract = buildContract();
  if (process.argv.includes('--check')) {
    const stale = [];
    if (!isCurrent(CONTRACT_OUT, contract)) stale.push(path.relative(ROOT, CONTRACT_OUT));
    // Checked as committed: a stale contract is reported above, not folded into the bundle.
    if (!isCurrent(OUT, await buildClient())) stale.push(path.relative(ROOT, OUT));
    if (stale.length > 0) {
      console.error(`${stale.join(' and ')} ${stale.length > 1 ? 'are' : 'is'} out of date: run \`npm run build:client\` and commit ${stale.length > 1 ? 'them' : 'it'}.`);
      process.exit(1);
    }
    return;
  }
  writeFileSync(CONTRACT_OUT, contract);
  console.log(`wrote ${path.relative(process.cwd(), CONTRACT_OUT)} (${Buffer.byteLength(contract)} bytes)`);
  const text = await buildClient();
  writeFileSync(OUT, text);
  console.log(`wrote ${path.relative(process.cwd(), OUT)} (${Buffer.byteLength(text)} bytes)`);
}

module.exports = { buildClient, buildContract, OUT, CONTRACT_OUT };
if (require.main === module) main().catch((err) => {
  console.error(err);
  process.exit(1);
});
