/**
 * lib/http/page-render.ts: the script tag `{% djust_scripts %}` renders, with a Content-Security-Policy
 * nonce from the tag's `nonce=` argument or, by itself, from `res.locals.cspNonce`.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { djustLite, LiveView } from '../../lib';
import { request } from '../../lib/testing/page';
import { memoryEnvironment } from '../helpers/memory-templates';

const TEMPLATES: Record<string, string> = {
  'plain.njk': '<main dj-root>hi</main>{% djust_scripts %}',
  'argument.njk': '<main dj-root>hi</main>{% djust_scripts nonce=myNonce %}',
  'empty.njk': '<main dj-root>hi</main>{% djust_scripts nonce=missing %}',
};

const view = (template: string) => class extends LiveView {
  static template = template;
  myNonce = 'from-the-template';
};

let server: http.Server;
let base: string;

beforeAll(async () => {
  const app = express();
  app.use((req, res, next) => {
    if (req.query.locals !== undefined) res.locals.cspNonce = String(req.query.locals);
    next();
  });
  const live = djustLite({ env: memoryEnvironment(TEMPLATES) });
  live.route('/plain', view('plain.njk')).route('/argument', view('argument.njk')).route('/empty', view('empty.njk'));
  app.use(live);
  server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** The `<script>` start tag of the page at `path`. */
async function scriptTag(path: string): Promise<string> {
  const { status, body } = await request(base + path);
  expect(status).toBe(200);
  return /<script [^>]*>/.exec(body)?.[0] ?? '';
}

describe('PageRender', () => {
  describe('scripts tag nonce', () => {
    it('has no nonce by default', async () => {
      expect(await scriptTag('/plain')).not.toContain('nonce');
    });

    it('uses res.locals.cspNonce by itself (the helmet pattern), escaped', async () => {
      expect(await scriptTag('/plain?locals=abc%2B%2F%3D')).toContain(' nonce="abc+/=" ');
      expect(await scriptTag('/plain?locals=%22%3E%3Cx')).toContain(' nonce="&quot;&gt;&lt;x" ');
    });

    it('takes `nonce=` from the template, which wins over res.locals', async () => {
      expect(await scriptTag('/argument')).toContain(' nonce="from-the-template" ');
      expect(await scriptTag('/argument?locals=other')).toContain(' nonce="from-the-template" ');
    });

    it('ignores an undefined or empty `nonce=` and falls back to res.locals', async () => {
      expect(await scriptTag('/empty')).not.toContain('nonce');
      expect(await scriptTag('/empty?locals=n1')).toContain(' nonce="n1" ');
    });
  });
});
