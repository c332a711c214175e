/**
 * Query values of a path + query URL: repeated keys become arrays. The object has no
 * prototype, so `?constructor=a` or `?hasOwnProperty=1` are plain values and never meet (or
 * shadow) `Object.prototype`'s members: test a key with `key in query` or `Object.hasOwn`.
 *
 * @example
 * queryOf('/s?tag=a&tag=b&constructor=x'); // { tag: ['a', 'b'], constructor: 'x' } (null prototype)
 */
export function queryOf(url: string): Record<string, string | string[]> {
  const query = Object.create(null) as Record<string, string | string[]>;
  const q = url.indexOf('?');
  if (q === -1) return query;
  const hash = url.indexOf('#', q);
  for (const [key, value] of new URLSearchParams(url.slice(q + 1, hash === -1 ? undefined : hash))) {
    if (key === '__proto__') continue;
    const prev = query[key];
    query[key] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  return query;
}
