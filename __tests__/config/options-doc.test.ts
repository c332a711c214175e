import { readFileSync } from 'node:fs';
import path from 'node:path';
import { OPTIONS, type OptionSpec } from '../../lib/config/options';
import { OPTIONS_DOC, docOptionsTable, renderOptionsTable, shownDefault } from '../helpers/options-table';

const FIX = 'run `npx ts-node --transpile-only __tests__/helpers/options-table.ts` to regenerate it';

/** Each option's JSDoc in the `DjustLiteOptions` interface, as one line of text. */
function interfaceDocs(): Map<string, string> {
  const source = readFileSync(path.join(__dirname, '..', '..', 'lib', 'config', 'options.ts'), 'utf8');
  const body = /export interface DjustLiteOptions \{([\s\S]*?)\n\}/.exec(source)?.[1] ?? '';
  const docs = new Map<string, string>();
  for (const match of body.matchAll(/\/\*\*([\s\S]*?)\*\/\s*(\w+)\?:/g)) {
    docs.set(match[2] ?? '', (match[1] ?? '').replace(/\s*\n\s*\*?\s*/g, ' ').trim());
  }
  return docs;
}

describe('Options table', () => {
  describe('docs/options.md', () => {
    it('holds the table generated from OPTIONS (names, defaults, descriptions)', () => {
      const inDoc = docOptionsTable(readFileSync(OPTIONS_DOC, 'utf8'));
      expect(inDoc).not.toBeNull();
      if (inDoc !== renderOptionsTable()) {
        // The diff names the row that disagrees.
        expect({ readme: inDoc?.split('\n'), hint: FIX }).toEqual({ readme: renderOptionsTable().split('\n'), hint: FIX });
      }
    });

    it('lists every option exactly once', () => {
      const inDoc = docOptionsTable(readFileSync(OPTIONS_DOC, 'utf8')) ?? '';
      const names = [...inDoc.matchAll(/^\| `(\w+)` \|/gm)].map((m) => m[1]);
      expect(names).toEqual(Object.keys(OPTIONS));
    });
  });

  describe('DjustLiteOptions JSDoc', () => {
    it('documents every option of the table', () => {
      expect([...interfaceDocs().keys()].sort()).toEqual(Object.keys(OPTIONS).sort());
    });

    it.each(Object.entries(OPTIONS) as [string, OptionSpec<unknown>][])('states the default and minimum of %s as the table does', (name, spec) => {
      const doc = interfaceDocs().get(name) ?? '';
      if (spec.default !== undefined || spec.shownDefault !== undefined) expect(doc).toContain(`Default ${shownDefault(spec)}`);
      else expect(doc).not.toMatch(/\bDefault\b/);
      if (spec.check.type === 'number') expect(doc).toContain(`at least ${spec.check.min}`);
    });
  });
});
