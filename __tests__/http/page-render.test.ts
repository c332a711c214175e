/** The HTTP render's redirect: a pushPatch during the render answers 302 with the URL encoded as Express's res.location does. */
import http from 'node:http';
import type { MountContext } from '../../lib';
import { startApp, type TestApp } from '../helpers/server';
import { CounterView } from '../helpers/sse-support';

/** Moves to `?q=` + the `to` it was given, once (a page that already has `q` renders). */
class Moving extends CounterView {
  mount(ctx: MountContext) {
    super.mount(ctx);
    if (typeof ctx.query.to === 'string' && ctx.query.q === undefined) this.pushPatch(`/t?q=${ctx.query.to}`);
  }
}

function get(base: string, path: string): Promise<{ status: number; location: string | undefined }> {
  return new Promise((resolve, reject) => {
    http.get(`${base}${path}`, { agent: false }, (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, location: res.headers.location });
    }).on('error', reject);
  });
}

let app: TestApp;
beforeAll(async () => {
  app = await startApp((live) => {
    live.route('/t', Moving);
    live.route('/counter', CounterView);
  }, { logger: { warn: jest.fn(), error: jest.fn() } });
});
afterAll(() => app.close());

describe('PageRender', () => {
  describe('redirect', () => {
    it.each([
      ['€', '/t?q=%E2%82%AC'],
      ['<c>"', '/t?q=%3Cc%3E%22'],
      ['%E2%82%AC', '/t?q=%E2%82%AC'], // an escape already there is kept, not encoded twice
    ])('answers 302 to pushPatch("/t?q=%s") with Location %s, and the Location renders', async (to, location) => {
      const res = await get(app.base, `/t?to=${encodeURIComponent(to)}`);
      expect(res).toEqual({ status: 302, location });
      expect((await get(app.base, location)).status).toBe(200);
      expect((await get(app.base, '/counter')).status).toBe(200);
    });
  });
});

/** The body of a GET. */
function bodyOf(base: string, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http.get(`${base}${path}`, { agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => void (body += chunk));
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

describe('the answer wait the client is given', () => {
  it('is handlerTimeoutMs + 5 s: the client constant for the default, a data-djust-ack-ms attribute otherwise', async () => {
    const { ACK_TIMEOUT_MS } = await import('../../public/constants.js');
    const { OPTIONS } = await import('../../lib/config/options');
    expect(ACK_TIMEOUT_MS).toBe(OPTIONS.handlerTimeoutMs.default + 5000);
    expect(await bodyOf(app.base, '/counter')).not.toContain('data-djust-ack-ms');
    const slow = await startApp((live) => live.route('/counter', CounterView), { handlerTimeoutMs: 60_000 });
    try {
      expect(await bodyOf(slow.base, '/counter')).toMatch(/<script [^>]*data-djust-ack-ms="65000"/);
    } finally {
      await slow.close();
    }
  });
});
