/**
 * The pieces under LiveComponents without a server: the live_component tag with a
 * ComponentSet (lib/view/component-set.ts) on a real Nunjucks environment, its errors, change
 * tracking and unmount; the markers and segments, and a component's own diff
 * (lib/render/components.ts).
 */
import { ComponentSet } from '../../lib/view/component-set';
import { LiveComponent } from '../../lib/view/live-component';
import { LiveView } from '../../lib/view/live-view';
import { COMPONENTS_KEY, ComponentRegion, joinSegments, segmentsOf, stampComponent, type ComponentOp } from '../../lib/render/components';
import { prepareEnvironment } from '../../lib/render/nunjucks';
import { memoryEnvironment } from '../helpers/memory-templates';

const env = prepareEnvironment(memoryEnvironment({
  'row.njk': '\n<li id="r{{ id }}">{{ label }} {{ n }}</li>\n',
  'text.njk': 'no element',
  'list.njk': '<ul>{% for r in rows %}{% live_component Row, id=r.id, label=r.label %}{% endfor %}</ul>',
}));

const renders: number[] = [];
const unmounted: number[] = [];
class Row extends LiveComponent {
  static override template = 'row.njk';
  id = 0;
  label = '';
  n = 0;
  override update(assigns: Record<string, unknown>) {
    super.update(assigns);
    renders.push(this.id);
  }
  override unmount() {
    unmounted.push(this.id);
  }
}
class Text extends LiveComponent {
  static override template = 'text.njk';
}
class Later extends LiveComponent {
  static override template = 'row.njk';
  override mount() {
    return Promise.resolve() as unknown as void;
  }
}

function setOf(owner = { host: null, componentMarkers: false }): ComponentSet {
  return new ComponentSet(new LiveView(), owner);
}
const render = (set: ComponentSet, template: string, context: Record<string, unknown>) => env.render(template, { ...context, [COMPONENTS_KEY]: set });

beforeEach(() => {
  renders.length = 0;
  unmounted.length = 0;
});

describe('the live_component tag', () => {
  it('renders each component inline with dj-cid on its one root element, trimmed', () => {
    const html = render(setOf(), 'list.njk', { Row, rows: [{ id: 1, label: 'a' }, { id: 2, label: 'b' }] });
    expect(html).toBe('<ul><li dj-cid="1" id="r1">a 0</li><li dj-cid="2" id="r2">b 0</li></ul>');
  });

  it('updates only components whose assigns changed (shallow), and unmounts those not rendered again', () => {
    const set = setOf();
    const rows = [{ id: 1, label: 'a' }, { id: 2, label: 'b' }, { id: 3, label: 'c' }];
    set.beginRender();
    render(set, 'list.njk', { Row, rows });
    set.endRender();
    renders.length = 0;
    set.beginRender();
    const html = render(set, 'list.njk', { Row, rows: [rows[0], { id: 2, label: 'B' }] });
    set.endRender();
    expect(renders).toEqual([2]);
    expect(unmounted).toEqual([3]);
    expect(html).toContain('<li dj-cid="2" id="r2">B 0</li>');
  });

  it('leaves markers during a live render; the segments rebuild the HTML from each component', () => {
    const set = setOf({ host: null, componentMarkers: true });
    const html = render(set, 'list.njk', { Row, rows: [{ id: 1, label: 'a' }] });
    expect(html).toBe('<ul>\uE0001\uE001</ul>');
    const segments = segmentsOf(html);
    expect(segments).toEqual({ statics: ['<ul>', '</ul>'], cids: [1] });
    expect(joinSegments(segments as NonNullable<typeof segments>, (cid) => set.htmlOf(cid))).toBe('<ul><li dj-cid="1" id="r1">a 0</li></ul>');
    expect(segmentsOf('<ul></ul>')).toBeNull();
    expect(() => segmentsOf(render(set, 'list.njk', { Row, rows: [{ id: 1, label: 'a' }, { id: 1, label: 'a' }] }))).toThrow(/rendered twice in one render: .* give each its own id/);
    expect(() => segmentsOf('<p>\uE000x</p>')).toThrow(/U\+E000 outside a live_component tag/);
  });

  it.each([
    ['not a class', { Row: 'Row' }, /X must be a LiveComponent class; got a string/],
    ['a missing class', {}, /got undefined \(is the class in the template context\?/],
    ['a plain function', { Row: function Row() {} }, /the function Row, which does not extend LiveComponent/],
  ])('refuses %s with a message saying what to fix', (_what, context, message) => {
    expect(() => render(setOf(), 'list.njk', { ...context, rows: [{ id: 1, label: 'a' }] })).toThrow(message);
  });

  it('refuses a missing id, a template without a root element, and an async mount', () => {
    expect(() => env.renderString('{% live_component Row %}', { Row, [COMPONENTS_KEY]: setOf() })).toThrow(/id must be a non-empty string or a number, unique among the page's Row components; got undefined/);
    expect(() => env.renderString('{% live_component Text, id=1 %}', { Text, [COMPONENTS_KEY]: setOf() })).toThrow(/Text: a LiveComponent's template must render one root element .* it rendered "no element"/);
    expect(() => env.renderString('{% live_component Later, id=1 %}', { Later, [COMPONENTS_KEY]: setOf() })).toThrow(/Later.mount\(\) returned a promise; .* must be synchronous/);
    expect(() => env.renderString('{% live_component Row, id=1 %}', { Row })).toThrow(/renders only in a LiveView's template/);
  });
});

describe('sendUpdate and renderDirty', () => {
  it("updates the component and renders it alone: ops addressed to its dj-cid, or its whole HTML when the root changes", () => {
    const set = setOf();
    render(set, 'list.njk', { Row, rows: [{ id: 1, label: 'a' }, { id: 2, label: 'b' }] });
    expect(set.sendUpdate(Row, 2, { n: 5 })).toBe(true);
    expect(set.sendUpdate(Row, 9, { n: 5 })).toBe(false);
    expect(set.renderDirty(env)).toEqual([['t', ['2', 0], 'b 5']]);
    expect(set.renderDirty(env)).toEqual([]);
    set.sendUpdate(Row, 1, { id: 7 }); // a new id on the root: the diff replaces the element
    expect(set.renderDirty(env)).toEqual([['r', ['1'], '<li dj-cid="1" id="r7">a 0</li>']]);
  });

  it('stampComponent and ComponentRegion: a change around the root sends the element whole', () => {
    const first = stampComponent('<tr><td>1</td></tr>', 4, 'Row');
    expect(first).toEqual({ html: '<tr dj-cid="4"><td>1</td></tr>', tag: 'tr' });
    const region = new ComponentRegion(first.html, first.tag, 4);
    const out: ComponentOp[] = [];
    region.update('<tr dj-cid="4"><td>2</td></tr>', out);
    expect(out).toEqual([['t', ['4', 0, 0], '2']]);
    out.length = 0;
    region.update('<tr dj-cid="4"><td>2</td></tr><tr><td>x</td></tr>', out);
    expect(out).toEqual([['r', ['4'], '<tr dj-cid="4"><td>2</td></tr><tr><td>x</td></tr>']]);
  });
});
