/**
 * The test clock (lib/testing/clock.ts), the `clock` option of djustLite() that views'
 * `sendAfter` runs on (lib/core/clock.ts, lib/view/view-host.ts), and `view.advance(ms)` of liveTest.
 */
import express from 'express';
import { djustLite, eventHandler, LiveView, type DjustLite } from '../../lib';
import { liveTest, testClock, TestClock, type LiveTestView } from '../../lib/testing';
import { memoryEnvironment } from '../helpers/memory-templates';

describe('TestClock', () => {
  it('fires the timers due by then, in time order, those due together in the order set', () => {
    const clock = testClock();
    const fired: string[] = [];
    clock.setTimeout(() => fired.push('b@20'), 20);
    clock.setTimeout(() => fired.push('a@10'), 10);
    clock.setTimeout(() => fired.push('c@20'), 20);
    clock.setTimeout(() => fired.push('d@30'), 30);
    clock.advance(25);
    expect(fired).toEqual(['a@10', 'b@20', 'c@20']);
    expect(clock.now).toBe(25);
    expect(clock.pending).toBe(1);
    clock.advance(5);
    expect(fired).toEqual(['a@10', 'b@20', 'c@20', 'd@30']);
  });

  it('a timer set by a firing one fires in the same advance when due by its end; cancelled ones never fire', () => {
    const clock = testClock();
    const ticks: number[] = [];
    const tick = (): void => {
      ticks.push(clock.now);
      clock.setTimeout(tick, 1000);
    };
    clock.setTimeout(tick, 1000);
    const cancelled = clock.setTimeout(() => ticks.push(-1), 1500);
    clock.clearTimeout(cancelled);
    clock.clearTimeout(cancelled); // twice: nothing happens
    clock.advance(3500);
    expect(ticks).toEqual([1000, 2000, 3000]);
  });

  it('a timer cancelled by another due at the same time does not fire', () => {
    const clock = testClock();
    const fired: string[] = [];
    let second = 0;
    clock.setTimeout(() => {
      fired.push('first');
      clock.clearTimeout(second);
    }, 5);
    second = clock.setTimeout(() => fired.push('second'), 5);
    clock.advance(5);
    expect(fired).toEqual(['first']);
  });

  it('refuses a bad ms, and stops a timer that keeps setting itself with 0 ms', () => {
    const clock = testClock();
    expect(() => clock.advance(-1)).toThrow(/advance\(ms\): ms must be a finite number of milliseconds ≥ 0, got -1/);
    expect(() => clock.advance(Number.POSITIVE_INFINITY)).toThrow(TypeError);
    const again = (): void => void clock.setTimeout(again, 0);
    clock.setTimeout(again, 0);
    expect(() => clock.advance(1)).toThrow(/over 10000 timers fired in one advance, stuck at 0 ms/);
  });
});

const TEMPLATES: Record<string, string> = {
  'layout.njk': '<!doctype html><html><head>{% djust_head %}</head><body>{% block content %}{% endblock %}{% djust_scripts %}</body></html>',
  'toast.njk': '{% extends "layout.njk" %}{% block content %}<div dj-root><button id="save" dj-click="save">Save</button>' +
    '{% if toast %}<p class="toast">{{ toast }}</p>{% endif %}<p id="ticks">{{ ticks }}</p></div>{% endblock %}',
};

class ToastView extends LiveView {
  static template = 'toast.njk';
  toast = '';
  ticks = 0;

  mount(ctx: { connected: boolean; query: Record<string, unknown> }) {
    if (ctx.connected && ctx.query.tick === '1') this.sendAfter('tick', 1000);
  }

  @eventHandler()
  save() {
    this.toast = 'Saved!';
    this.sendAfter('hide', 3000);
  }

  handleInfo(message: unknown) {
    if (message === 'hide') this.toast = '';
    if (message === 'tick') {
      this.ticks += 1;
      this.sendAfter('tick', 1000); // a ticking clock
    }
  }
}

function makeApp(clock?: TestClock): { app: express.Express; live: DjustLite } {
  const live = djustLite({ env: memoryEnvironment(TEMPLATES), logger: { warn() {}, error() {} }, ...(clock && { clock }) });
  live.route('/toast', ToastView);
  const app = express();
  app.use(live);
  return { app, live };
}

describe('djustLite({ clock }) and view.advance(ms)', () => {
  const views: LiveTestView[] = [];
  const lives: DjustLite[] = [];
  afterEach(async () => {
    await Promise.all(views.splice(0).map((v) => v.close()));
    await Promise.all(lives.splice(0).map((l) => l.close()));
  });

  async function open(clock: TestClock | undefined, path: string, transport: 'sse' | 'websocket' = 'sse'): Promise<LiveTestView> {
    const { app, live } = makeApp(clock);
    lives.push(live);
    const view = await liveTest(app, path, { transport, clock });
    views.push(view);
    return view;
  }

  it.each(['sse', 'websocket'] as const)('sendAfter waits on the clock; advance fires it and waits for its render (%s)', async (transport) => {
    const clock = testClock();
    const view = await open(clock, '/toast', transport);
    await view.element('#save').click();
    expect(clock.pending).toBe(1);
    const early = await view.advance(2999);
    expect(early).toMatchObject({ fired: 0, messages: [] });
    expect(view.has('.toast', 'Saved!')).toBe(true);
    const after = await view.advance(1);
    expect(after.fired).toBe(1);
    expect(after.messages.map((m) => m.type)).toEqual(['patch']);
    expect(after.html).not.toContain('toast');
    expect(view.has('.toast')).toBe(false);
    expect(clock.now).toBe(3000);
  });

  it('a handler that sets its timer again ticks once per interval within one advance', async () => {
    const clock = testClock();
    const view = await open(clock, '/toast?tick=1');
    const result = await view.advance(3500);
    expect(result.fired).toBe(3);
    expect(view.render('#ticks')).toBe('<p id="ticks">3</p>');
    expect(clock.now).toBe(3500);
    await view.advance(500);
    expect(view.render('#ticks')).toBe('<p id="ticks">4</p>');
  });

  it('a view that unmounts cancels its timers on the clock', async () => {
    const clock = testClock();
    const view = await open(clock, '/toast?tick=1');
    expect(clock.pending).toBe(1);
    await view.close();
    const deadline = Date.now() + 2000;
    while (clock.pending > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(clock.pending).toBe(0);
  });

  it('without the clock option, advance() says how to give one; a wrong clock is refused', async () => {
    const view = await open(undefined, '/toast');
    await expect(view.advance(10)).rejects.toThrow(/this view has no clock\. Give the app a testClock\(\) \(djustLite\(\{ clock \}\)\) and the same clock to liveTest/);
    const { app } = makeApp();
    await expect(liveTest(app, '/toast', { clock: {} as TestClock })).rejects.toThrow(/option "clock" must be a testClock\(\)/);
    expect(() => djustLite({ clock: 5 as never })).toThrow(/option "clock" must be an object with setTimeout\(fire, ms\) and clearTimeout\(timer\) methods/);
  });
});
