/**
 * The documentation holds together: relative links in README.md and docs/*.md reach a file (and
 * a heading, when they name one), no comment cites a design document that is not in the
 * repository, and docs/protocol.md lists every wire error code and every envelope type.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { CLOSE_CODES } from '../lib/contract/close-codes';

const ROOT = path.join(__dirname, '..');

/** Markdown files whose links are checked. */
function markdownFiles(): string[] {
  const docs = readdirSync(path.join(ROOT, 'docs')).filter((name) => name.endsWith('.md')).map((name) => path.join('docs', name));
  return ['README.md', ...docs];
}

/** The text outside fenced code blocks and inline code spans (links there are examples). */
function prose(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/`[^`\n]*`/g, '');
}

/** Link targets: `[text](target)` and `[label]: target`. */
function linkTargets(markdown: string): string[] {
  const text = prose(markdown);
  const inline = [...text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1] as string);
  const reference = [...text.matchAll(/^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm)].map((m) => m[1] as string);
  return [...inline, ...reference];
}

/** GitHub's heading anchors: lowercase, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const m of prose(markdown).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = (m[1] as string)
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, '')
      .replace(/ /g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

/** Every relative link that does not reach its file, or its heading: `file: target (why)`. */
function brokenLinks(): string[] {
  const broken: string[] = [];
  for (const file of markdownFiles()) {
    const source = readFileSync(path.join(ROOT, file), 'utf8');
    for (const target of linkTargets(source)) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//')) continue; // http:, mailto:, …
      const [filePart = '', anchor] = target.split('#', 2);
      const resolved = filePart === '' ? path.join(ROOT, file) : path.resolve(path.dirname(path.join(ROOT, file)), decodeURIComponent(filePart));
      if (!existsSync(resolved)) {
        broken.push(`${file}: ${target} (no file ${path.relative(ROOT, resolved)})`);
        continue;
      }
      if (anchor && resolved.endsWith('.md') && !anchorsOf(readFileSync(resolved, 'utf8')).has(anchor)) {
        broken.push(`${file}: ${target} (no heading #${anchor} in ${path.relative(ROOT, resolved)})`);
      }
    }
  }
  return broken;
}

/** Folders whose files must not cite a design document outside the repository. */
const SCANNED = ['lib', 'public', 'bench', '__tests__', 'demo', 'scripts', 'docs'];
const TEXT_FILE = /\.(?:[cm]?[jt]s|json|md|njk|html|css|sh|txt)$/;
/** "DESIGN" followed by ".md" or " §" (written so that this file does not match itself). */
const OUTSIDE_REFERENCE = new RegExp(['DESIGN', '(?:\\.md|\\s*§)'].join(''));

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(path.join(ROOT, dir))) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const rel = path.join(dir, name);
    if (statSync(path.join(ROOT, rel)).isDirectory()) out.push(...filesUnder(rel));
    else if (TEXT_FILE.test(name)) out.push(rel);
  }
  return out;
}

/** `file:line: text` for every line citing the design document. */
function outsideReferences(): string[] {
  const hits: string[] = [];
  for (const file of ['README.md', ...SCANNED.flatMap(filesUnder)]) {
    readFileSync(path.join(ROOT, file), 'utf8').split('\n').forEach((line, i) => {
      if (OUTSIDE_REFERENCE.test(line)) hits.push(`${file}:${i + 1}: ${line.trim().slice(0, 120)}`);
    });
  }
  return hits;
}

/** The string literals of `export type <name> = | 'a' | 'b' …;` in a source file. */
function unionMembers(file: string, name: string): string[] {
  const source = readFileSync(path.join(ROOT, file), 'utf8');
  const body = new RegExp(`export type ${name} =([^;]*);`).exec(source)?.[1];
  if (body === undefined) throw new Error(`${file} has no "export type ${name}"`);
  return [...body.matchAll(/'([^']+)'/g)].map((m) => m[1] as string);
}

/** Every .ts file under lib/. */
function libSources(dir = path.join(ROOT, 'lib')): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? libSources(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
}

const protocolDoc = () => readFileSync(path.join(ROOT, 'docs', 'protocol.md'), 'utf8');

/** The markdown of one `## heading` section of docs/protocol.md. */
function section(markdown: string, heading: string): string {
  const start = markdown.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`docs/protocol.md has no "## ${heading}" section`);
  const end = markdown.indexOf('\n## ', start + 1);
  return markdown.slice(start, end < 0 ? undefined : end);
}

describe('Documentation', () => {
  describe('links', () => {
    it('every relative link in README.md and docs/*.md reaches an existing file and heading', () => {
      const broken = brokenLinks();
      if (broken.length > 0) throw new Error(`Broken relative links (fix the target or the link):\n  ${broken.join('\n  ')}`);
    });

    it('finds the links it checks (the extraction itself works)', () => {
      expect(linkTargets('[a](docs/x.md) `[b](no.md)`\n[c]: ../y.md\n```\n[d](z.md)\n```\n')).toEqual(['docs/x.md', '../y.md']);
      expect(anchorsOf('## Client → server\n## Error codes\n## Error codes\n')).toEqual(new Set(['client--server', 'error-codes', 'error-codes-1']));
    });
  });

  describe('references', () => {
    it('no file cites the design document (DESIGN, its .md or a § of it): it is not in the repository', () => {
      const hits = outsideReferences();
      if (hits.length > 0) {
        throw new Error(
          `These lines cite a design document that is not in the repository; point them to docs/protocol.md ` +
            `(or docs/diff-format.md), or state the fact itself:\n  ${hits.join('\n  ')}`,
        );
      }
    });

    it('recognises such a citation', () => {
      expect(OUTSIDE_REFERENCE.test(['see DESIGN', '.md'].join(''))).toBe(true);
      expect(OUTSIDE_REFERENCE.test(['envelopes (DESIGN', ' §4)'].join(''))).toBe(true);
      expect(OUTSIDE_REFERENCE.test('envelopes (docs/protocol.md)')).toBe(false);
    });
  });

  describe('docs/errors.md', () => {
    it('names every WireErrorCode a client can receive', () => {
      const doc = readFileSync(path.join(ROOT, 'docs', 'errors.md'), 'utf8');
      const codes = unionMembers('lib/core/errors.ts', 'WireErrorCode');
      expect(codes.filter((code) => !doc.includes(`\`${code}\``))).toEqual([]);
    });
  });

  describe('docs/protocol.md', () => {
    it('has a row in "Error codes" for every WireErrorCode, and none for a code that does not exist', () => {
      const codes = unionMembers('lib/core/errors.ts', 'WireErrorCode');
      expect(codes.length).toBeGreaterThan(10);
      const rows = [...section(protocolDoc(), 'Error codes').matchAll(/^\| `([a-z_]+)` \|/gm)].map((m) => m[1]);
      expect({ missing: codes.filter((code) => !rows.includes(code)), unknown: rows.filter((row) => !codes.includes(row as string)) })
        .toEqual({ missing: [], unknown: [] });
    });

    it('has a row in the close-code table for every close code lib/contract/close-codes.ts defines, and uses no other', () => {
      const codes = Object.values(CLOSE_CODES).map(String);
      expect(codes).toEqual(expect.arrayContaining(['1001', '1008', '1011']));
      const table = protocolDoc().slice(protocolDoc().indexOf('Close codes:'));
      const rows = new Set([...table.matchAll(/^\| (\d{4}) \|/gm)].map((m) => m[1]));
      expect({ missing: codes.filter((code) => !rows.has(code)), unknown: [...rows].filter((row) => !codes.includes(row as string)) }).toEqual({ missing: [], unknown: [] });
      // Nowhere else in lib/ (the test client aside) is a close code written as a number.
      const literal = libSources().filter((file) => !file.endsWith('close-codes.ts') && !file.includes(`${path.sep}testing${path.sep}`))
        .filter((file) => /\.close\(\s*10\d\d\b|\bterminate\(\s*10\d\d/.test(readFileSync(file, 'utf8')));
      expect(literal).toEqual([]);
    });

    it('shows every envelope type of lib/contract/protocol.ts as JSON', () => {
      const source = readFileSync(path.join(ROOT, 'lib', 'contract', 'protocol.ts'), 'utf8');
      const types = [...new Set([...source.matchAll(/^\s+\|?\s*\{?\s*type: '([a-z_]+)'/gm)].map((m) => m[1] as string))];
      expect(types).toEqual(expect.arrayContaining(['mount', 'event', 'ping', 'params', 'mounted', 'patch', 'reply', 'page_metadata', 'navigate', 'flash', 'error', 'pong']));
      const doc = protocolDoc();
      expect(types.filter((type) => !doc.includes(`{"type":"${type}"`))).toEqual([]);
    });

    it('names every page_metadata and flash action', () => {
      const doc = protocolDoc();
      for (const action of ['title', 'meta', 'link']) expect(doc).toContain(`"type":"page_metadata","action":"${action}"`);
      for (const action of ['put', 'clear']) expect(doc).toContain(`"type":"flash","action":"${action}"`);
    });
  });
});
