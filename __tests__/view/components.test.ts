/**
 * LiveComponents (lib/view/live-component.ts, component-set.ts, lib/render/components.ts, the
 * component path of lib/connection/mounted-view.ts) on a real app over both transports, driven
 * by liveTest as the browser client drives them: own state and handlers reached by dj-target,
 * change tracking (only changed components render), sendUpdate, sendParent, head and flash,
 * typed params, rollback, unmount.
 */
import express from 'express';
import { djustLite, eventHandler, LiveComponent, LiveView, type DjustLite, type JsonObject, type StandardSchemaV1 } from '../../lib';
import { liveTest, type LiveTestView } from '../../lib/testing';
import { memoryEnvironment } from '../helpers/memory-templates';

const TEMPLATES: Record<string, string> = {
  'layout.njk': '<!doctype html><html><head>{% djust_head %}</head><body>{% djust_flash %}{% block content %}{% endblock %}{% djust_scripts %}</body></html>',
  'list.njk': `{% extends "layout.njk" %}{% block content %}<main dj-root>
<h1>{{ heading }}</h1><p id="info">{{ info }}</p>
<table><tbody id="rows">{% for r in rows %}{% live_component Row, id=r.id, label=r.label %}{% endfor %}</tbody></table>
<button id="rename" dj-click="rename">Rename</button><button id="drop" dj-click="drop">Drop</button><button id="poke" dj-click="poke">Poke</button>
</main>{% endblock %}`,
  'row.njk': `<tr id="row-{{ id }}">{{ seen(id) }}<td class="label">{{ label }}</td><td class="count">{{ count }}</td>
<td><button class="bump" dj-click="bump" dj-target="{{ myself }}" dj-value-by="2">+</button>
<button class="title" dj-click="title" dj-target="{{ myself }}">T</button>
<button class="tell" dj-click="tell" dj-target="{{ myself }}">Tell</button>
<button class="fail" dj-click="fail" dj-target="{{ myself }}">Fail</button>
<a class="sort" dj-click="sort" dj-target="{{ myself }}">Sort</a></td></tr>`,
  'other.njk': '{% extends "layout.njk" %}{% block content %}<main dj-root><h1>Other</h1></main>{% endblock %}',
  'bad-list.njk': '{% extends "layout.njk" %}{% block content %}<main dj-root>{% live_component Missing, id=1 %}</main>{% endblock %}',
  'no-id.njk': '{% extends "layout.njk" %}{% block content %}<main dj-root>{% live_component Row %}</main>{% endblock %}',
  'bare.njk': '{% extends "layout.njk" %}{% block content %}<main dj-root>{% live_component Bare, id=1 %}</main>{% endblock %}',
  'bare-row.njk': 'just text',
};

/** Row renders, by row id (the template's seen() global). */
const renders = new Map<number, number>();
const unmounted: number[] = [];

/** A by-hand Standard Schema: `{ by }` must be a numeric string; the handler gets a number. */
const Step: StandardSchemaV1<unknown, { by: number }> = {
  '~standard': {
    version: 1,
    vendor: 'by-hand',
    validate(value: unknown) {
      const by = Number((value as { by?: unknown }).by);
      return Number.isInteger(by) ? { value: { by } } : { issues: [{ message: 'by must be an integer', path: ['by'] }] };
    },
  },
};

class Row extends LiveComponent {
  static override template = 'row.njk';
  id = 0;
  label = '';
  count = 0;

  @eventHandler({ params: Step })
  bump({ by }: { by: number }) {
    this.count += by;
  }

  @eventHandler()
  title() {
    this.pageTitle = `Row ${this.id}`;
    this.putFlash('info', `row ${this.id} titled`);
  }

  @eventHandler()
  tell() {
    this.sendParent({ from: this.id, count: this.count });
  }

  @eventHandler()
  sort() {
    this.pushPatch('/list?sort=desc');
  }

  @eventHandler()
  fail() {
    this.count = 999;
    throw new Error('boom');
  }

  /** Mounted on the live connection (not for the HTTP render, whose view and components end with it). */
  live = false;

  override mount() {
    this.live = this.connected;
  }

  override unmount() {
    if (this.live) unmounted.push(this.id);
  }
}

class ListView extends LiveView {
  static override template = 'list.njk';
  Row = Row;
  heading = 'Rows';
  info = '';
  rows = [1, 2, 3].map((id) => ({ id, label: `row ${id}` }));

  @eventHandler()
  rename() {
    this.rows = this.rows.map((r) => (r.id === 3 ? { id: 3, label: 'third' } : r));
  }

  @eventHandler()
  drop() {
    this.rows = this.rows.filter((r) => r.id !== 1);
  }

  @eventHandler()
  poke() {
    this.sendUpdate(Row, 2, { count: 100 });
  }

  @eventHandler()
  clear() {
    this.rows = [];
  }

  @eventHandler()
  leave() {
    this.pushNavigate('/other');
  }

  override mount() {
    if (this.connected) this.subscribe('rows');
  }

  override handleParams(_params: Record<string, string>, _url: string, query: Record<string, string | string[]>) {
    if (query.sort === 'desc') this.rows = [...this.rows].sort((a, b) => b.id - a.id);
  }

  override handleInfo(message: unknown) {
    const { from, count, set } = message as { from: number; count: number; set?: boolean };
    if (set) {
      this.sendUpdate(Row, from, { count });
      return;
    }
    this.info = `row ${from} says ${count}`;
  }
}

class OtherView extends LiveView {
  static override template = 'other.njk';
}

class Bare extends LiveComponent {
  static override template = 'bare-row.njk';
}

class ErrorView extends LiveView {
  static override template = 'bad-list.njk';
  Missing = undefined;
}

class NoIdView extends LiveView {
  static override template = 'no-id.njk';
  Row = Row;
}

class BareView extends LiveView {
  static override template = 'bare.njk';
  Bare = Bare;
}

function makeApp(): express.Express {
  const env = memoryEnvironment(TEMPLATES);
  env.addGlobal('seen', (id: number) => {
    renders.set(id, (renders.get(id) ?? 0) + 1);
    return '';
  });
  live = djustLite({ env, logger: { warn() {}, error() {} } });
  live.route('/list', ListView, { liveSession: 'main' }).route('/other', OtherView, { liveSession: 'main' });
  live.route('/bad', ErrorView).route('/no-id', NoIdView).route('/bare', BareView);
  const app = express();
  app.use(live);
  return app;
}

let live: DjustLite;
const app = makeApp();
const text = (view: LiveTestView, selector: string) => view.render(selector);

describe.each(['websocket', 'sse'] as const)('LiveComponents over %s', (transport) => {
  let view: LiveTestView;
  beforeEach(async () => {
    renders.clear();
    unmounted.length = 0;
    view = await liveTest(app, '/list', { transport });
  });
  afterEach(() => view.close());

  it('renders each component inline with its page id, and no marker reaches the page', () => {
    const html = view.html();
    expect(html).toMatch(/<tr dj-cid="\d+" id="row-1">/);
    expect(html).not.toMatch(/[\uE000\uE001]/);
    expect(view.has('#row-3 .label', 'row 3')).toBe(true);
  });

  it("sends a component's event with its dj-target, and only that component renders and is patched", async () => {
    renders.clear();
    const before = view.messages.length;
    const result = await view.element('#row-2 .bump').click();
    expect(result.sent).toEqual([{ event: 'bump', params: { by: '2' }, target: expect.any(Number) }]);
    expect(view.has('#row-2 .count', '2')).toBe(true);
    expect(view.has('#row-1 .count', '0')).toBe(true);
    expect([...renders]).toEqual([[2, 1]]);
    const patch = view.messages.slice(before).find((m) => m.type === 'patch') as { ops: [string, (string | number)[], ...unknown[]][] };
    const cid = String(result.sent[0]?.target);
    expect(patch.ops).toEqual([['t', [cid, 1, 0], '2']]);
  });

  it('keeps component state across parent renders, rendering only components whose assigns changed', async () => {
    await view.element('#row-2 .bump').click();
    renders.clear();
    await view.element('#rename').click();
    expect([...renders]).toEqual([[3, 1]]);
    expect(view.has('#row-3 .label', 'third')).toBe(true);
    expect(view.has('#row-2 .count', '2')).toBe(true);
    await view.element('#row-2 .bump').click();
    await view.element('#rename').click(); // the parent renders again over the row's own update
    expect(view.has('#row-2 .count', '4')).toBe(true);
  });

  it('unmounts a component its parent stops rendering; the others keep their state', async () => {
    await view.element('#row-3 .bump').click();
    await view.element('#drop').click();
    expect(unmounted).toEqual([1]);
    expect(view.has('#row-1')).toBe(false);
    expect(view.has('#row-3 .count', '2')).toBe(true);
  });

  it('unmounts every component when the parent renders none', async () => {
    await view.event('clear');
    expect(unmounted.sort()).toEqual([1, 2, 3]);
    expect(view.has('#row-2')).toBe(false);
  });

  it('sendUpdate from the view updates that component', async () => {
    await view.element('#poke').click();
    expect(view.has('#row-2 .count', '100')).toBe(true);
    expect(view.has('#row-1 .count', '0')).toBe(true);
  });

  it("sendParent reaches the view's handleInfo after the handler", async () => {
    await view.element('#row-2 .bump').click();
    await view.element('#row-2 .tell').click();
    await view.waitFor(() => view.has('#info', 'row 2 says 2'));
    expect(text(view, '#info')).toContain('row 2 says 2');
  });

  it("a component's head and flash calls reach the page", async () => {
    await view.element('#row-3 .title').click();
    expect(view.title).toBe('Row 3');
    expect(view.flash.info).toBe('row 3 titled');
  });

  it("typed params: the component's schema refuses bad params with bad_params", async () => {
    const target = Number(/<tr dj-cid="(\d+)" id="row-1"/.exec(view.html())?.[1]);
    await expect(view.event('bump', { by: 'x' } as JsonObject, target)).rejects.toMatchObject({ code: 'bad_params' });
    await view.event('bump', { by: '5' }, target);
    expect(view.has('#row-1 .count', '5')).toBe(true);
  });

  it('a failing handler leaves the component as it was and answers error', async () => {
    await expect(view.element('#row-1 .fail').click()).rejects.toMatchObject({ code: 'handler_failed' });
    await view.element('#row-1 .bump').click();
    expect(view.has('#row-1 .count', '2')).toBe(true);
  });

  it('sendUpdate from handleInfo reaches a component (a broadcast from outside the view)', async () => {
    live.broadcast('rows', { from: 3, count: 42, set: true });
    await view.waitFor(() => view.has('#row-3 .count', '42'));
    expect(view.has('#row-2 .count', '0')).toBe(true);
  });

  it("a component's pushPatch runs the view's handleParams and the view renders, keeping component state", async () => {
    await view.element('#row-1 .bump').click();
    await view.element('#row-2 .sort').click();
    expect(view.url).toBe('/list?sort=desc');
    expect([...view.html().matchAll(/id="row-(\d)"/g)].map((m) => m[1])).toEqual(['3', '2', '1']);
    expect(view.has('#row-1 .count', '2')).toBe(true);
  });

  it('navigating to another view unmounts the components', async () => {
    await view.event('leave');
    await view.expectNavigate('/other');
    await view.waitFor(() => unmounted.length === 3);
    expect(unmounted.sort()).toEqual([1, 2, 3]);
  });

  it('an event for a component the page no longer shows answers unknown_event', async () => {
    const target = Number(/<tr dj-cid="(\d+)" id="row-1"/.exec(view.html())?.[1]);
    await view.element('#drop').click();
    await expect(view.event('bump', { by: '1' }, target)).rejects.toMatchObject({ code: 'unknown_event' });
  });
});

