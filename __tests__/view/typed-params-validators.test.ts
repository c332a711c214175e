/**
 * Typed params with the validators users bring — zod, valibot and arktype, through their
 * Standard Schema interface (djust-lite imports none of them): the same view, once per library,
 * over a real server and a real `ws` client. Parsed output reaches the handler; `dj-value-*`
 * strings are coerced where the schema wants numbers or booleans; refusals answer `bad_params`
 * with each library's issues and paths, and the handler never runs. arktype ships ES modules
 * only, which jest's CommonJS runtime cannot load: its case runs in a Node child process
 * (fixtures/arktype-params.ts) through the same check the server runs.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import express from 'express';
import * as v from 'valibot';
import { z } from 'zod';
import { djustLite, eventHandler, LiveView, type StandardSchemaV1 } from '../../lib';
import type { ErrorMessage } from '../../lib/contract/protocol';
import { liveTest, type LiveTestView } from '../../lib/testing';
import { memoryEnvironment } from '../helpers/memory-templates';

/** One product line, as each library writes it: a positive integer id, a quantity 1–9, a gift flag. */
const SCHEMAS: Record<string, StandardSchemaV1> = {
  zod: z.object({ id: z.number().int().positive(), qty: z.number().min(1).max(9), gift: z.boolean().default(false) }),
  valibot: v.object({ id: v.pipe(v.number(), v.integer(), v.minValue(1)), qty: v.pipe(v.number(), v.minValue(1), v.maxValue(9)), gift: v.optional(v.boolean(), false) }),
};

function cartView(schema: StandardSchemaV1): typeof LiveView & { template: string } {
  class CartView extends LiveView {
    static template = 'cart.njk';
    added = '';
    calls = 0;
    @eventHandler({ params: schema })
    add(line: unknown) {
      this.calls += 1;
      this.added = JSON.stringify(line);
    }
  }
  return CartView;
}

const TEMPLATES = { 'cart.njk': '<main dj-root><p id="added">{{ added }}</p><p id="calls">{{ calls }}</p></main>{% djust_scripts %}' };
const live = djustLite({ env: memoryEnvironment(TEMPLATES), logger: { warn() {}, error() {} } });
for (const [name, schema] of Object.entries(SCHEMAS)) live.route(`/${name}`, cartView(schema));
const app = express().use(live);
let view: LiveTestView | null = null;

afterEach(async () => {
  await view?.close();
  view = null;
});
afterAll(() => live.close());

const added = (page: LiveTestView) => JSON.parse(/<p id="added">(.*?)<\/p>/.exec(page.html())?.[1]?.replace(/&quot;/g, '"') || 'null') as unknown;
const calls = (page: LiveTestView) => Number(/<p id="calls">(\d+)<\/p>/.exec(page.html())?.[1]);
const lastError = (page: LiveTestView) => page.messages.filter((m): m is ErrorMessage => m.type === 'error').at(-1);

describe.each(Object.keys(SCHEMAS))('%s', (name) => {
  it('hands the handler the parsed params', async () => {
    view = await liveTest(app, `/${name}`, { transport: 'websocket' });
    await view.event('add', { id: 7, qty: 2, gift: true });
    expect(added(view)).toEqual({ id: 7, qty: 2, gift: true });
  });

  it('coerces dj-value-* strings where the schema wants numbers and booleans', async () => {
    view = await liveTest(app, `/${name}`, { transport: 'websocket' });
    await view.event('add', { id: '7', qty: '3', gift: 'false' });
    expect(added(view)).toEqual({ id: 7, qty: 3, gift: false });
  });

  it('answers bad_params with the library\'s issues at their paths, and never calls the handler', async () => {
    view = await liveTest(app, `/${name}`, { transport: 'websocket' });
    await expect(view.event('add', { id: 'seven', qty: '12' })).rejects.toMatchObject({ code: 'bad_params' });
    const issues = lastError(view)?.issues ?? [];
    expect(issues.map((issue) => issue.path)).toEqual(expect.arrayContaining([['id'], ['qty']]));
    for (const issue of issues) expect(issue.message).toEqual(expect.any(String));
    expect(calls(view)).toBe(0);
  });
});

describe('arktype (in a child process)', () => {
  it('parses, coerces dj-value-* strings and reports issues at their paths, as zod and valibot do', async () => {
    const script = path.join(__dirname, '..', 'fixtures', 'arktype-params.ts');
    const { stdout } = await promisify(execFile)(process.execPath, ['-r', 'ts-node/register/transpile-only', script], { timeout: 60_000 });
    const [parsed, coerced, refused] = JSON.parse(stdout) as [unknown, unknown, { ok: false; issues: { path?: unknown[] }[] }];
    expect(parsed).toEqual({ ok: true, value: { id: 7, qty: 2, gift: true } });
    expect(coerced).toEqual({ ok: true, value: { id: 7, qty: 3, gift: false } });
    expect(refused.ok).toBe(false);
    expect(refused.issues.map((issue) => issue.path)).toEqual(expect.arrayContaining([['id'], ['qty']]));
  });
});
