/**
 * The options table of docs/options.md, generated from the options table in lib/config/options.ts.
 * `npx ts-node --transpile-only __tests__/helpers/options-table.ts` rewrites it there;
 * __tests__/config/options-doc.test.ts fails while that copy is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { OPTIONS, type OptionSpec } from '../../lib/config/options';

export const OPTIONS_DOC = path.join(__dirname, '..', '..', 'docs', 'options.md');
export const START = '<!-- options-table: generated from OPTIONS in lib/config/options.ts by __tests__/helpers/options-table.ts -->';
export const END = '<!-- /options-table -->';

/** How docs/options.md shows a default: `'views'`, `true`, `[]`, 65536, or the row's own text. */
export function shownDefault(spec: OptionSpec<unknown>): string {
  if (spec.shownDefault !== undefined) return spec.shownDefault;
  const value = spec.default;
  if (value === undefined) return '—';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return `\`'${value}'\``;
  if (Array.isArray(value)) return '`[]`';
  return typeof value === 'object' ? '`{}`' : `\`${String(value)}\``;
}

/** Markdown table cells may not hold a bare `|`. */
const cell = (text: string): string => text.replace(/\|/g, '\\|');

/** The table's markdown, one row per option in table order. */
export function renderOptionsTable(): string {
  const rows = (Object.entries(OPTIONS) as [string, OptionSpec<unknown>][]).map(
    ([name, spec]) => `| \`${name}\` | ${cell(shownDefault(spec))} | ${cell(spec.doc)}${spec.check.type === 'number' ? ` (at least ${spec.check.min})` : ''} |`,
  );
  return ['| option | default | |', '|---|---|---|', ...rows].join('\n');
}

/** The table as docs/options.md holds it between the markers, or null without them. */
export function docOptionsTable(readme: string): string | null {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) return null;
  return readme.slice(start + START.length, end).trim();
}

if (require.main === module) {
  const readme = readFileSync(OPTIONS_DOC, 'utf8');
  if (docOptionsTable(readme) === null) throw new Error(`docs/options.md has no ${START} … ${END} markers.`);
  const start = readme.indexOf(START) + START.length;
  writeFileSync(OPTIONS_DOC, `${readme.slice(0, start)}\n${renderOptionsTable()}\n${readme.slice(readme.indexOf(END))}`);
}
