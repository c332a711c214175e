/**
 * Typed params (issue 17): `@eventHandler({ params: schema })`, `@eventHandler(name, { params })`
 * and `static events = { save: { method, params } }` with Standard Schema objects written by hand
 * (sync and async), over a real server and a real `ws` client (lib/testing). The handler runs with
 * the schema's output, or not at all (`bad_params` with the issues); form strings are coerced.
 */
import express from 'express';
import { djustLite, eventHandler, LiveView, type InferParams, type StandardSchemaV1 } from '../../lib';
import { handlersOf } from '../../lib/view/decorators';
import type { ErrorMessage } from '../../lib/contract/protocol';
import { liveTest, type LiveTestView } from '../../lib/testing';
import { memoryEnvironment } from '../helpers/memory-templates';

type Issue = StandardSchemaV1.Issue;

/** A Standard Schema from a check that returns the output or a list of issues; `async` answers with a promise. */
function schema<Out>(check: (value: Record<string, unknown>) => Out | Issue[], async = false): StandardSchemaV1<unknown, Out> {
  return {
    '~standard': {
      version: 1,
      vendor: 'by-hand',
      validate(value: unknown) {
        const checked = typeof value === 'object' && value !== null ? check(value as Record<string, unknown>) : [{ message: 'an object' }];
        const result: StandardSchemaV1.Result<Out> = Array.isArray(checked) ? { issues: checked } : { value: checked as Out };
        return async ? new Promise((resolve) => setTimeout(() => resolve(result), 5)) : result;
      },
    },
  };
}

/** `{ id: number, title: string (1+ chars), draft?: boolean }`; the output adds `checked: true`. */
const Save = schema((v) => {
  const issues: Issue[] = [];
  if (typeof v.id !== 'number') issues.push({ message: 'Expected number', path: ['id'] });
  if (typeof v.title !== 'string' || v.title.length === 0) issues.push({ message: 'Title required', path: [{ key: 'title' }] });
  if (v.draft !== undefined && typeof v.draft !== 'boolean') issues.push({ message: 'Expected boolean', path: ['draft'] });
  if (issues.length > 0) return issues;
  return { id: v.id as number, title: v.title as string, draft: v.draft === true, checked: true as const };
});
/** `{ rows: [{ qty: number }] }`, async. */
const Rows = schema((v) => {
  const rows = Array.isArray(v.rows) ? (v.rows as unknown[]) : [];
  const issues = rows.flatMap((row, i): Issue[] => (typeof (row as { qty?: unknown }).qty === 'number' ? [] : [{ message: 'Expected number', path: ['rows', i, 'qty'] }]));
  return issues.length > 0 ? issues : { rows: rows as { qty: number }[] };
}, true);
const Throws: StandardSchemaV1 = { '~standard': { version: 1, vendor: 'by-hand', validate: () => { throw new Error('schema bug'); } } };

class EditorView extends LiveView {
  static template = 'editor.njk';
  saved = '';
  calls = 0;

  @eventHandler({ params: Save })
  save(params: InferParams<typeof Save>) {
    this.calls += 1;
    this.saved = JSON.stringify(params);
  }

  @eventHandler('rows:set', { params: Rows })
  setRows({ rows }: { rows: { qty: number }[] }) {
    this.calls += 1;
    this.saved = rows.map((r) => r.qty * 2).join(',');
  }

  @eventHandler({ params: Throws })
  broken() {
    this.calls += 1;
  }

  @eventHandler()
  untyped(params: Record<string, unknown>) {
    this.saved = JSON.stringify(params);
  }
}

/** Plain JavaScript's form: `static events` with `{ method, params }`. */
class PlainView extends LiveView {
  static template = 'editor.njk';
  static events = { save: { method: 'store', params: Save }, plain: 'plain' };
  saved = '';
  calls = 0;
  store(params: unknown) {
    this.calls += 1;
    this.saved = JSON.stringify(params);
  }
  plain() {
    this.calls += 1;
  }
}

const TEMPLATES: Record<string, string> = {
  'editor.njk': '<!doctype html><html><head>{% djust_head %}</head><body><main dj-root><p id="saved">{{ saved }}</p><p id="calls">{{ calls }}</p></main>{% djust_scripts %}</body></html>',
};
const live = djustLite({ env: memoryEnvironment(TEMPLATES), logger: { warn() {}, error() {} } });
live.route('/editor', EditorView).route('/plain', PlainView);
const app = express().use(live);
let view: LiveTestView | null = null;

afterEach(async () => {
  await view?.close();
  view = null;
});
afterAll(() => live.close());

const open = (path = '/editor') => liveTest(app, path, { transport: 'websocket' });
const saved = (v: LiveTestView) => JSON.parse(/<p id="saved">(.*?)<\/p>/.exec(v.html())?.[1]?.replace(/&quot;/g, '"') ?? 'null') as unknown;
const lastError = (v: LiveTestView) => v.messages.filter((m): m is ErrorMessage => m.type === 'error').at(-1);

describe('typed params', () => {
  it('runs the handler with the schema\'s output', async () => {
    view = await open();
    await view.event('save', { id: 3, title: 'Mug', extra: 'dropped by the schema' });
    expect(saved(view)).toEqual({ id: 3, title: 'Mug', draft: false, checked: true });
  });

  it('answers bad_params with the issues, never calls the handler, and leaves the view as it was', async () => {
    view = await open();
    const before = view.html();
    await expect(view.event('save', { id: 'x', title: '' })).rejects.toMatchObject({ code: 'bad_params' });
    expect(lastError(view)).toEqual({
      type: 'error',
      ref: 1,
      code: 'bad_params',
      message: 'EditorView: params of event "save" do not match its schema: id: Expected number (and 1 more).',
      issues: [{ message: 'Expected number', path: ['id'] }, { message: 'Title required', path: ['title'] }],
    });
    expect(view.html()).toBe(before);
  });

  it('coerces form strings at the refused paths and retries once: numbers, booleans, "" removed', async () => {
    view = await open();
    await view.event('save', { id: '42', title: 'Lamp', draft: 'true' });
    expect(saved(view)).toEqual({ id: 42, title: 'Lamp', draft: true, checked: true });
    await view.event('save', { id: '-1.5e1', title: 'Lamp', draft: '' });
    expect(saved(view)).toEqual({ id: -15, title: 'Lamp', draft: false, checked: true });
    await expect(view.event('save', { id: '0x10', title: 'Lamp' })).rejects.toMatchObject({ code: 'bad_params' });
    expect(lastError(view)?.issues).toEqual([{ message: 'Expected number', path: ['id'] }]);
    await expect(view.event('save', { id: '7', title: '' })).rejects.toMatchObject({ code: 'bad_params' });
    expect(lastError(view)?.issues).toEqual([{ message: 'Title required', path: ['title'] }]); // the retry's: id was coerced
  });

  it('waits for an async schema, with nested paths and coercion', async () => {
    view = await open();
    await view.event('rows:set', { rows: [{ qty: 1 }, { qty: '2' }] });
    expect(view.html()).toContain('<p id="saved">2,4</p>');
    await expect(view.event('rows:set', { rows: [{ qty: 'many' }] })).rejects.toMatchObject({ code: 'bad_params' });
    expect(lastError(view)?.issues).toEqual([{ message: 'Expected number', path: ['rows', 0, 'qty'] }]);
    expect(view.html()).toContain('<p id="calls">1</p>');
  });

  it('answers handler_failed when the schema throws, without calling the handler', async () => {
    view = await open();
    await expect(view.event('broken')).rejects.toMatchObject({ code: 'handler_failed' });
    expect(view.html()).toContain('<p id="calls">0</p>');
  });

  it('leaves handlers without a schema as they were', async () => {
    view = await open();
    await view.event('untyped', { id: '3' });
    expect(saved(view)).toEqual({ id: '3' });
    expect(handlersOf(EditorView).schemas?.has('untyped')).toBe(false);
  });

  it('takes { method, params } in static events (plain JavaScript)', async () => {
    view = await open('/plain');
    await view.event('save', { id: '5', title: 'Plain' });
    expect(saved(view)).toEqual({ id: 5, title: 'Plain', draft: false, checked: true });
    await expect(view.event('save', {})).rejects.toMatchObject({ code: 'bad_params' });
    await view.event('plain');
    expect(view.html()).toContain('<p id="calls">2</p>');
  });
});

describe('a bad schema', () => {
  it('is refused when the decorator is made, naming Standard Schema', () => {
    for (const bad of [{}, null, { '~standard': { version: 2, validate() {} } }, { '~standard': { version: 1 } }]) {
      expect(() => eventHandler({ params: bad as never })).toThrow(expect.objectContaining({ code: 'DJUST_ERR_INVALID_ARG', name: 'TypeError', message: expect.stringContaining('eventHandler(options): options.params must be a Standard Schema v1') }));
    }
    expect(() => eventHandler('save', { params: {} as never })).toThrow(/eventHandler\(name, options\): options.params must be a Standard Schema/);
    expect(() => eventHandler('save', 42 as never)).toThrow(/options must be an object/);
  });

  it('in static events is refused when the route is registered', () => {
    class Bad extends LiveView {
      static template = 'editor.njk';
      static events = { save: { method: 'save', params: { parse() {} } as never } };
      save() {}
    }
    expect(() => handlersOf(Bad)).toThrow(expect.objectContaining({ code: 'DJUST_ERR_INVALID_ARG', message: expect.stringContaining('Bad.events["save"]: options.params must be a Standard Schema') }));
  });
});

/** Compile-time checks (run by `npm run typecheck`): the decorated method must take the schema's output. */
export function typeChecks(): unknown {
  const Id = schema((v) => ({ id: Number(v.id) }));
  class Typed extends LiveView {
    static template = 'x.njk';
    @eventHandler({ params: Id }) ok(params: { id: number }) { return params.id; }
    @eventHandler('named', { params: Id }) named({ id }: InferParams<typeof Id>) { return id.toFixed(); }
    @eventHandler({ params: Id }) none() { return 1; }
    // @ts-expect-error the schema gives { id: number }, not { id: string }
    @eventHandler({ params: Id }) wrong(params: { id: string }) { return params.id; }
    // @ts-expect-error a required key the schema does not give
    @eventHandler('other', { params: Id }) missing(params: { id: number; name: string }) { return params.name; }
  }
  return Typed;
}
