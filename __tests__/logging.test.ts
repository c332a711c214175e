import { format } from 'node:util';
import createDebug from 'debug';
import express from 'express';
import nunjucks from 'nunjucks';
import request from 'supertest';
import { djustLite, LiveView } from '../lib';
import { resolveLogger } from '../lib/core/logger';
import { liveTest } from '../lib/testing';
import { CounterView } from './fixtures/views';
import { FIXTURE_VIEWS } from './helpers/server';

class SlowView extends CounterView {}

/** Lines the `debug` package writes while `namespaces` are enabled (its own stderr writer replaced). */
async function debugLines(namespaces: string, run: () => Promise<void>): Promise<string[]> {
  const lines: string[] = [];
  const log = createDebug.log;
  createDebug.log = (...args: unknown[]) => void lines.push(format(...args));
  createDebug.enable(namespaces);
  try {
    await run();
  } finally {
    createDebug.disable();
    createDebug.log = log;
  }
  // The debug package starts each line with colour codes or a date; keep namespace onward.
  return lines.map((line) => line.replace(/^.*?(djust-lite:)/, '$1').replace(/\s\+\d+m?s$/, ''));
}

function appWith(options: Parameters<typeof djustLite>[0] = {}) {
  const app = express();
  const live = djustLite({ views: FIXTURE_VIEWS, ...options });
  live.route('/counter', SlowView);
  app.use(live);
  return { app, live };
}

async function session(app: express.Express): Promise<void> {
  const view = await liveTest(app, '/counter', { transport: 'websocket' });
  await view.event('inc');
  await view.event('nope').catch(() => undefined);
  await view.close();
}

describe('Logging', () => {
  describe('DEBUG=djust-lite:* (the debug package, no logger option)', () => {
    it('logs connections, unknown events and the head on their namespaces', async () => {
      const { app, live } = appWith();
      const lines = await debugLines('djust-lite:*', () => session(app));
      await live.close();
      expect(lines).toEqual(expect.arrayContaining([
        'djust-lite:connection SlowView rendered for GET /counter (HTTP)',
        'djust-lite:connection SlowView mounted at /counter',
        'djust-lite:head SlowView: {"type":"page_metadata","action":"title","value":"Counter (1)"} {"type":"page_metadata","action":"meta","name":"og:title","content":"Counter 1"}',
      ]));
      expect(lines.some((l) => l.startsWith('djust-lite:event SlowView: unknown event "nope" (ref 2); handlers: inc,'))).toBe(true);
      expect(lines.some((l) => /^djust-lite:connection SlowView closed at \/counter: /.test(l))).toBe(true);
    });

    it('logs handlers slower than slowHandlerMs, and only those', async () => {
      const { app, live } = appWith({ slowHandlerMs: 250 });
      const lines = await debugLines('djust-lite:event', async () => {
        const view = await liveTest(app, '/counter');
        await view.event('inc');
        await view.event('slow', { ms: 300 });
        await view.close();
      });
      await live.close();
      expect(lines.filter((l) => l.includes(' took '))).toEqual([expect.stringMatching(/^djust-lite:event SlowView\.slow\("slow"\) took \d+\.\d ms \(handler, render and diff; over slowHandlerMs 250\)$/)]);
    });

    it('writes nothing while no namespace is enabled', async () => {
      const { app, live } = appWith();
      const lines = await debugLines('other:*', () => session(app));
      await live.close();
      expect(lines).toEqual([]);
    });
  });

  describe('logger option', () => {
    it('gets every debug line, prefixed with its namespace, when it has debug()', async () => {
      const lines: string[] = [];
      const { app, live } = appWith({ logger: { debug: (m) => lines.push(m), warn() {}, error() {} } });
      await session(app);
      await live.close();
      expect(lines).toContain('djust-lite:connection SlowView mounted at /counter');
      expect(lines.some((l) => l.startsWith('djust-lite:event SlowView: unknown event "nope"'))).toBe(true);
    });

    it('turns every namespace off without debug(), and DEBUG does not reach it', () => {
      createDebug.enable('djust-lite:*');
      try {
        const logger = resolveLogger({ warn() {}, error() {} });
        expect([logger.connection.enabled, logger.event.enabled, logger.refusal.enabled, logger.head.enabled]).toEqual([false, false, false, false]);
        expect(resolveLogger(undefined).event.enabled).toBe(true);
      } finally {
        createDebug.disable();
      }
      expect(resolveLogger(undefined).event.enabled).toBe(false);
    });
  });
});

describe('Mistakes answered clearly', () => {
  const env = process.env.NODE_ENV;
  afterEach(() => {
    process.env.NODE_ENV = env;
  });

  class NoScripts extends LiveView {
    static template = 'no-scripts.njk';
  }
  /** An app serving NoScripts at /static under `nodeEnv`, and the warnings it logs. */
  function staticApp(nodeEnv: string) {
    process.env.NODE_ENV = nodeEnv;
    const warnings: string[] = [];
    const app = express();
    const env = new nunjucks.Environment(new nunjucks.FileSystemLoader(FIXTURE_VIEWS));
    const live = djustLite({ env, secret: 'x'.repeat(32), logger: { warn: (m) => warnings.push(m), error() {} } });
    live.route('/static', NoScripts);
    app.use(live);
    return { app, live, warnings };
  }

  it('warns once per route, in development, that a page without {% djust_scripts %} stays static', async () => {
    const { app, live, warnings } = staticApp('development');
    await request(app).get('/static').expect(200);
    await request(app).get('/static').expect(200);
    expect(warnings).toEqual([
      'djust-lite: the page of live route "/static" (NoScripts, template "no-scripts.njk") has no {% djust_scripts %}, so it never connects and stays static. ' +
        'Add {% djust_scripts %} before </body> (in the template or the layout it extends).',
    ]);
    await live.close();
  });

  it('says nothing of it outside development', async () => {
    const { app, live, warnings } = staticApp('production');
    await request(app).get('/static').expect(200);
    expect(warnings).toEqual([]);
    await live.close();
  });

  it('names every folder searched when a template is missing', async () => {
    class Missing extends LiveView {
      static template = 'missing.njk';
    }
    const app = express();
    const live = djustLite({ views: FIXTURE_VIEWS });
    live.route('/missing', Missing);
    app.use(live);
    let error: Error | undefined;
    app.use((err: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      error = err;
      res.status(500).end();
    });
    await request(app).get('/missing').expect(500);
    expect(error?.message).toContain(`template not found: missing.njk (searched ${FIXTURE_VIEWS}, `);
    expect(error?.message).toMatch(/\/views; check the template name, or the "views" option\)/);
    await live.close();
  });

  it('refuses a pageTitle that is not a string, numbers included', () => {
    const view = new CounterView();
    expect(() => { (view as { pageTitle: unknown }).pageTitle = 42; }).toThrow(expect.objectContaining({
      code: 'DJUST_ERR_INVALID_META',
      message: 'pageTitle must be a string (or undefined/null for none), got the number 42; write it as text, e.g. `Inbox (42)`.',
    }));
    expect(() => { (view as { pageTitle: unknown }).pageTitle = { text: 'x' }; }).toThrow(/pageTitle must be a string .* got object/);
    view.pageMeta = { count: 3 };
    expect(view.pageMeta).toEqual({ count: '3' });
  });
});
