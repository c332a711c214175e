import { randomBytes } from 'node:crypto';
import path from 'node:path';
import express from 'express';
import { djustLite, eventHandler, LiveView, type DjustLite, type DjustLiteOptions } from '../../../lib';

/** Templates of the forms app (also used by the jsdom form-recovery test). */
export const FORMS_VIEWS = path.join(__dirname, 'views');

/** The policy the forms app sends with every response: no inline script or style, no eval. */
export const strictCsp = (nonce: string): string => `default-src 'self'; script-src 'nonce-${nonce}' 'strict-dynamic'; style-src 'self'`;

const text = (value: unknown): string => (typeof value === 'string' ? value.slice(0, 200) : '');

/** A draft (a dj-change form) the view mirrors in `#seen`, and a counter that titles the tab. */
export class DraftView extends LiveView {
  static template = 'draft.njk';
  title = '';
  body = '';
  count = 0;

  mount() {
    this.pageTitle = 'Draft';
  }

  @eventHandler()
  edit(params: { title?: unknown; body?: unknown }) {
    this.title = text(params.title);
    this.body = text(params.body);
  }

  @eventHandler()
  inc() {
    this.count += 1;
    this.pageTitle = `Draft (${this.count})`;
  }
}

/**
 * An app as a team with a strict Content-Security-Policy writes it: a middleware puts a fresh
 * nonce in `res.locals.cspNonce` (helmet's pattern) and sends {@link strictCsp}; the stylesheet
 * is a file. `{% djust_scripts %}` picks the nonce up by itself. Same shape as `createDemoApp`,
 * with a fixed secret so a restarted server accepts the page's token.
 */
export function createFormsApp(options: DjustLiteOptions = {}): { app: express.Express; live: DjustLite } {
  const app = express();
  app.use((_req, res, next) => {
    const nonce = randomBytes(16).toString('base64');
    res.locals.cspNonce = nonce;
    res.setHeader('Content-Security-Policy', strictCsp(nonce));
    next();
  });
  app.get('/app.css', (_req, res) => void res.type('css').send('.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; }\n[dj-root].dj-disconnected { opacity: .6; }\n'));
  app.get('/favicon.ico', (_req, res) => void res.status(204).end());
  const live = djustLite({ views: FORMS_VIEWS, secret: 'djust-lite-e2e-forms-secret-not-for-production', ...options });
  live.route('/draft', DraftView);
  app.use(live);
  return { app, live };
}
