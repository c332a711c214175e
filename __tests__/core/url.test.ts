import { queryOf } from '../../lib/core/url';

describe('queryOf', () => {
  it('keeps repeated keys as arrays', () => {
    expect({ ...queryOf('/s?tag=a&tag=b&q=x#frag') }).toEqual({ tag: ['a', 'b'], q: 'x' });
  });

  it('has no prototype: constructor and hasOwnProperty are plain values', () => {
    const query = queryOf('/s?constructor=a&hasOwnProperty=1&toString=t');
    expect(Object.getPrototypeOf(query)).toBeNull();
    expect(query.constructor).toBe('a');
    expect(query.hasOwnProperty).toBe('1');
    expect(query.toString).toBe('t');
  });

  it('a URL without the keys does not see Object.prototype members', () => {
    const query = queryOf('/s?q=1');
    expect(query.constructor).toBeUndefined();
    expect('hasOwnProperty' in query).toBe(false);
  });

  it('skips __proto__', () => {
    const query = queryOf('/s?__proto__=x&a=1');
    expect(Object.keys(query)).toEqual(['a']);
  });
});
