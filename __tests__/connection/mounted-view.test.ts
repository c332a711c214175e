/**
 * lib/connection/mounted-view.ts: one mounted view's jobs, and the departure each returns —
 * the connection learns that a view asked to leave from the return value, nothing else.
 */
import { eventHandler, LiveView, type MountContext } from '../../lib';
import { MountedView } from '../../lib/connection/mounted-view';
import type { ServerMessage } from '../../lib/contract/protocol';
import { resolveLogger } from '../../lib/core/logger';
import { Renderer } from '../../lib/render/renderer';
import { routeEntry } from '../../lib/routes/route-table';
import { ViewLifecycle } from '../../lib/view/lifecycle';
import { memoryEnvironment } from '../helpers/memory-templates';

const TEMPLATES = { 'item.njk': '<html><body><main dj-root><p>{{ id }} {{ n }}</p></main></body></html>' };

class ItemView extends LiveView {
  static template = 'item.njk';
  id = '';
  n = 0;
  mount(ctx: MountContext) {
    this.id = ctx.params.id ?? '';
    if (ctx.query.go) this.pushNavigate(String(ctx.query.go));
  }

  handleParams(params: Record<string, string>) {
    this.id = params.id ?? '';
  }

  @eventHandler()
  inc() {
    this.n += 1;
  }

  @eventHandler()
  go(params: { to?: unknown }) {
    this.n += 1;
    this.pushNavigate(String(params.to), { replace: true });
  }

  @eventHandler()
  async later(params: { to?: unknown }) {
    await Promise.resolve();
    this.pushNavigate(String(params.to));
  }

  @eventHandler()
  goThenFail() {
    this.pushNavigate('/elsewhere');
    throw new Error('after pushNavigate');
  }

  @eventHandler()
  away() {
    this.redirect('/login');
  }
}

const logger = resolveLogger({ warn() {}, error() {} });
const renderer = new Renderer(memoryEnvironment(TEMPLATES));
/** No schema runs here: a budget that allows anything and charges nothing. */
const BUDGET = { maxValues: 1000, charge: () => undefined };

async function mounted(url = '/items/1'): Promise<{ view: MountedView; out: ServerMessage[] }> {
  const life = new ViewLifecycle(routeEntry('/items/:id', ItemView, (t) => t), url, { id: '1' }, logger, null);
  const view = new MountedView(life, renderer, logger, 1234, BUDGET);
  const out: ServerMessage[] = [];
  expect(await view.mount({ session: undefined, connected: true }, out)).toBeNull();
  expect(out[0]).toMatchObject({ type: 'mounted', html: '<p>1 0</p>' });
  return { view, out: [] };
}

describe('MountedView naming a handler in logs', () => {
  it('names a failed or slow handler by its method and event, as method("event")', async () => {
    const errors: string[] = [];
    const events: string[] = [];
    const loud = resolveLogger({ warn() {}, error: (m: string) => void errors.push(m), debug: (m: string) => void events.push(m) }, 0);
    const life = new ViewLifecycle(routeEntry('/items/:id', ItemView, (t) => t), '/items/1', { id: '1' }, loud, null);
    const view = new MountedView(life, renderer, loud, 0, BUDGET);
    await view.mount({ session: undefined, connected: true }, []);
    view.event({ type: 'event', ref: 1, event: 'goThenFail', params: {} }, []);
    view.event({ type: 'event', ref: 2, event: 'inc', params: {} }, []);
    expect(errors).toContain('djust-lite: ItemView.goThenFail("goThenFail") failed');
    expect(events.some((m) => m.startsWith('djust-lite:event ItemView.inc("inc") took '))).toBe(true);
  });
});

describe('MountedView', () => {
  it('keeps the issuedAt it was made with (tokens minted for the views after it keep it)', async () => {
    const { view } = await mounted();
    expect(view.issuedAt).toBe(1234);
  });

  describe('returns the departure', () => {
    it("of a mount that calls pushNavigate", async () => {
      const life = new ViewLifecycle(routeEntry('/items/:id', ItemView, (t) => t), '/items/1?go=%2Fnext', { id: '1' }, logger, null);
      const view = new MountedView(life, renderer, logger, 0, BUDGET);
      const out: ServerMessage[] = [];
      expect(await view.mount({ session: undefined, connected: true }, out)).toEqual({ url: '/next', replace: false });
      expect(out.map((m) => m.type)).toEqual(['mounted']); // the side channel waits for the view that takes over
    });

    it('of a handler that calls pushNavigate, after its patch', async () => {
      const { view, out } = await mounted();
      expect(view.event({ type: 'event', ref: 1, event: 'go', params: { to: '/other' } }, out)).toEqual({ url: '/other', replace: true });
      expect(out).toEqual([expect.objectContaining({ type: 'patch', ref: 1 })]);
    });

    it('of an async handler, when it settles', async () => {
      const { view, out } = await mounted();
      const step = view.event({ type: 'event', ref: 1, event: 'later', params: { to: '/other' } }, out);
      expect(step).toBeInstanceOf(Promise);
      await expect(step).resolves.toEqual({ url: '/other', replace: false });
    });

    it('of a params frame for a path outside its route (replace: the browser pushed the entry already), with its ref', async () => {
      const { view, out } = await mounted();
      expect(view.navigate({ type: 'params', ref: 4, url: '/orders/9', pop: false }, out)).toEqual({ url: '/orders/9', replace: true, ref: 4 });
      expect(out).toEqual([]);
    });
  });

  describe('returns null', () => {
    it('for a handler that stays, a params frame of its own route, and a redirect', async () => {
      const { view, out } = await mounted();
      expect(view.event({ type: 'event', ref: 1, event: 'inc', params: {} }, out)).toBeNull();
      expect(view.navigate({ type: 'params', ref: 2, url: '/Items/2', pop: false }, out)).toBeNull(); // Express ignores letter case: same route
      expect(view.life.params).toEqual({ id: '2' });
      expect(view.event({ type: 'event', ref: 3, event: 'away', params: {} }, out)).toBeNull();
      expect(out).toContainEqual({ type: 'redirect', url: '/login', replace: false });
    });

    it('for a handler that fails after pushNavigate (rolled back: nothing leaves)', async () => {
      const { view, out } = await mounted();
      expect(view.event({ type: 'event', ref: 1, event: 'goThenFail', params: {} }, out)).toBeNull();
      expect(out).toEqual([expect.objectContaining({ type: 'error', ref: 1, code: 'handler_failed', message: 'ItemView.goThenFail("goThenFail") failed; the view keeps its last state. See the server log.' })]);
    });

    it('for an unknown event', async () => {
      const { view, out } = await mounted();
      expect(view.event({ type: 'event', ref: 1, event: 'nope', params: {} }, out)).toBeNull();
      expect(out).toEqual([expect.objectContaining({ type: 'error', code: 'unknown_event' })]);
    });
  });
});
