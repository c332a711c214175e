import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { eventHandler } from '../../lib/view/decorators';
import {
  argumentOutOfRange, DEVELOPER_ERROR_CODES, describeValue, DjustError, DjustRangeError, DjustTypeError, invalidArgument,
  invalidOption, misuse, optionError, optionOutOfRange, wireCodeOf,
} from '../../lib/core/errors';
import { MemoryPubSub } from '../../lib/pubsub/pubsub';

const LIB = path.join(__dirname, '..', '..', 'lib');
const ERRORS_DOC = readFileSync(path.join(__dirname, '..', '..', 'docs', 'errors.md'), 'utf8');

/** Every .ts file under lib/, relative to it, with its text. */
function libFiles(dir = LIB): { file: string; text: string }[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return libFiles(full);
    return entry.name.endsWith('.ts') ? [{ file: path.relative(LIB, full).split(path.sep).join('/'), text: readFileSync(full, 'utf8') }] : [];
  });
}

/** Helpers that give their errors a code, so lib files name the helper, not the code. */
const HELPERS: Record<string, string[]> = {
  DJUST_ERR_INVALID_OPTION: ['invalidOption(', 'optionOutOfRange(', 'optionError('],
  DJUST_ERR_INVALID_ARG: ['invalidArgument(', 'argumentOutOfRange(', 'misuse('],
};

/** docs/errors.md, the error codes reference. */
function errorCodesSection(): string {
  return ERRORS_DOC;
}

describe('errors', () => {
  describe('helpers', () => {
    it('makes option errors TypeErrors and RangeErrors with DJUST_ERR_INVALID_OPTION, naming option, shape and value', () => {
      const wrong = invalidOption('djustLite()', 'prefix', 'a path like "/djust"', 'djust');
      expect(wrong).toBeInstanceOf(TypeError);
      expect(wrong).toBeInstanceOf(DjustTypeError);
      expect(wrong).toMatchObject({ code: 'DJUST_ERR_INVALID_OPTION', name: 'TypeError' });
      expect(wrong.message).toBe('djustLite(): option "prefix" must be a path like "/djust", got "djust".');
      const low = optionOutOfRange('djustLite()', 'heartbeatMs', 'at least 100', 5);
      expect(low).toBeInstanceOf(RangeError);
      expect(low).toBeInstanceOf(DjustRangeError);
      expect(low).toMatchObject({ code: 'DJUST_ERR_INVALID_OPTION', message: 'djustLite(): option "heartbeatMs" must be at least 100, got 5.' });
      expect(optionError('x').code).toBe('DJUST_ERR_INVALID_OPTION');
    });

    it('makes argument errors TypeErrors and RangeErrors with DJUST_ERR_INVALID_ARG', () => {
      const wrong = invalidArgument('subscribe(topic)', 'topic', 'a non-empty string', '');
      expect(wrong).toBeInstanceOf(TypeError);
      expect(wrong).toMatchObject({ code: 'DJUST_ERR_INVALID_ARG', message: 'subscribe(topic): topic must be a non-empty string, got "".' });
      expect(argumentOutOfRange('sendAfter(message, ms)', 'ms', 'at least 0', -1)).toBeInstanceOf(RangeError);
      expect(misuse('m')).toMatchObject({ code: 'DJUST_ERR_INVALID_ARG', message: 'm' });
    });

    it('shows the code in the first line of the stack, as Node does', () => {
      expect(invalidOption('djustLite()', 'views', 'a folder path string', 3).stack).toMatch(/^TypeError \[DJUST_ERR_INVALID_OPTION\]: djustLite\(\)/);
      const err = new DjustError('DJUST_ERR_INVALID_META', 'bad meta');
      expect(err.stack).toMatch(/^DjustError \[DJUST_ERR_INVALID_META\]: bad meta/);
      expect(err.name).toBe('DjustError');
      expect(String(err)).toBe('DjustError: bad meta');
    });

    it('describes a received value without dumping it', () => {
      expect(describeValue('x'.repeat(200))).toHaveLength(83);
      expect([{}, [], null, () => 1, Symbol('s'), 3].map(describeValue)).toEqual(['an object', 'an array', 'null', 'a function', 'a symbol', '3']);
    });

    it('maps every developer code to a wire code', () => {
      for (const code of DEVELOPER_ERROR_CODES) expect(typeof wireCodeOf(new DjustError(code, 'x'))).toBe('string');
    });
  });

  describe('lib/', () => {
    it('constructs errors only through DjustError and the coded helpers', () => {
      const found: Record<string, string[]> = {};
      for (const { file, text } of libFiles()) {
        if (file === 'core/errors.ts') continue;
        const uncoded = [...text.matchAll(/\bnew (\w*Error)\(/g)].map((m) => m[1]).filter((name) => name !== 'DjustError' && name !== 'DjustTypeError' && name !== 'DjustRangeError');
        if (uncoded.length > 0) found[file] = uncoded.map((name) => `new ${name}(`);
      }
      expect(found).toEqual({});
    });

    it('declares no error class outside errors.ts', () => {
      const classes = libFiles().filter(({ file, text }) => file !== 'core/errors.ts' && /\bextends \w*Error\b/.test(text)).map(({ file }) => file);
      expect(classes).toEqual([]);
    });

    it.each(DEVELOPER_ERROR_CODES.map((code) => [code]))('throws %s somewhere', (code) => {
      const uses = libFiles().filter(({ file, text }) => file !== 'core/errors.ts' && (text.includes(`'${code}'`) || (HELPERS[code] ?? []).some((h) => text.includes(h))));
      expect(uses.length).toBeGreaterThan(0);
    });
  });

  describe('docs/errors.md', () => {
    it('lists exactly the developer codes', () => {
      const listed = [...new Set(errorCodesSection().match(/DJUST_ERR_[A-Z_]+/g))].sort();
      expect(listed).toEqual([...DEVELOPER_ERROR_CODES].sort());
    });
  });
});

describe('coded errors at the call sites', () => {
  it('eventHandler() and @eventHandler() misuse throw TypeErrors with DJUST_ERR_INVALID_ARG', () => {
    expect(() => eventHandler('')).toThrow(expect.objectContaining({ code: 'DJUST_ERR_INVALID_ARG', name: 'TypeError' }));
    expect(() => eventHandler('mount')(function mount() {}, { kind: 'method', name: 'mount', static: false, private: false } as never))
      .toThrow(expect.objectContaining({ code: 'DJUST_ERR_INVALID_ARG' }));
  });

  it('subscribe() with an empty topic throws a TypeError with DJUST_ERR_INVALID_ARG', () => {
    expect(() => new MemoryPubSub().subscribe('', { deliver() {} })).toThrow(expect.objectContaining({ code: 'DJUST_ERR_INVALID_ARG' }));
  });
});
