/** Query values of a path + query URL: repeated keys become arrays. */
export function queryOf(url: string): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
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
