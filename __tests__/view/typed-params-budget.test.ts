/**
 * Typed params a hostile client floods (issue 23, row 1), over a real server and a real `ws`
 * client: params over `maxParamsValues` never reach the schema, a refusal coercion cannot fix is
 * validated once, and the schema's work is charged to the connection's `maxEventsPerSecond`.
 */
import express from 'express';
import { djustLite, eventHandler, LiveView, type StandardSchemaV1 } from '../../lib';
import { countValues, paramsCost } from '../../lib/view/typed-params';
import type { ErrorMessage } from '../../lib/contract/protocol';
import { liveTest, type LiveTestView } from '../../lib/testing';
import { memoryEnvironment } from '../helpers/memory-templates';
import { startApp, WsClient, type TestApp } from '../helpers/server';

let validations = 0;
/** `{ ids: number[] }` with at most 10 ids: one issue per id that is not a number, and one for the length. */
const Ids: StandardSchemaV1<unknown, { ids: number[] }> = {
  '~standard': {
    version: 1,
    vendor: 'by-hand',
    validate(value: unknown) {
      validations += 1;
      const ids = (value as { ids?: unknown }).ids;
      if (!Array.isArray(ids)) return { issues: [{ message: 'Expected array', path: ['ids'] }] };
      const issues: StandardSchemaV1.Issue[] = ids.flatMap((id, i) => (typeof id === 'number' ? [] : [{ message: 'Expected number', path: ['ids', i] }]));
      if (ids.length > 10) issues.push({ message: 'At most 10', path: ['ids'] });
      return issues.length > 0 ? { issues } : { value: { ids: ids as number[] } };
    },
  },
};

class PickView extends LiveView {
  static template = 'pick.njk';
  picked = 0;

  @eventHandler({ params: Ids })
  pick({ ids }: { ids: number[] }) {
    this.picked = ids.length;
  }
}

const TEMPLATES = { 'pick.njk': '<!doctype html><html><head>{% djust_head %}</head><body><main dj-root><p>{{ picked }}</p></main>{% djust_scripts %}</body></html>' };
const quiet = { warn() {}, error() {} };
/** `n` numeric strings of one digit (coercible, and small: 4 bytes each on the wire). */
const strings = (n: number) => Array.from({ length: n }, (_, i) => String(i % 10));

function server(options: { maxEventsPerSecond?: number } = {}) {
  const live = djustLite({ env: memoryEnvironment(TEMPLATES), logger: quiet, ...options });
  live.route('/pick', PickView);
  return { live, app: express().use(live) };
}

let view: LiveTestView | null = null;
afterEach(async () => {
  await view?.close();
  view = null;
});

const lastError = (v: LiveTestView) => v.messages.filter((m): m is ErrorMessage => m.type === 'error').at(-1);

describe('typed params under a flood', () => {
  const { live, app } = server();
  afterAll(() => live.close());

  it('refuses params over maxParamsValues (1000) without running the schema', async () => {
    view = await liveTest(app, '/pick', { transport: 'websocket' });
    validations = 0;
    await expect(view.event('pick', { ids: strings(10_000) })).rejects.toMatchObject({ code: 'bad_params' });
    expect(validations).toBe(0);
    expect(lastError(view)?.issues).toEqual([{ message: expect.stringContaining('more than 1000 values (array elements and object keys, option maxParamsValues)') }]);
  });

  it('validates a refusal coercion cannot fix once', async () => {
    view = await liveTest(app, '/pick', { transport: 'websocket' });
    validations = 0;
    await expect(view.event('pick', { ids: strings(500) })).rejects.toMatchObject({ code: 'bad_params' });
    expect(validations).toBe(1);
  });

  it('still coerces and retries when coercion fixes every issue', async () => {
    view = await liveTest(app, '/pick', { transport: 'websocket' });
    validations = 0;
    await view.event('pick', { ids: ['1', '2', '3'] });
    expect(validations).toBe(2);
    expect(view.html()).toContain('<p>3</p>');
  });
});

describe('typed params are charged to the rate budget', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startApp((live) => void live.route('/pick', PickView), { env: memoryEnvironment(TEMPLATES), logger: quiet, maxEventsPerSecond: 50 });
  });
  afterAll(() => app.close());

  it('a frame of 900 values costs its schema work: the frames right after it are rate_limited', async () => {
    const client = await WsClient.mount(app.base, '/pick');
    try {
      // 900 one-digit strings: under 4 KB, so 1 token by bytes; 57 for the schema's work.
      for (let ref = 1; ref <= 3; ref += 1) client.send({ type: 'event', ref, event: 'pick', params: { ids: strings(899) } });
      const answers = await Promise.all([1, 2, 3].map((ref) => client.waitFor((m) => m.type === 'error' && m.ref === ref)));
      expect(answers.map((m) => (m as ErrorMessage).code)).toEqual(['bad_params', 'rate_limited', 'rate_limited']);
    } finally {
      client.ws.terminate();
    }
  });
});

describe('countValues', () => {
  it('counts elements and keys at every level, and stops past the cap', () => {
    expect(countValues({ a: 1, b: [1, 2, { c: 3 }] }, 100)).toBe(6);
    expect(countValues({ ids: strings(10_000) }, 1000)).toBe(1001);
    expect(paramsCost(1001)).toBe(63);
    expect(paramsCost(0)).toBe(1);
  });
});
