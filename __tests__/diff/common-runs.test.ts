import fc from 'fast-check';
import { backward, forward } from '../../lib/diff/reparse';

/** The common run's length, one character at a time: what forward/backward must return. */
function naiveForward(a: string, i: number, b: string, j: number, max: number): number {
  let n = 0;
  while (n < max && a[i + n] === b[j + n]) n += 1;
  return n;
}
function naiveBackward(a: string, i: number, b: string, j: number, max: number): number {
  let n = 0;
  while (n < max && a[i - n - 1] === b[j - n - 1]) n += 1;
  return n;
}

describe('forward / backward (common runs, lib/diff/reparse.ts)', () => {
  // strings sharing long runs (the 1024- and 32-character steps) with a few edits
  const base = fc.array(fc.constantFrom('a', 'b', '<', '>', '\u00e9', '\ud83d\ude00'), { minLength: 50, maxLength: 2500, size: 'max' }).map((units) => units.join(''));
  const edited = base.chain((s) => fc.tuple(fc.constant(s), fc.array(fc.tuple(fc.nat(s.length), fc.nat(4), fc.string({ maxLength: 4 })), { maxLength: 3 })).map(([t, edits]) => {
    let out = t;
    for (const [at, cut, put] of edits) out = out.slice(0, Math.min(at, out.length)) + put + out.slice(Math.min(at, out.length) + cut);
    return [t, out] as const;
  }));

  it('equal a character-by-character comparison on many random pairs, from any start', () => {
    let long = 0;
    fc.assert(
      fc.property(edited, fc.nat(), fc.nat(), ([a, b], x, y) => {
        const i = a.length === 0 ? 0 : x % (a.length + 1);
        const j = b.length === 0 ? 0 : y % (b.length + 1);
        const maxF = Math.min(a.length - i, b.length - j);
        const f = forward(a, i, b, j, maxF);
        expect(f).toBe(naiveForward(a, i, b, j, maxF));
        expect(forward(a, 0, b, 0, Math.min(a.length, b.length))).toBe(naiveForward(a, 0, b, 0, Math.min(a.length, b.length)));
        const maxB = Math.min(i, j);
        expect(backward(a, i, b, j, maxB)).toBe(naiveBackward(a, i, b, j, maxB));
        const whole = Math.min(a.length, b.length);
        const tail = backward(a, a.length, b, b.length, whole);
        expect(tail).toBe(naiveBackward(a, a.length, b, b.length, whole));
        if (tail > 40) long += 1;
      }),
      { numRuns: 400 },
    );
    expect(long).toBeGreaterThan(50); // the runs went past the 32-character step
  });

  it('stop at max', () => {
    expect(forward('aaaa', 0, 'aaaa', 0, 3)).toBe(3);
    expect(backward('aaaa', 4, 'aaaa', 4, 2)).toBe(2);
    expect(forward('abc', 0, 'abd', 0, 3)).toBe(2);
    expect(backward('xbc', 3, 'ybc', 3, 3)).toBe(2);
  });

  it('equal it around the first characters compared one by one (runs ending before, at and after 24, short and long max)', () => {
    const text = 'x'.repeat(3000);
    for (const run of [0, 1, 15, 23, 24, 25, 31, 32, 33, 56, 57, 1100, 2999]) {
      const other = `${text.slice(0, run)}y${text.slice(run + 1)}`;
      for (const max of [0, 5, 23, 24, 25, 40, 3000]) {
        expect(forward(text, 0, other, 0, max)).toBe(naiveForward(text, 0, other, 0, max));
        const flipped = `${text.slice(0, 3000 - run - 1)}y${text.slice(3000 - run)}`;
        expect(backward(text, 3000, flipped, 3000, max)).toBe(naiveBackward(text, 3000, flipped, 3000, max));
      }
    }
  });
});
