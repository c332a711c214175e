/**
 * The folders of lib/ are layers: each README says what its folder may import, and this test
 * holds the code to it (type-only imports and re-exports count too). Also: no import cycle
 * between any two files of lib/.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const LIB = path.join(__dirname, '..', 'lib');

/** Every `.ts` file under `dir`, as paths relative to lib/. */
function sources(dir = LIB): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path.relative(LIB, full)] : [];
  });
}

/** The lib/ files `file` imports or re-exports from (relative specifiers only), relative to lib/. */
function importsOf(file: string): string[] {
  const text = readFileSync(path.join(LIB, file), 'utf8');
  const specs = [...text.matchAll(/^\s*(?:import|export)\b[^'";]*?from\s*'(\.{1,2}\/[^']+)'/gm)].map((m) => m[1] as string);
  return specs.map((spec) => {
    const base = path.resolve(path.dirname(path.join(LIB, file)), spec);
    const found = [`${base}.ts`, path.join(base, 'index.ts'), base].find((candidate) => existsSync(candidate) && statSync(candidate).isFile());
    if (found === undefined) throw new Error(`${file}: cannot resolve import "${spec}"`);
    return path.relative(LIB, found);
  });
}

/** Folder name → the folders its README allows (`May import: a, b` or `nothing`). */
function allowed(): Map<string, Set<string>> {
  const rules = new Map<string, Set<string>>();
  for (const entry of readdirSync(LIB, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const readme = path.join(LIB, entry.name, 'README.md');
    const line = existsSync(readme) ? /^May import: (.+)$/m.exec(readFileSync(readme, 'utf8'))?.[1] : undefined;
    if (line === undefined) throw new Error(`lib/${entry.name}/README.md needs a line "May import: …" (or "May import: nothing").`);
    rules.set(entry.name, new Set(line.trim() === 'nothing' ? [] : line.split(',').map((name) => name.trim())));
  }
  return rules;
}

const folderOf = (file: string): string | null => (file.includes(path.sep) ? (file.split(path.sep)[0] as string) : null);

describe('lib/ layers', () => {
  const files = sources();
  const rules = allowed();

  it('gives every folder a README naming what it owns and may import', () => {
    expect([...rules.keys()].sort()).toEqual(expect.arrayContaining(['connection', 'contract', 'core', 'http', 'render', 'routes', 'transport', 'view']));
    for (const [folder, may] of rules) for (const name of may) expect(`${folder} → ${name}: ${rules.has(name)}`).toBe(`${folder} → ${name}: true`);
  });

  it('imports across folders only what each README allows', () => {
    const outside: string[] = [];
    for (const file of files) {
      const from = folderOf(file);
      if (from === null) continue; // lib/index.ts re-exports the public API from every layer
      for (const target of importsOf(file)) {
        const to = folderOf(target);
        if (to === from) continue;
        if (to === null || !rules.get(from)?.has(to)) outside.push(`${file} → ${target}`);
      }
    }
    expect(outside).toEqual([]);
  });

  it('has no import cycle between files', () => {
    const graph = new Map(files.map((file) => [file, importsOf(file)]));
    const state = new Map<string, 'open' | 'done'>();
    const cycles: string[] = [];
    const visit = (file: string, trail: string[]): void => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'open') {
        cycles.push([...trail.slice(trail.indexOf(file)), file].join(' → '));
        return;
      }
      state.set(file, 'open');
      for (const next of graph.get(file) ?? []) visit(next, [...trail, file]);
      state.set(file, 'done');
    };
    for (const file of files) visit(file, []);
    expect(cycles).toEqual([]);
  });

  it('keeps the protocol and contract modules free of server code', () => {
    for (const file of files.filter((f) => folderOf(f) === 'contract')) {
      expect(importsOf(file).filter((target) => !['contract', 'core'].includes(folderOf(target) ?? ''))).toEqual([]);
    }
  });
});
