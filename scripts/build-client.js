// Builds what the browser loads from the client sources:
// - public/contract.js, generated from lib/contract/contract.ts (the rules server and client share;
//   see scripts/contract-js.js);
// - public/build/djust.min.js, public/*.js (entry client.js) bundled and minified, the one
//   file `{% djust_scripts %}` loads;
// - public/build/djust-js.min.js, the JS commands (entry js-commands.js), which the bundle
//   imports beside itself the first time a page runs them (so pages without them never load it);
// - public/build/djust-up.min.js, uploads (entry uploads.js), imported on pages with a `dj-upload`;
// - public/build/djust-sse.min.js, the SSE transport (entry sse.js), imported when a page
//   connects over SSE (configured, or the WebSocket fallback).
// `node scripts/build-client.js` writes them all; `--check` fails if one committed file is stale.
'use strict';
const { readFileSync, writeFileSync } = require('node:fs');
const path = require('node:path');
const esbuild = require('esbuild');
const { buildContract, CONTRACT_OUT } = require('./contract-js.js');

const ROOT = path.join(__dirname, '..');
const ENTRY = path.join(ROOT, 'public', 'client.js');
const OUT = path.join(ROOT, 'public', 'build', 'djust.min.js');
const JS_ENTRY = path.join(ROOT, 'public', 'js-commands.js');
const JS_OUT = path.join(ROOT, 'public', 'build', 'djust-js.min.js');
const UP_ENTRY = path.join(ROOT, 'public', 'uploads.js');
const UP_OUT = path.join(ROOT, 'public', 'build', 'djust-up.min.js');
const SSE_ENTRY = path.join(ROOT, 'public', 'sse.js');
const SSE_OUT = path.join(ROOT, 'public', 'build', 'djust-sse.min.js');

/** The bundle's text, built in memory (from the sources on disk, so write the contract first). */
async function buildClient() {
  return build(ENTRY, 'djust-lite client — built from public/*.js');
}

/** The JS commands module's text, built in memory. */
async function buildJsCommands() {
  return build(JS_ENTRY, 'djust-lite JS commands — built from public/js-commands.js');
}

/** The uploads module's text, built in memory (pages with a `dj-upload` import it beside the bundle). */
async function buildUploads() {
  return build(UP_ENTRY, 'djust-lite uploads — built from public/uploads.js');
}

/** The SSE transport module's text, built in memory (the bundle imports it when a page connects over SSE). */
async function buildSse() {
  return build(SSE_ENTRY, 'djust-lite SSE transport — built from public/sse.js');
}

/** `entry` and what it imports, bundled and minified, under a comment saying what it is. */
async function build(entry, title) {
  const result = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    format: 'esm',
    target: 'es2020',
    legalComments: 'none',
    write: false,
  });
  return `/* ${title} by scripts/build-client.js */\n${result.outputFiles[0].text}`;
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
    if (!isCurrent(JS_OUT, await buildJsCommands())) stale.push(path.relative(ROOT, JS_OUT));
    if (!isCurrent(UP_OUT, await buildUploads())) stale.push(path.relative(ROOT, UP_OUT));
    if (!isCurrent(SSE_OUT, await buildSse())) stale.push(path.relative(ROOT, SSE_OUT));
    if (stale.length > 0) {
      console.error(`${stale.join(', ')} ${stale.length > 1 ? 'are' : 'is'} out of date: run \`npm run build:client\` and commit ${stale.length > 1 ? 'them' : 'it'}.`);
      process.exit(1);
    }
    return;
  }
  writeFileSync(CONTRACT_OUT, contract);
  console.log(`wrote ${path.relative(process.cwd(), CONTRACT_OUT)} (${Buffer.byteLength(contract)} bytes)`);
  for (const [file, text] of [[OUT, await buildClient()], [JS_OUT, await buildJsCommands()], [UP_OUT, await buildUploads()], [SSE_OUT, await buildSse()]]) {
    writeFileSync(file, text);
    console.log(`wrote ${path.relative(process.cwd(), file)} (${Buffer.byteLength(text)} bytes)`);
  }
}

module.exports = { buildClient, buildJsCommands, buildUploads, buildSse, buildContract, OUT, JS_OUT, UP_OUT, SSE_OUT, CONTRACT_OUT };
if (require.main === module) main().catch((err) => {
  console.error(err);
  process.exit(1);
});
