import path from 'node:path';
import express from 'express';
import { djustLite, eventHandler, LiveView, type DjustLite, type DjustLiteOptions } from '../../../lib';
import { gate } from './gate';

/** Templates of the parity app (one page, `parity.njk`). */
export const PARITY_VIEWS = path.join(__dirname, 'parity-views');

/** Holds the `save` handler until the test lets it go (see gate.ts). */
export const saveGate = gate();

const text = (value: unknown): string => (typeof value === 'string' ? value.slice(0, 100) : '');

/** What Phoenix LiveView users try first: a checkbox click, named submitters, a slow save, a flash. */
export class ParityView extends LiveView {
  static template = 'parity.njk';
  agreed = 0;
  clicks = 0;
  title = '';
  saved: string[] = [];

  mount() {
    this.pageTitle = 'Parity';
  }

  @eventHandler()
  agree() {
    this.agreed += 1;
  }

  @eventHandler()
  clicked() {
    this.clicks += 1;
  }

  /** Records `title|action|note`, resets the title and flashes. */
  @eventHandler()
  async save(params: { title?: unknown; action?: unknown; note?: unknown }) {
    await saveGate.held;
    this.saved = [...this.saved, `${text(params.title)}|${text(params.action)}|${text(params.note)}`];
    this.title = '';
    this.putFlash('info', `Saved ${text(params.title)}`);
  }
}

/** The parity app: same shape as `createDemoApp`. */
export function createParityApp(options: DjustLiteOptions = {}): { app: express.Express; live: DjustLite } {
  const app = express();
  const live = djustLite({ views: PARITY_VIEWS, secret: 'djust-lite-e2e-parity-secret-not-for-production', ...options });
  live.route('/parity', ParityView);
  app.use(live);
  return { app, live };
}
