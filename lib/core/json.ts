/** Deepest nesting a `pushEvent` / `pushReply` payload may have (as event params). */
/** How deep JSON from or to a client may nest: event params, push payloads, session data. */
export const MAX_JSON_DEPTH = 16;

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * Why `value` is not a plain JSON object the client would receive as it is, or null when it
 * is one: plain objects and arrays of strings, finite numbers, booleans and null, at most 16
 * levels deep. `undefined` object values are allowed (JSON leaves them out, as the client's
 * `JSON.parse` would never see them); a Date, Map, class instance, function, bigint, NaN or a
 * cycle is refused rather than sent changed.
 *
 * @example
 * jsonObjectProblem({ at: new Date() }); // 'at is a Date (not plain JSON; send it as a string or number)'
 */
export function jsonObjectProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || !isPlainObject(value)) return 'it is not a plain object';
  return problemAt(value, '', 0);
}

function problemAt(value: unknown, at: string, depth: number): string | null {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return null;
  if (typeof value === 'number') return Number.isFinite(value) ? null : `${at || 'it'} is ${value} (not a finite number)`;
  if (typeof value !== 'object') return `${at || 'it'} is a ${typeof value}`;
  if (depth >= MAX_JSON_DEPTH) return `${at} nests deeper than ${MAX_JSON_DEPTH} levels (or is a cycle)`;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i += 1) {
      const problem = problemAt(value[i], `${at}[${i}]`, depth + 1);
      if (problem !== null) return problem;
    }
    return null;
  }
  if (!isPlainObject(value)) return `${at || 'it'} is a ${value.constructor?.name ?? 'non-plain object'} (not plain JSON; send it as a string, number or plain object)`;
  for (const key of Object.keys(value)) {
    const item = (value as Record<string, unknown>)[key];
    if (item === undefined) continue;
    const problem = problemAt(item, at ? `${at}.${key}` : key, depth + 1);
    if (problem !== null) return problem;
  }
  return null;
}
