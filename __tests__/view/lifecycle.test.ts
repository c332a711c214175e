import { resolveLogger } from '../../lib/core/logger';
import express from 'express';
import request from 'supertest';
import { djustLite, eventHandler, LiveView, type MountContext } from '../../lib';
import { ViewLifecycle, type Failure } from '../../lib/view/lifecycle';
import { routeEntry } from '../../lib/routes/route-table';
import { viewInternals } from '../../lib/view/live-view';
import type { ServerMessage } from '../../lib/contract/protocol';
import { MemoryPubSub } from '../../lib/pubsub/pubsub';
import { HostServices } from '../../lib/view/view-host';
import { FIXTURE_VIEWS } from '../helpers/server';

const silent = resolveLogger({ warn: () => {}, error: () => {} });

class ItemView extends LiveView {
  static template = 'counter.njk';
  count = 0;
  label = 'start';
  unmounts = 0;

  handleParams(params: Record<string, string>) {
    this.label = `item ${params.id ?? '-'}`;
  }

  unmount() {
    this.unmounts += 1;
  }
}

function lifecycle(host: HostServices | null = null): ViewLifecycle & { view: ItemView } {
  return new ViewLifecycle(routeEntry('/items/:id', ItemView, (t) => t), '/items/1', { id: '1' }, silent, host) as ViewLifecycle & { view: ItemView };
}

const messagesOf = (life: ViewLifecycle): ServerMessage[] => {
  const out: ServerMessage[] = [];
  viewInternals(life.view).metadata.drain(out);
  viewInternals(life.view).flash?.drain(out);
  return out;
};

describe('ViewLifecycle', () => {
  describe('mount', () => {
    it('runs mount, then handleParams for the URL, then the pushPatch chain, and answers the navigate', async () => {
      const life = lifecycle();
      const seen: string[] = [];
      life.view.mount = (ctx: MountContext) => {
        seen.push(`mount ${ctx.url} ${ctx.params.id} ${String(ctx.query.q)}`);
        life.view.pushPatch('/items/2?q=x');
      };
      expect(await life.mount({ connected: true })).toEqual({ type: 'navigate', url: '/items/2?q=x', replace: false });
      expect(seen).toEqual(['mount /items/1 1 undefined']);
      expect([life.url, life.params, life.view.label]).toEqual(['/items/2?q=x', { id: '2' }, 'item 2']);
    });
  });

  describe('change', () => {
    it('restores fields, title, meta, links, flash, URL and pending patch from one snapshot when the handler throws', () => {
      const life = lifecycle();
      life.view.pageTitle = 'Before';
      life.view.putFlash('info', 'kept');
      messagesOf(life);
      const failure = life.change(() => {
        life.view.count = 5;
        (life.view as unknown as Record<string, unknown>).added = true;
        life.view.pageTitle = 'After';
        life.view.pageMeta = { description: 'd' };
        life.view.pageLinks = { canonical: '/c' };
        life.view.putFlash('error', 'should not show');
        life.view.clearFlash('info');
        life.url = '/items/9';
        life.view.pushPatch('/items/3');
        throw new Error('boom');
      }, () => { throw new Error('respond must not run'); }) as Failure;
      expect((failure.error as Error).message).toBe('boom');
      expect(life.view.count).toBe(0);
      expect('added' in life.view).toBe(false);
      expect(life.view.pageTitle).toBe('Before');
      expect(life.view.pageMeta).toEqual({});
      expect(life.view.pageLinks).toEqual({});
      expect(life.view.flash).toEqual({ info: 'kept' });
      expect(life.url).toBe('/items/1');
      expect(life.takePatch()).toBeNull();
      expect(messagesOf(life)).toEqual([]);
    });

    it('makes the flash on first use and, when that change throws, drops it again', () => {
      const life = lifecycle();
      expect(viewInternals(life.view).flash).toBeNull(); // most views never flash: nothing per connection
      expect(life.view.flash).toEqual({});
      const failure = life.change(() => {
        life.view.putFlash('error', 'should not show');
        expect(viewInternals(life.view).flash).not.toBeNull();
        throw new Error('boom');
      }, () => { throw new Error('respond must not run'); }) as Failure;
      expect((failure.error as Error).message).toBe('boom');
      expect(viewInternals(life.view).flash).toBeNull();
      expect(life.view.flash).toEqual({});
      expect(messagesOf(life)).toEqual([]);
      expect(life.change(() => life.view.putFlash('info', 'Saved'), () => {})).toBeUndefined();
      expect(life.view.flash).toEqual({ info: 'Saved' });
      expect(messagesOf(life)).toEqual([{ type: 'flash', action: 'put', level: 'info', message: 'Saved' }]);
    });

    it('sends a clear even from a view that never flashed (the page may show one it carried)', () => {
      const life = lifecycle();
      expect(life.change(() => life.view.clearFlash(), () => {})).toBeUndefined();
      expect(messagesOf(life)).toEqual([{ type: 'flash', action: 'clear' }]);
    });

    it('rolls back when respond (the render) throws, and when an async handler rejects', async () => {
      const life = lifecycle();
      const failure = life.change(() => {
        life.view.putFlash('success', 'saved');
      }, () => { throw new Error('render failed'); });
      expect((failure as Failure).error).toEqual(new Error('render failed'));
      expect(life.view.flash).toEqual({});
      const later = await life.change(async () => {
        life.view.count = 2;
        throw new Error('later');
      }, () => {});
      expect((later as Failure).error).toEqual(new Error('later'));
      expect(life.view.count).toBe(0);
    });

    it('completes a synchronous change synchronously and hands respond the navigate of its patch chain', async () => {
      const life = lifecycle();
      const responded: unknown[] = [];
      expect(life.change(() => { life.view.count = 1; }, (n) => responded.push(n))).toBeUndefined();
      expect(responded).toEqual([null]);
      const patched = life.change(() => life.view.pushPatch('/items/7', { replace: true }), (n) => responded.push(n));
      expect(patched).toBeInstanceOf(Promise);
      expect(await patched).toBeUndefined();
      expect(responded[1]).toEqual({ type: 'navigate', url: '/items/7', replace: true });
      expect(life.view.label).toBe('item 7');
    });

    it('answers a pushPatch outside the route as a failure with DJUST_ERR_INVALID_ROUTE', async () => {
      const life = lifecycle();
      const failure = await life.change(() => life.view.pushPatch('/elsewhere'), () => {});
      expect((failure as Failure).error).toMatchObject({ code: 'DJUST_ERR_INVALID_ROUTE' });
      expect(life.url).toBe('/items/1');
    });
  });

  describe('unmount', () => {
    it('releases the host\'s timers and subscriptions, then runs unmount once', async () => {
      const pubsub = new MemoryPubSub();
      const delivered: unknown[] = [];
      const life = lifecycle(new HostServices(pubsub, { deliver: (m) => delivered.push(m) }));
      life.view.subscribe('topic');
      life.view.sendAfter('late', 5);
      expect(life.view.connected).toBe(true);
      await life.unmount();
      await life.unmount();
      expect(life.view.unmounts).toBe(1);
      expect(life.view.connected).toBe(false);
      expect(pubsub.topicCount).toBe(0);
      expect(pubsub.broadcast('topic', 'x')).toBe(0);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(delivered).toEqual([]);
    });

    it("lets go of a change still waiting on the view's promise: what it would do next never runs, and nothing else holds it", async () => {
      const life = lifecycle();
      let settle!: () => void;
      const handler = new Promise<void>((resolve) => (settle = resolve));
      const responded: unknown[] = [];
      // The response stands for what a live change holds: the connection, its socket, its buffers.
      const held = { socket: 'a connection' };
      const step = life.change(() => handler, () => responded.push(held.socket));
      let outcome = 'pending';
      void Promise.resolve(step).then(() => (outcome = 'settled'));
      await life.unmount();
      settle(); // the slow service answers after the user left
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(responded).toEqual([]);
      expect(outcome).toBe('pending');
      expect(life.view.unmounts).toBe(1);
    });

    it('a change that settles before unmount answers as always', async () => {
      const life = lifecycle();
      const responded: string[] = [];
      const failure = await life.change(() => Promise.resolve(), () => responded.push('answered'));
      expect(failure).toBeUndefined();
      expect(responded).toEqual(['answered']);
    });

    it('logs a failing unmount instead of throwing', async () => {
      const errors: string[] = [];
      const life = new ViewLifecycle(routeEntry('/x', ItemView, (t) => t), '/x', {}, { ...silent, error: (m) => errors.push(m) }, null);
      life.view.unmount = () => { throw new Error('nope'); };
      await expect(life.unmount()).resolves.toBeUndefined();
      expect(errors).toEqual(['djust-lite: ItemView.unmount() failed']);
    });
  });
});

describe('the HTTP render', () => {
  class FailingView extends LiveView {
    static template = 'counter.njk';
    static unmounted = 0;
    static failIn: 'mount' | 'handleParams' | 'render' = 'mount';
    count = 0;
    label = '';

    mount() {
      if (FailingView.failIn === 'mount') throw new Error('mount failed');
    }

    handleParams() {
      if (FailingView.failIn === 'handleParams') throw new Error('handleParams failed');
      if (FailingView.failIn === 'render') (this as unknown as { count: unknown }).count = { toString() { throw new Error('render failed'); } };
    }

    @eventHandler()
    noop() {}

    unmount() {
      FailingView.unmounted += 1;
    }
  }

  it.each(['mount', 'handleParams', 'render'] as const)('unmounts what it mounted when %s throws, and answers 500 through next(err)', async (failIn) => {
    FailingView.failIn = failIn;
    const before = FailingView.unmounted;
    const app = express();
    const live = djustLite({ views: FIXTURE_VIEWS, logger: silent });
    live.route('/failing', FailingView);
    app.use(live);
    const seen: string[] = [];
    app.use((err: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      seen.push(err.message);
      res.status(500).end();
    });
    const res = await request(app).get('/failing');
    expect(res.status).toBe(500);
    expect(seen[0]).toMatch(failIn === 'render' ? /rendering "counter.njk" failed/ : new RegExp(`${failIn} failed`));
    expect(FailingView.unmounted).toBe(before + 1);
    await live.close();
  });

  it('unmounts after a successful render too, and redirects a pushPatch to the end of its chain', async () => {
    class Redirecting extends ItemView {
      static unmounted = 0;
      handleParams(params: Record<string, string>) {
        super.handleParams(params);
        if (params.id === '1') this.pushPatch('/items/2');
        else if (params.id === '2') this.pushPatch('/items/3?from=2');
      }
      unmount() {
        Redirecting.unmounted += 1;
      }
    }
    const app = express();
    const live = djustLite({ views: FIXTURE_VIEWS, logger: silent });
    live.route('/items/:id', Redirecting);
    app.use(live);
    const res = await request(app).get('/items/1');
    expect([res.status, res.headers.location]).toEqual([302, '/items/3?from=2']);
    expect((await request(app).get('/items/3')).status).toBe(200);
    expect(Redirecting.unmounted).toBe(2);
    await live.close();
  });
});

describe('the HTTP render in development', () => {
  class Broken extends LiveView {
    static template = 'counter.njk';
    mount() {
      throw new Error('no <database> today');
    }
  }

  it('answers a failed render with the escaped error page naming the view, and logs it', async () => {
    const previous = process.env.NODE_ENV;
    process.env.NODE_ENV = 'development';
    const errors: string[] = [];
    const live = djustLite({ views: FIXTURE_VIEWS, logger: { ...silent, error: (m) => errors.push(m) } });
    try {
      live.route('/broken', Broken);
      const app = express();
      app.use(live);
      const res = await request(app).get('/broken?x=1');
      expect(res.status).toBe(500);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.text).toContain('no &lt;database&gt; today');
      expect(res.text).toContain('Broken');
      expect(res.text).not.toContain('<database>');
      expect(errors).toEqual(['djust-lite: Broken: the HTTP render of /broken?x=1 failed']);
    } finally {
      process.env.NODE_ENV = previous;
      await live.close();
    }
  });
});
