import { isThenable, type Step } from './lifecycle';
import type { EventParams, JsonValue, ParamsIssue } from '../contract/protocol';
import type { StandardSchemaV1 } from '../core/standard-schema';

/** Issues one `bad_params` answer carries at most (a schema may report one per field of a long list). */
const MAX_ISSUES = 32;
/** Longest issue message sent, in characters. */
const MAX_ISSUE_MESSAGE = 300;
/** Decimal numbers as a form field holds them: `3`, `-1.5`, `.5`, `2e3`; not `0x1f`, `' 3'` or `''`. */
const NUMERIC_RE = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** What typed params came to: the schema's output for the handler, or the issues to answer with. */
export type ParamsCheck = { ok: true; value: unknown } | { ok: false; issues: ParamsIssue[] };

/** Values a schema's check is charged per token of the connection's rate budget (see `paramsCost`). */
export const VALUES_PER_TOKEN = 16;

/**
 * How many values `params` holds — array elements and object keys, at every level — counting
 * no further than `max + 1`: a frame with 10,000 elements costs `max + 1` steps here, whatever
 * its size.
 *
 * @example
 * countValues({ ids: [1, 2, 3] }, 1000); // 4 (the key ids, three elements)
 */
export function countValues(params: EventParams, max: number): number {
  let count = 0;
  const stack: JsonValue[] = [params];
  while (stack.length > 0 && count <= max) {
    const value = stack.pop();
    if (typeof value !== 'object' || value === null) continue;
    const items = Array.isArray(value) ? value : Object.values(value);
    count += items.length;
    for (let i = 0; i < items.length && count <= max; i += 1) {
      const item = items[i];
      if (typeof item === 'object' && item !== null) stack.push(item);
    }
  }
  return Math.min(count, max + 1);
}

/** Tokens a schema check of `values` values costs: one per VALUES_PER_TOKEN, at least one. */
export function paramsCost(values: number): number {
  return Math.max(1, Math.ceil(values / VALUES_PER_TOKEN));
}

/** The refusal of params holding more than `max` values: the schema is never run on them. */
export function tooManyValues(max: number): ParamsCheck {
  return { ok: false, issues: [{ message: `params hold more than ${max} values (array elements and object keys, option maxParamsValues); the schema was not run` }] };
}

/**
 * Runs `params` through `schema` (a Standard Schema, sync or async). When it refuses them, it
 * gets one more try with the strings at the refused paths coerced as form fields mean them —
 * numeric text → number, `"true"`/`"false"` → boolean, `""` → key removed — so
 * `dj-value-id="3"` passes `z.number()`. The retry's output is used when it passes; otherwise
 * its issues are returned (those coercion could not fix), or the first answer's when nothing
 * was coerced. A refusal with an issue coercion cannot fix (no path, or no form string there)
 * is not retried: it would fail again. Throws (or rejects) what the schema throws. The caller
 * bounds the work first (`countValues`, `paramsCost`).
 */
export function checkParams(schema: StandardSchemaV1, params: EventParams): Step<ParamsCheck> {
  const first = schema['~standard'].validate(params);
  return isThenable<StandardSchemaV1.Result<unknown>>(first) ? Promise.resolve(first).then((r) => retry(schema, params, r)) : retry(schema, params, first);
}

function retry(schema: StandardSchemaV1, params: EventParams, first: StandardSchemaV1.Result<unknown>): Step<ParamsCheck> {
  if (!first.issues) return { ok: true, value: first.value };
  // A refusal coercion cannot fix in full fails again: validated once.
  if (!first.issues.every((issue) => coercible(params, issue))) return refused(first.issues);
  const coerced = coerce(params, first.issues);
  if (coerced === null) return refused(first.issues);
  const settle = (second: StandardSchemaV1.Result<unknown>): ParamsCheck => (second.issues ? refused(second.issues) : { ok: true, value: second.value });
  const second = schema['~standard'].validate(coerced);
  return isThenable<StandardSchemaV1.Result<unknown>>(second) ? Promise.resolve(second).then(settle) : settle(second);
}

/** An issue's path as keys and indexes (`{ key }` segments unwrapped, symbols named). */
function pathOf(issue: StandardSchemaV1.Issue): (string | number)[] {
  const path: (string | number)[] = [];
  for (const segment of issue.path ?? []) {
    const key = typeof segment === 'object' && segment !== null ? segment.key : segment;
    path.push(typeof key === 'number' ? key : String(key));
  }
  return path;
}

/** The issues as the wire carries them: at most MAX_ISSUES, messages cut to MAX_ISSUE_MESSAGE. */
function refused(issues: ReadonlyArray<StandardSchemaV1.Issue>): ParamsCheck {
  const out: ParamsIssue[] = [];
  for (const issue of issues.slice(0, MAX_ISSUES)) {
    const path = pathOf(issue);
    const message = String(issue.message).slice(0, MAX_ISSUE_MESSAGE);
    out.push(path.length > 0 ? { message, path } : { message });
  }
  if (out.length === 0) out.push({ message: 'refused by the schema' });
  return { ok: false, issues: out };
}

/** What a form field's text means, or the text itself. */
function coerced(text: string): JsonValue | undefined {
  if (text === '') return undefined;
  if (text === 'true') return true;
  if (text === 'false') return false;
  if (NUMERIC_RE.test(text)) {
    const n = Number(text);
    if (Number.isFinite(n)) return n;
  }
  return text;
}

/** Whether the value at `issue`'s path is a form string that coercion turns into something else. */
function coercible(params: EventParams, issue: StandardSchemaV1.Issue): boolean {
  const path = pathOf(issue);
  if (path.length === 0) return false;
  let parent: JsonValue = params;
  for (const key of path.slice(0, -1)) {
    if (typeof parent !== 'object' || parent === null) return false;
    parent = (parent as Record<string, JsonValue>)[key] as JsonValue;
  }
  if (typeof parent !== 'object' || parent === null) return false;
  const text = (parent as Record<string, JsonValue>)[path[path.length - 1] as string | number];
  if (typeof text !== 'string') return false;
  const value = coerced(text);
  return value !== text && !(value === undefined && Array.isArray(parent));
}

/** A copy of `params` with the strings at the issues' paths coerced, or null when none changes. */
function coerce(params: EventParams, issues: ReadonlyArray<StandardSchemaV1.Issue>): EventParams | null {
  let copy: EventParams | null = null;
  for (const issue of issues) {
    const path = pathOf(issue);
    if (path.length === 0) continue;
    let parent: JsonValue = copy ?? params;
    for (const key of path.slice(0, -1)) {
      parent = typeof parent === 'object' && parent !== null ? ((parent as Record<string, JsonValue>)[key] as JsonValue) : null;
    }
    const last = path[path.length - 1] as string | number;
    if (typeof parent !== 'object' || parent === null) continue;
    const text = (parent as Record<string, JsonValue>)[last];
    if (typeof text !== 'string') continue;
    const value = coerced(text);
    if (value === text || (value === undefined && Array.isArray(parent))) continue;
    if (copy === null) {
      copy = structuredClone(params);
      parent = copy;
      for (const key of path.slice(0, -1)) parent = (parent as Record<string, JsonValue>)[key] as JsonValue;
    }
    if (value === undefined) delete (parent as Record<string, JsonValue>)[last];
    else (parent as Record<string, JsonValue>)[last] = value;
  }
  return copy;
}
