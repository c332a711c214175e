import nunjucks from 'nunjucks';
import { renderTemplate } from '../../lib/render/fast-render';

/** Templates by name, for extends/include/import. */
const FILES: Record<string, string> = {
  'base.njk': '<html><title>{% block title %}Base{% endblock %}</title><main dj-root>{% block content %}{% endblock %}</main>{% include "foot.njk" %}</html>',
  'foot.njk': '<footer>{{ year }} {{ loop.index if loop else "no loop" }}</footer>',
  'macros.njk': '{% macro badge(n, label="x") %}<b class="{{ label }}">{{ n }}{% for i in [1, 2] %}{{ loop.index }}{% endfor %}</b>{% endmacro %}',
  'child.njk': '{% extends "base.njk" %}{% block title %}{{ title }}{% endblock %}{% block content %}{% for r in rows %}<p>{{ r.id }}:{{ r.name }}</p>{% endfor %}{% endblock %}',
};

/** A loader over FILES (nunjucks' loaders answer null for a name they lack). */
const loader = { getSource: (name: string) => (FILES[name] === undefined ? null : { src: FILES[name] as string, path: name, noCache: false }) };
const env = (autoescape: boolean) => new nunjucks.Environment(loader as unknown as nunjucks.ILoader, { autoescape });

const weird = { toString: () => '<weird & "odd">' };
const CONTEXT = {
  title: 'A <title> & "quotes"',
  year: 2026,
  rows: [{ id: 1, name: 'Ada <b>' }, { id: 2, name: "O'Neil \\ x" }, { id: 3, name: null }, { id: 4 }],
  nums: [0, -0, 1.5, -7, NaN, Infinity, 1e21, 12345678901234567890],
  values: [true, false, '', 'plain', weird, ['a', '<b>'], 10n],
  safe: new nunjucks.runtime.SafeString('<i>safe</i>'),
  nested: [[1, 2], [3], []],
  obj: { a: 1, b: '<2>' },
  fn: (x: number) => `<${x}>`,
};

/** Templates covering what the fast path changes (loop variables, frames, output escaping) and what it passes on. */
const TEMPLATES: Record<string, string> = {
  'loop variables': '{% for r in rows %}{{ loop.index }}/{{ loop.index0 }}/{{ loop.revindex }}/{{ loop.revindex0 }}/{{ loop.first }}/{{ loop.last }}/{{ loop.length }} {% endfor %}',
  'nested loops see their own loop': '{% for xs in nested %}[{% for x in xs %}{{ loop.index }}.{{ x }}{% else %}empty{% endfor %}|{{ loop.index }}]{% endfor %}',
  'values escaped as Nunjucks does': '{% for n in nums %}{{ n }},{% endfor %}{% for v in values %}{{ v }};{% endfor %}{{ title }}{{ missing }}{{ none }}{{ safe }}{{ title | safe }}{{ title | e }}',
  'object and key/value loops': '{% for k, v in obj %}{{ k }}={{ v }}{{ loop.index }} {% endfor %}{% for id, r in [[1, rows[0]], [2, rows[1]]] %}{{ id }}{{ r.name }}{% endfor %}',
  'set inside and outside a loop': '{% set total = 0 %}{% for r in rows %}{% set total = total + r.id %}{% set loopish = loop.index %}{{ total }}{% endfor %}={{ total }}{{ loopish }}',
  'a variable named loop': '{% set loop = "mine" %}{{ loop }}{% for r in rows %}{{ loop.index }}{% endfor %}{{ loop }}',
  'macros, caller and imports': '{% from "macros.njk" import badge %}{{ badge(3) }}{{ badge(title, label="<l>") }}{% macro wrap() %}<w>{{ caller() }}</w>{% endmacro %}{% call wrap() %}{{ title }}{% endcall %}',
  'extends, blocks, include': '{% extends "child.njk" %}',
  'functions and filters': '{{ fn(3) }}{{ rows | length }}{{ title | upper }}{{ rows | join(",", "id") }}{{ "x" if rows else "y" }}{% if rows.length > 2 %}many{% endif %}',
  'include inside a loop': '{% for r in rows %}{% include "foot.njk" %}{% endfor %}',
  // a frame's variables inherit no name (Nunjucks' Object.create(null)): these are unset until set, in frames and loops alike
  'names an object would inherit': '[{{ constructor }}|{{ toString }}|{{ hasOwnProperty }}|{{ __proto__ }}]{% for r in rows %}({{ valueOf }}{% set valueOf = r.id %}{{ valueOf }}{{ constructor }}){% endfor %}{% set toString = "t" %}{% set __proto__ = "p" %}{{ toString }}{{ __proto__ }}{{ isPrototypeOf }}',
};

describe('renderTemplate', () => {
  for (const autoescape of [true, false]) {
    describe(`autoescape ${autoescape}`, () => {
      const e = env(autoescape);
      for (const [name, src] of Object.entries(TEMPLATES)) {
        it(`renders "${name}" exactly as Template.render`, () => {
          const expected = new nunjucks.Template(src, e).render({ ...CONTEXT });
          expect(renderTemplate(new nunjucks.Template(src, e), { ...CONTEXT })).toBe(expected);
          // owned: the context itself is the render's variables (no copy), same output
          expect(renderTemplate(new nunjucks.Template(src, e), { ...CONTEXT }, true)).toBe(expected);
          expect(expected.length).toBeGreaterThan(0);
        });
      }
    });
  }

  it('renders a template loaded by name, twice alike', () => {
    const e = env(true);
    const first = renderTemplate(e.getTemplate('child.njk'), { ...CONTEXT });
    expect(first).toBe(e.render('child.njk', { ...CONTEXT }));
    expect(renderTemplate(e.getTemplate('child.njk'), { ...CONTEXT })).toBe(first);
    expect(first).toContain('<title>A &lt;title&gt; &amp; &quot;quotes&quot;</title>');
  });

  it('an owned context is used in place: a top-level {% set %} writes into it; a context not owned is left alone', () => {
    const e = env(true);
    const src = '{% set shown = title | upper %}{{ shown }}{% block b %}[{{ shown }}]{% endblock %}';
    const owned: Record<string, unknown> = { title: 'x' };
    const copied: Record<string, unknown> = { title: 'x' };
    expect(renderTemplate(new nunjucks.Template(src, e), owned, true)).toBe('X[X]');
    expect(renderTemplate(new nunjucks.Template(src, e), copied)).toBe('X[X]');
    expect(owned.shown).toBe('X');
    expect(copied).toEqual({ title: 'x' });
  });

  it('keeps what a render sets in its frames to that render (no render sees another\'s)', () => {
    const e = env(true);
    const setter = new nunjucks.Template('{% block b %}{% set inner = "i" %}{% for r in rows %}{% set row = r.id %}{% endfor %}{{ inner }}{% endblock %}{% macro m() %}{% set mine = 1 %}{{ mine }}{% endmacro %}{{ m() }}', e);
    const reader = new nunjucks.Template('[{{ inner }}{{ row }}{{ mine }}{{ loop }}]{% for r in rows %}{{ loop.index }}{{ row }}{% endfor %}', e);
    for (let i = 0; i < 3; i += 1) {
      expect(renderTemplate(setter, { ...CONTEXT })).toBe(setter.render({ ...CONTEXT }));
      expect(renderTemplate(reader, { ...CONTEXT })).toBe(reader.render({ ...CONTEXT }));
    }
    expect(renderTemplate(reader, { rows: [{ id: 1 }, { id: 2 }] })).toBe('[]12');
  });

  it('looks names up as Nunjucks does: frames, then the context over a global of the same name, a global, or nothing', () => {
    const e = env(true);
    e.addGlobal('site', 'global-site');
    e.addGlobal('shadowed', 'global');
    const src = '{{ site }}|{{ shadowed }}|{{ missing }}|{{ range(2) | join(",") }}|{% set site = "set" %}{{ site }}|{% for site in [1] %}{{ site }}{% endfor %}|{{ toString | length }}';
    for (const context of [{ shadowed: 'mine' }, { shadowed: undefined }, { shadowed: null, range: () => ['own', 'range'] }, {}]) {
      const expected = new nunjucks.Template(src, e).render({ ...context });
      expect(renderTemplate(new nunjucks.Template(src, e), { ...context })).toBe(expected);
      expect(renderTemplate(new nunjucks.Template(src, e), { ...context }, true)).toBe(expected);
    }
    expect(renderTemplate(new nunjucks.Template('{{ shadowed }}', e), { shadowed: undefined })).toBe('');
    expect(renderTemplate(new nunjucks.Template('{{ shadowed }}', e), {})).toBe('global');
  });

  it('throws the errors Template.render throws: syntax, a throwing function, a missing include, undefined with throwOnUndefined', () => {
    const e = env(true);
    const strict = new nunjucks.Environment(null, { autoescape: true, throwOnUndefined: true });
    const cases: [nunjucks.Environment, string, object][] = [
      [e, '{% for r in rows %}{{ r.id }', {}],
      [e, '{{ boom() }}', { boom: () => { throw new Error('boom inside'); } }],
      [e, '{% include "nope.njk" %}', {}],
      [strict, '{% for r in rows %}{{ r.nothing }}{% endfor %}', { rows: [{}] }],
    ];
    for (const [environment, src, ctx] of cases) {
      let expected: Error | null = null;
      try {
        new nunjucks.Template(src, environment).render(ctx);
      } catch (err) {
        expected = err as Error;
      }
      expect(expected).not.toBeNull();
      expect(() => renderTemplate(new nunjucks.Template(src, environment), ctx)).toThrow((expected as Error).message);
    }
  });
});
