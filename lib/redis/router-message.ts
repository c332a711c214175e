/**
 * The messages SSE routing sends on a process channel (`<prefix>@proc:<id>`), and the one check
 * that a text read from Redis is one of them. Anyone who can PUBLISH to the Redis can write
 * to that channel: a text of another shape is ignored (and counted), never trusted.
 */

/** A message on a process channel. */
export type RouterMessage =
  | { k: 'fwd'; r: string; f: string; s: string; b: string | null; t: string }
  | { k: 'up'; r: string; f: string; s: string; u: string; t: string }
  | { k: 'ack'; r: string; a: string }
  | { k: 'evict'; s: string }
  | { k: 'attach'; r: string; f: string; s: string; t: string; l: string }
  | { k: 'frames'; r: string; x: string }
  | { k: 'end'; r: string }
  | { k: 'detach'; r: string };

/** The string fields each kind carries (`fwd`'s `b` may also be null: a DELETE; `up`'s `u` is an upload chunk in base64). */
const FIELDS: Record<RouterMessage['k'], readonly string[]> = {
  fwd: ['r', 'f', 's', 't'],
  up: ['r', 'f', 's', 'u', 't'],
  ack: ['r', 'a'],
  evict: ['s'],
  attach: ['r', 'f', 's', 't', 'l'],
  frames: ['r', 'x'],
  end: ['r'],
  detach: ['r'],
};

/**
 * `raw` as a RouterMessage, or null when it is not JSON or not one of their shapes (`null`,
 * an array, an unknown `k`, a field missing or of another type).
 *
 * @example
 * routerMessageOf('{"k":"end","r":"x1"}'); // { k: 'end', r: 'x1' }
 * routerMessageOf('null'); // null
 */
export function routerMessageOf(raw: string): RouterMessage | null {
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch {
    return null;
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return null;
  const record = data as Record<string, unknown>;
  const k = record.k;
  if (typeof k !== 'string' || !Object.hasOwn(FIELDS, k)) return null;
  for (const field of FIELDS[k as RouterMessage['k']]) if (typeof record[field] !== 'string') return null;
  if (k === 'fwd' && record.b !== null && typeof record.b !== 'string') return null;
  return data as RouterMessage;
}
