import express from 'express';
import request from 'supertest';
import { djustLite, LiveView, type MountContext } from '../../lib';
import { FIXTURE_VIEWS } from '../helpers/server';

/** Set per jest project (jest.config.js): 5 in `unit`, 4 in `unit-express4`. */
declare const EXPRESS_MAJOR: 4 | 5;

class ItemView extends LiveView {
  static template = 'counter.njk';
  count = 0;
  label = '';
  mount(ctx: MountContext) {
    this.label = `id=${ctx.params.id ?? ''} q=${String(ctx.query.q)} host=${ctx.req?.hostname ?? '(connected)'}`;
  }
}

describe('Express versions', () => {
  it('runs on the Express this jest project maps (Express 4 has req.param, 5 removed it)', () => {
    const major = typeof (express.request as { param?: unknown }).param === 'function' ? 4 : 5;
    expect(major).toBe(EXPRESS_MAJOR);
  });

  it('serves a route with params, query and the Express request in mount', async () => {
    const app = express();
    const live = djustLite({ views: FIXTURE_VIEWS });
    live.route('/item/:id', ItemView);
    app.use(live);
    const res = await request(app).get('/item/42?q=x').expect(200);
    expect(res.text).toContain('id=42 q=x host=127.0.0.1');
    await live.close();
  });

  it('mounts the middleware under a path (app.use("/shop", live)) on both', async () => {
    const app = express();
    const live = djustLite({ views: FIXTURE_VIEWS });
    live.route('/item/:id', ItemView);
    app.use('/shop', live);
    const res = await request(app).get('/shop/item/7').expect(200);
    expect(res.text).toContain('id=7');
    await live.close();
  });
});
