import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { builtPackage, consumerProject, REPO, removeProject } from '../helpers/built-package';

/**
 * Every ```ts block of README.md and docs/*.md compiles against the built package under the
 * strictest common settings — `strict`, `exactOptionalPropertyTypes`, `noImplicitOverride` —
 * each block as its own ES module in a fresh project (zod, valibot, express and @types/node
 * resolve as in a user's). A block that is a fragment on purpose is preceded by the line
 * `<!-- not compiled: fragment -->`, which shows in the Markdown source; keep those rare.
 * Blocks may use `app` (the Express app) and `live` (the djust-lite middleware) as the README's
 * quick start defines them: the project declares those two names, nothing else.
 */

const SKIP = '<!-- not compiled: fragment -->';

interface Example {
  /** `docs/view-api.md:120`: where the block starts. */
  where: string;
  source: string;
}

function examples(): { compiled: Example[]; skipped: string[] } {
  const docs = ['README.md', ...fs.readdirSync(path.join(REPO, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
  const compiled: Example[] = [];
  const skipped: string[] = [];
  for (const doc of docs) {
    const text = fs.readFileSync(path.join(REPO, doc), 'utf8');
    for (const match of text.matchAll(/^```ts\n([\s\S]*?)^```$/gm)) {
      const line = text.slice(0, match.index).split('\n').length;
      const before = text.slice(0, match.index).trimEnd().split('\n').pop() ?? '';
      const where = `${doc}:${line}`;
      if (before.trim() === SKIP) skipped.push(where);
      else compiled.push({ where, source: match[1] ?? '' });
    }
  }
  return { compiled, skipped };
}

describe('TypeScript examples in README.md and docs/', () => {
  const { compiled, skipped } = examples();
  let dir: string | undefined;
  afterAll(() => removeProject(dir));

  it('finds the examples, and few are skipped as fragments', () => {
    expect(compiled.length).toBeGreaterThanOrEqual(15);
    expect(skipped.length).toBeLessThanOrEqual(3);
  });

  it('compile under strict, exactOptionalPropertyTypes and noImplicitOverride', () => {
    const files: Record<string, string> = {
      'package.json': JSON.stringify({ name: 'docs-examples', private: true, type: 'module' }),
      'quick-start.d.ts': "declare const app: import('express').Express;\ndeclare const live: import('djust-lite').DjustLite;\n",
    };
    // A block that names its file (`// live.ts`) is written under that name, so another block
    // can import it (`import { live } from './live.js'`); the first block of a name wins.
    const fileNames = compiled.map((example, i) => {
      const named = /^\/\/ ([\w-]+\.ts)\s*$/.exec(example.source.split('\n', 1)[0] ?? '')?.[1];
      const name = named !== undefined && !(named in files) ? named : `example-${i}.ts`;
      files[name] = example.source;
      return name;
    });
    dir = consumerProject(builtPackage(), files);
    const { options, errors } = ts.convertCompilerOptionsFromJson({
      target: 'ES2022',
      module: 'nodenext',
      moduleResolution: 'nodenext',
      strict: true,
      exactOptionalPropertyTypes: true,
      noImplicitOverride: true,
      moduleDetection: 'force',
      skipLibCheck: true,
      types: ['node', 'jest'],  // docs/testing.md's examples are jest tests
      noEmit: true,
    }, dir);
    expect(errors).toEqual([]);
    const names = fileNames.map((name) => path.join(dir as string, name));
    const program = ts.createProgram([...names, path.join(dir, 'quick-start.d.ts')], options);
    const problems = names.flatMap((name, i) => {
      const file = program.getSourceFile(name) as ts.SourceFile;
      return [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)].map((d) => {
        const line = file.getLineAndCharacterOfPosition(d.start ?? 0).line;
        const [doc, start] = (compiled[i] as Example).where.split(':') as [string, string];
        return `${doc}:${Number(start) + 1 + line} TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
      });
    });
    expect(problems).toEqual([]);
  }, 120_000);
});
