/**
 * The README's options table, generated from the options table in lib/options.ts.
 * `npx ts-node --transpile-only __tests__/helpers/options-table.ts` rewrites it in README.md;
 * __tests__/options-readme.test.ts fails while the README's copy is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { OPTIONS, type OptionSpec } from '../../lib/options';

export const README = path.join(__dirname, '..', '..', 'README.md');
export const START = '<!-- options-table: generated from OPTIONS in lib/options.ts by __tests__/helpers/options-table.ts -->';
export const END = '<!-- /options-table -->';

/** How the README shows a default: `'views'`, `true`, `[]`, 65536, or the row's own text. */
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

/** The table as README.md holds it between the markers, or null without them. */
export function readmeOptionsTable(readme: string): string | null {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) return null;
  return readme.slice(start + START.length, end).trim();
}

if (require.main === module) {
  const readme = readFileSync(README, 'utf8');
  if (readmeOptionsTable(readme) === null) throw new Error(`README.md has no ${START} … ${END} markers.`);
  const start = readme.indexOf(START) + START.length;
  writeFileSync(README, `${readme.slice(0, start)}\n${renderOptionsTable()}\n${readme.slice(readme.indexOf(END))}`);
}
