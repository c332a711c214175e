import fs from 'node:fs';
import path from 'node:path';
import { REPO } from './built-package';

/** One of the README's quick starts as a reader copies it: files to write, then commands to type. */
export interface QuickStart {
  /** Path in the project → content, exactly as the README's fenced block holds it. */
  files: Record<string, string>;
  /** Shell commands in the order the README gives them (comments and blank lines left out). */
  commands: string[];
}

/** Fenced blocks of `text`, in order: language tag and body. */
function fencedBlocks(text: string): { lang: string; body: string }[] {
  return [...text.matchAll(/^```([\w-]*)\n([\s\S]*?)^```$/gm)].map((m) => ({ lang: m[1] ?? '', body: m[2] ?? '' }));
}

/** The README text from heading line `from` up to heading line `to`. */
function section(readme: string, from: string, to: string): string {
  const start = readme.indexOf(`\n${from}\n`);
  const end = readme.indexOf(`\n${to}\n`, start + 1);
  if (start === -1 || end === -1) throw new Error(`README.md: expected the headings "${from}" and then "${to}"; update __tests__/helpers/readme-quick-start.ts`);
  return readme.slice(start, end);
}

/** The file a block is for, named by its first line: `// server.ts`, `{# views/inbox.njk #}`. */
function fileOf(body: string): string {
  const first = body.split('\n', 1)[0] ?? '';
  const name = /^(?:\/\/|\{#)\s*([\w./-]+)/.exec(first)?.[1];
  if (!name) throw new Error(`README.md: a quick-start block that is not a shell command must name its file on its first line ("// server.ts"); found: ${first}`);
  return name;
}

function quickStartOf(text: string): QuickStart {
  const files: Record<string, string> = {};
  const commands: string[] = [];
  for (const { lang, body } of fencedBlocks(text)) {
    if (lang === 'sh') commands.push(...body.split('\n').map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('#')));
    else files[fileOf(body)] = body;
  }
  return { files, commands };
}

/**
 * The README's two quick starts, parsed from its fenced blocks (so the test runs what a reader
 * copies): `typescript` is "## Quick start" up to "### Without TypeScript", `javascript` that
 * section up to the next heading. The JavaScript one says "views/inbox.njk as above": it takes
 * the template from the TypeScript one.
 */
export function readmeQuickStarts(): { typescript: QuickStart; javascript: QuickStart } {
  const readme = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');
  const typescript = quickStartOf(section(readme, '## Quick start', '### Without TypeScript'));
  const javascript = quickStartOf(section(readme, '### Without TypeScript', '### What is going on'));
  const views = Object.entries(typescript.files).filter(([name]) => name.startsWith('views/'));
  return { typescript, javascript: { ...javascript, files: { ...Object.fromEntries(views), ...javascript.files } } };
}
