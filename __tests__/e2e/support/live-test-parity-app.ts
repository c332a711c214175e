import express from 'express';
import { djustLite, LiveView, type DjustLite, type DjustLiteOptions, type JsonObject, type MountContext } from '../../../lib';
import { memoryEnvironment } from '../../helpers/memory-templates';

/** Every event the parity app's handlers received, in order (both the browser's and liveTest's). */
export const parityLog: { event: string; params: JsonObject }[] = [];

/** The event names the fixtures bind; each handler only records what it got. */
const EVENTS = ['outer', 'inner', 'go', 'own', 'w1', 'w2', 'w3', 'k', 'f', 'b', 'save', 'edit', 'field', 'drafting', 'form'];

const TEMPLATES: Record<string, string> = {
  'layout.njk': '<!doctype html><html lang="en"><head><title>Parity</title>{% djust_head %}</head><body><h1>Parity</h1><div dj-root>{{ fixture | safe }}</div>{% djust_scripts %}</body></html>',
};

/**
 * A live page whose region is the HTML of `?case=<name>` (one of `fixtures`): the browser client
 * and liveTest act on the same markup, and `parityLog` records what each one sent.
 */
export function parityApp(fixtures: Record<string, string>): (options: DjustLiteOptions) => { app: express.Express; live: DjustLite } {
  class ParityView extends LiveView {
    static template = 'layout.njk';
    static events = EVENTS;
    fixture = '';

    mount(ctx: MountContext) {
      this.fixture = fixtures[String(ctx.query.case)] ?? '<p>no such case</p>';
    }
  }
  for (const name of EVENTS) {
    Object.defineProperty(ParityView.prototype, name, {
      value(params: JsonObject) {
        parityLog.push({ event: name, params });
      },
    });
  }
  return (options) => {
    const live = djustLite({ env: memoryEnvironment(TEMPLATES), secret: 'djust-lite-e2e-parity-secret-not-for-production', ...options });
    live.route('/parity', ParityView);
    const app = express();
    app.get('/favicon.ico', (_req, res) => void res.status(204).end());
    app.use(live);
    return { app, live };
  };
}
