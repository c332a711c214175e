/**
 * lib/render/development.ts: what djust-lite does in development only — the whole-page notice (server
 * log once per template, browser console on each connection of it) and the template live
 * reload — against real servers and real WebSocket clients, with templates in a temp folder.
 * Production (and `test`, what jest sets) does neither.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LiveView, type DjustLiteOptions } from '../../lib';
import { Development, strayKeyNotice, wholePageNotice } from '../../lib/render/development';
import { strayKeyElement } from '../../lib/render/renderer';
import { resolveLogger } from '../../lib/core/logger';
import { fetchPage } from '../../lib/testing/page';
import { startApp, WsClient, type TestApp } from '../helpers/server';

const SECRET = 'a-development-test-secret-0123456789';

/** Standalone: nothing but dj-root. Wrapped: the same with the one-line fix. */
const STANDALONE = '<title>{{ page_title }}</title><main dj-root><p>{{ n }}</p></main>{% djust_scripts %}';
const WRAPPED = '<title>{{ page_title }}</title>{% block live %}<main dj-root><p>{{ n }}</p></main>{% endblock %}{% djust_scripts %}';

class PlainView extends LiveView {
  static override template = 'plain.njk';
  n = 0;
}
class WrappedView extends LiveView {
  static override template = 'wrapped.njk';
  n = 0;
}

let views: string;
let app: TestApp | undefined;
const clients: WsClient[] = [];
const previousEnv = process.env.NODE_ENV;

/** Starts an app over a fresh views folder with NODE_ENV = `env` (undefined: unset) while djustLite() runs. */
async function start(env: string | undefined, options: DjustLiteOptions = {}) {
  const warnings: string[] = [];
  if (env === undefined) delete process.env.NODE_ENV;
  else process.env.NODE_ENV = env;
  try {
    app = await startApp((live) => live.route('/plain', PlainView).route('/wrapped', WrappedView), {
      views,
      secret: SECRET,
      logger: { debug() {}, warn: (m) => void warnings.push(m), error() {} },
      ...options,
    });
  } finally {
    process.env.NODE_ENV = previousEnv;
  }
  return { app, warnings };
}

async function mount(pathname: string): Promise<WsClient> {
  const client = await WsClient.mount((app as TestApp).base, pathname);
  clients.push(client);
  return client;
}

/** Lets `ms` pass (to show that something did not arrive). */
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeEach(() => {
  views = fs.mkdtempSync(path.join(os.tmpdir(), 'djust-dev-'));
  fs.writeFileSync(path.join(views, 'plain.njk'), STANDALONE);
  fs.writeFileSync(path.join(views, 'wrapped.njk'), WRAPPED);
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await app?.close();
  app = undefined;
  fs.rmSync(views, { recursive: true, force: true });
});

describe('Development', () => {
  describe('whole-page notice', () => {
    for (const env of [undefined, 'development']) {
      it(`NODE_ENV ${env ?? 'unset'}: logs once per template and tells each connection of it, with the fix; a wrapped template is quiet`, async () => {
        const { warnings } = await start(env);
        const first = await mount('/plain');
        const second = await mount('/plain');
        const wrapped = await mount('/wrapped');
        const notice = { type: 'dev', action: 'warn', message: wholePageNotice('plain.njk') };
        // Right after `mounted`, in the same write.
        expect(first.messages.slice(0, 2).map((m) => m.type)).toEqual(['mounted', 'dev']);
        await second.waitFor((m) => m.type === 'dev');
        expect([first.messages.find((m) => m.type === 'dev'), second.messages.find((m) => m.type === 'dev')]).toEqual([notice, notice]);
        expect(warnings.filter((w) => w.includes('re-renders the whole page'))).toEqual([notice.message]);
        expect(notice.message).toContain('{% block live %}<main dj-root>…</main>{% endblock %}');
        await pause(50);
        expect(wrapped.messages.filter((m) => m.type === 'dev')).toEqual([]);
      });
    }

    for (const env of ['production', 'test']) {
      it(`NODE_ENV=${env}: says nothing`, async () => {
        const { warnings } = await start(env);
        const client = await mount('/plain');
        await pause(50);
        expect(client.messages.filter((m) => m.type === 'dev')).toEqual([]);
        expect(warnings.filter((w) => w.includes('whole page'))).toEqual([]);
      });
    }
  });

  describe('dj-key without a key binding', () => {
    const KEYED = '{% block live %}<main dj-root><ul><li dj-key="{{ n }}">a</li></ul><input dj-keydown="send" dj-key="Enter"></main>{% endblock %}{% djust_scripts %}';

    it('finds the first element whose dj-key filters no key binding', () => {
      expect(strayKeyElement('<input dj-keydown="send" dj-key="Enter"><div dj-window-keyup="x" dj-key="Escape">')).toBeNull();
      expect(strayKeyElement('<input dj-keyup="a" dj-key="Enter"><li class="row" dj-key="7">')).toBe('<li class="row" dj-key="7">');
    });

    it('development: logs once per template that the diff keys by id, naming the element and the fix', async () => {
      fs.writeFileSync(path.join(views, 'wrapped.njk'), KEYED);
      const { warnings } = await start('development');
      await mount('/wrapped');
      await mount('/wrapped');
      expect(warnings.filter((w) => w.includes('dj-key'))).toEqual([strayKeyNotice('wrapped.njk', '<li dj-key="0">')]);
      expect(strayKeyNotice('wrapped.njk', '<li dj-key="0">')).toContain('give it an id');
    });

    it('production: says nothing', async () => {
      fs.writeFileSync(path.join(views, 'wrapped.njk'), KEYED);
      const { warnings } = await start('production');
      await mount('/wrapped');
      expect(warnings.filter((w) => w.includes('dj-key'))).toEqual([]);
    });
  });

  describe('live reload', () => {
    it('a changed template reloads the open pages, and the next render shows the new source', async () => {
      await start(undefined);
      const plain = await mount('/plain');
      const wrapped = await mount('/wrapped');
      expect((await fetchPage(app!.base, '/wrapped')).body).toContain('<p>0</p>');
      fs.writeFileSync(path.join(views, 'wrapped.njk'), WRAPPED.replace('<p>{{ n }}</p>', '<p>n = {{ n }}</p>'));
      // Every page reloads: a layout or partial may be part of any of them.
      await wrapped.waitFor((m) => m.type === 'dev' && m.action === 'reload');
      await plain.waitFor((m) => m.type === 'dev' && m.action === 'reload');
      expect((await fetchPage(app!.base, '/wrapped')).body).toContain('<p>n = 0</p>');
      // A fresh connection renders the new source live too (the block plan was forgotten).
      const again = await mount('/wrapped');
      expect(again.region()).toBe('<p>n = 0</p>');
    });

    it('several writes of one save reload once', async () => {
      await start(undefined);
      const client = await mount('/wrapped');
      const file = path.join(views, 'wrapped.njk');
      for (let i = 0; i < 5; i += 1) fs.writeFileSync(file, WRAPPED.replace('{{ n }}', `{{ n }}${i}`));
      await client.waitFor((m) => m.type === 'dev' && m.action === 'reload');
      await pause(200);
      expect(client.messages.filter((m) => m.type === 'dev' && m.action === 'reload')).toHaveLength(1);
    });

    for (const [what, env, options] of [
      ['liveReload: false', undefined, { liveReload: false }],
      ['NODE_ENV=production', 'production', {}],
      ['NODE_ENV=test', 'test', {}],
    ] as const) {
      it(`${what}: nothing is sent`, async () => {
        await start(env, options);
        expect(app!.live.options.liveReload).toBe(false);
        const client = await mount('/wrapped');
        fs.writeFileSync(path.join(views, 'wrapped.njk'), WRAPPED.replace('<p>', '<p class="x">'));
        await pause(300);
        expect(client.messages.filter((m) => m.type === 'dev' && m.action === 'reload')).toEqual([]);
      });
    }

    it('close() stops watching: a later change forgets and reloads nothing', async () => {
      const development = new Development(resolveLogger({ debug() {}, warn() {}, error() {} }, 100));
      let forgotten = 0;
      development.watch([views], () => void (forgotten += 1));
      fs.writeFileSync(path.join(views, 'plain.njk'), `${STANDALONE} `);
      for (let i = 0; i < 100 && forgotten === 0; i += 1) await pause(10);
      expect(forgotten).toBe(1);
      development.close();
      fs.writeFileSync(path.join(views, 'plain.njk'), `${STANDALONE}  `);
      await pause(300);
      expect(forgotten).toBe(1);
    });

    it('a folder that cannot be watched is logged with what to do, and nothing else breaks', () => {
      const warnings: string[] = [];
      const development = new Development(resolveLogger({ debug() {}, warn: (m) => void warnings.push(m), error() {} }, 100));
      development.watch([path.join(views, 'missing')], () => {});
      development.close();
      expect(warnings).toEqual([expect.stringMatching(/cannot watch .*missing for template changes .*liveReload: false/)]);
    });
  });
});
