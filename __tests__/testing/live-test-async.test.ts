/**
 * liveTest with async work: `event()` resolves with the handler's response, before the work
 * has finished; `waitFor` sees the result once it is applied; `close()` while the work runs
 * aborts it. Over both transports.
 */
import express from 'express';
import { AsyncResult, djustLite, eventHandler, LiveView, type DjustLite } from '../../lib';
import { liveTest } from '../../lib/testing';
import { memoryEnvironment } from '../helpers/memory-templates';

const TEMPLATES: Record<string, string> = {
  'report.njk': '<!doctype html><html><head>{% djust_head %}</head><body>{% block live %}<main dj-root>' +
    '{% if report.loading %}Building{% elif report.ok %}Report: {{ report.result }}{% endif %}</main>{% endblock %}{% djust_scripts %}</body></html>',
};

let release: (() => void) | null = null;
let signals: AbortSignal[] = [];

class ReportView extends LiveView {
  static override template = 'report.njk';
  report = AsyncResult.ok('none');

  @eventHandler()
  build() {
    this.assignAsync('report', async (signal) => {
      signals.push(signal);
      await new Promise<void>((resolve) => (release = resolve));
      return { report: 'ready' };
    });
  }
}

describe.each(['websocket', 'sse'] as const)('liveTest with async work over %s', (transport) => {
  let live: DjustLite;
  let app: express.Express;

  beforeEach(() => {
    release = null;
    signals = [];
    live = djustLite({ env: memoryEnvironment(TEMPLATES), logger: { warn() {}, error() {} } });
    live.route('/report', ReportView);
    app = express();
    app.use(live);
  });

  afterEach(async () => {
    release?.();
    await live.close();
  });

  it('event() answers with the loading state; waitFor sees the result', async () => {
    const view = await liveTest(app, '/report', { transport });
    expect(view.html()).toContain('Report: none');
    await view.event('build');
    expect(view.html()).toContain('Building');
    await view.waitFor(() => release !== null, 'the work to start');
    release?.();
    await view.waitFor((v) => v.html().includes('Report: ready'), 'the report');
    await view.close();
  });

  it('close() while the work runs aborts its signal', async () => {
    const view = await liveTest(app, '/report', { transport });
    await view.event('build');
    await view.waitFor(() => signals.length === 1, 'the work to start');
    await view.close();
    for (let i = 0; i < 100 && !signals[0]?.aborted; i += 1) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(signals[0]?.aborted).toBe(true);
  });
});
