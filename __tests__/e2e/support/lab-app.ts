import path from 'node:path';
import express from 'express';
import { z } from 'zod';
import { djustLite, eventHandler, LiveView, type DjustLite, type DjustLiteOptions } from '../../../lib';
import { gate } from './gate';

/** Templates of the lab app: `layout.njk` (shared by /lab and /lab/other) and `solo.njk` (its own). */
export const LAB_VIEWS = path.join(__dirname, 'lab-views');

/** Holds the `slow` handler until the test lets it go (see gate.ts). */
export const slowGate = gate();

const Qty = z.object({ qty: z.coerce.number().int().min(1) });
const Ask = z.object({ q: z.string().max(100) });

const text = (value: unknown): string => (typeof value === 'string' ? value.slice(0, 100) : '');

/** Every interaction of issue 17 on one page; each handler leaves a trace the page renders. */
export class LabView extends LiveView {
  static template = 'lab.njk';
  slowDone = 0;
  entered: string[] = [];
  winKeys: string[] = [];
  focusLog: string[] = [];
  searches: string[] = [];
  blurSearches: string[] = [];
  hookOn = true;
  n = 0;
  qtyText = '';
  qtyCalls = 0;

  mount() {
    this.pageTitle = 'Lab';
  }

  @eventHandler()
  async slow() {
    await slowGate.held;
    this.slowDone += 1;
  }

  @eventHandler()
  enter(params: { key?: unknown; value?: unknown }) {
    this.entered = [...this.entered, `${text(params.key)}:${text(params.value)}`];
  }

  @eventHandler()
  winKey(params: { key?: unknown }) {
    this.winKeys = [...this.winKeys, text(params.key)];
  }

  @eventHandler()
  focused() {
    this.focusLog = [...this.focusLog, 'focus'];
  }

  @eventHandler()
  blurred(params: { value?: unknown }) {
    this.focusLog = [...this.focusLog, `blur:${text(params.value)}`];
  }

  @eventHandler()
  search(params: { q?: unknown }) {
    this.searches = [...this.searches, text(params.q)];
  }

  @eventHandler()
  searchBlur(params: { q?: unknown }) {
    this.blurSearches = [...this.blurSearches, text(params.q)];
  }

  /** Answers what the view has received so far, for a hook's pushEvent. */
  @eventHandler()
  peek() {
    this.pushReply({ searches: this.searches, blurSearches: this.blurSearches });
  }

  @eventHandler({ params: Ask })
  ask({ q }: z.infer<typeof Ask>) {
    this.pushReply({ answer: q.toUpperCase() });
  }

  @eventHandler()
  bump() {
    this.n += 1;
  }

  @eventHandler()
  ping() {
    this.pushEvent('probe:ping', { n: this.n });
  }

  @eventHandler()
  hookOff() {
    this.hookOn = false;
  }

  @eventHandler({ params: Qty })
  setQty({ qty }: z.infer<typeof Qty>) {
    this.qtyCalls += 1;
    this.qtyText = `${qty} ${typeof qty}`;
  }

  @eventHandler()
  goOther() {
    this.pushNavigate('/lab/other');
  }

  @eventHandler()
  goSolo() {
    this.pushNavigate('/solo');
  }

  @eventHandler()
  goPlain() {
    this.redirect('/plain');
  }
}

/** Another view of the same layout: pushNavigate reaches it without a page load. */
export class OtherView extends LiveView {
  static template = 'other.njk';
  count = 0;

  mount() {
    this.pageTitle = 'Other';
  }

  @eventHandler()
  inc() {
    this.count += 1;
  }
}

/** A live view with a layout of its own: pushNavigate falls back to a page load. */
export class SoloView extends LiveView {
  static template = 'solo.njk';

  mount() {
    this.pageTitle = 'Solo';
  }
}

/** The lab app: same shape as `createDemoApp`; `/plain` is an ordinary Express page. */
export function createLabApp(options: DjustLiteOptions = {}): { app: express.Express; live: DjustLite } {
  const app = express();
  app.get('/plain', (_req, res) => void res.type('html').send('<!doctype html><html><head><title>Plain</title><link rel="icon" href="data:,"></head><body><h1 id="plain">Plain</h1></body></html>'));
  const live = djustLite({ views: LAB_VIEWS, secret: 'djust-lite-e2e-lab-secret-not-for-production', ...options });
  live.route('/lab', LabView, { liveSession: 'lab' }).route('/lab/other', OtherView, { liveSession: 'lab' }).route('/solo', SoloView, { liveSession: 'lab' });
  app.use(live);
  return { app, live };
}
