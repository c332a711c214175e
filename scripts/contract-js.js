// Generates public/contract.js from lib/contract/contract.ts, the rules the server and the browser
// client share: an ES module, readable, with the TypeScript types turned into JSDoc so
// `tsc -p public/tsconfig.json` checks it. Run through scripts/build-client.js (which also
// checks it with `--check`); kept apart from the bundler so tests can load it anywhere.
'use strict';
const { readFileSync } = require('node:fs');
const path = require('node:path');
const ts = require('typescript');

const ROOT = path.join(__dirname, '..');
const CONTRACT_SOURCE = path.join(ROOT, 'lib', 'contract', 'contract.ts');
const CONTRACT_OUT = path.join(ROOT, 'public', 'contract.js');

const CONTRACT_HEADER =
  '// @ts-check\n// generated from lib/contract/contract.ts by scripts/build-client.js — do not edit.\n';

/**
 * JSDoc tags for what transpiling drops: `@param`/`@returns` of function declarations and
 * `@type` of annotated constants, with the types copied as written.
 */
function typeTags(node, file) {
  const text = (typeNode) => typeNode.getText(file).replace(/\s+/g, ' ');
  if (ts.isFunctionDeclaration(node)) {
    const tags = node.parameters.map((p) => {
      if (!p.type) throw new Error(`lib/contract/contract.ts: parameter ${p.name.getText(file)} of ${node.name?.text} needs a type`);
      return `@param {${text(p.type)}} ${p.name.getText(file)}`;
    });
    if (node.type) tags.push(`@returns {${text(node.type)}}`);
    return tags;
  }
  if (ts.isVariableStatement(node)) {
    const [decl] = node.declarationList.declarations;
    return decl?.type ? [`@type {${text(decl.type)}}`] : [];
  }
  return [];
}

/** public/contract.js: lib/contract/contract.ts as an ES module with JSDoc types, 2-space indented. */
function buildContract() {
  const source = readFileSync(CONTRACT_SOURCE, 'utf8');
  const file = ts.createSourceFile(CONTRACT_SOURCE, source, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  /** @type {{ start: number, end: number, text: string }[]} */
  const edits = [];
  for (const node of file.statements) {
    const tags = typeTags(node, file).map((tag) => ` * ${tag}\n`).join('');
    if (tags === '') continue;
    // The statement's JSDoc (made multi-line) gains the tags before its `*/`; else a new one.
    const doc = node.jsDoc?.at(-1);
    const old = doc ? doc.getText(file) : '';
    const lines = old.includes('\n') ? old.slice(0, old.lastIndexOf('\n') + 1) : `/**\n${old && ` * ${old.slice(3, -2).trim()}\n`}`;
    const start = doc ? doc.getStart(file) : node.getStart(file);
    edits.push({ start, end: doc ? doc.end : start, text: `${lines}${tags} */${doc ? '' : '\n'}` });
  }
  let typed = source;
  for (const { start, end, text } of edits.reverse()) typed = typed.slice(0, start) + text + typed.slice(end);
  const { outputText } = ts.transpileModule(typed, {
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, removeComments: false },
  });
  return CONTRACT_HEADER + outputText.replace(/^(?: {4})+/gm, (indent) => ' '.repeat(indent.length / 2));
}

module.exports = { buildContract, CONTRACT_OUT };
