/**
 * Live re-renders of only the block that holds dj-root (lib/render/block-render.ts): the region is
 * always the page's region; the layout is skipped only when that provably cannot change it.
 * A layout global counts how often the layout itself runs.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import fc from 'fast-check';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { findRegion } from '../../lib/render/html';
import { createEnvironment } from '../../lib/render/nunjucks';
import { Renderer, type RegionSlot, type RenderTarget } from '../../lib/render/renderer';

/** A fresh slot, as a connection's first renderRegion gets one. */
const regionSlot = (): RegionSlot => ({ suffix: undefined, rootTag: '' });

const LAYOUT = '<html><head>{% djust_head %}</head><body>{{ layoutRan() }}{% block content %}{% endblock %}<footer>f</footer>{% djust_scripts %}</body></html>';
const PAGE = '{% extends "layout.njk" %}{% block content %}<h1>{{ title }}</h1><main dj-root><p>{{ count }}</p></main>{% endblock %}';

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A renderer over `templates` (name → source), and how many times the layout's body ran. */
function setup(templates: Record<string, string>, options: { noCache?: boolean } = {}) {
  dir = mkdtempSync(path.join(tmpdir(), 'djust-blocks-'));
  for (const [name, source] of Object.entries(templates)) writeFileSync(path.join(dir, name), source);
  const previous = process.env.NODE_ENV;
  if (options.noCache) process.env.NODE_ENV = 'development';
  const env = createEnvironment(dir);
  process.env.NODE_ENV = previous;
  const runs = { layout: 0 };
  env.addGlobal('layoutRan', () => {
    runs.layout += 1;
    return '';
  });
  env.addGlobal('shout', (s: string) => s.toUpperCase());
  return { renderer: new Renderer(env), runs };
}

/** What a live connection hands the renderer: a target, its region slot, and the view's data. */
interface Live {
  target: RenderTarget;
  slot: RegionSlot;
  title: string;
  count: number;
}

function liveView(name = 'Page'): Live {
  return { target: { template: 'page.njk', name }, slot: regionSlot(), title: 'Inbox', count: 0 };
}

const contextOf = (view: Live): Record<string, unknown> => ({ title: view.title, count: view.count });
const renderRegion = (renderer: Renderer, view: Live): string => renderer.renderRegion(view.target, contextOf(view), view.slot);

/** Region of the full page render, for comparison. */
function pageRegion(renderer: Renderer, view: Live): string {
  const html = renderer.renderPage(view.target, contextOf(view), () => '');
  const bounds = findRegion(html);
  return bounds ? html.slice(bounds.start, bounds.end) : '(no region)';
}

/** Renders the region live for counts 0..3: each must equal the page's region; returns layout runs during live renders. */
function liveRenders(renderer: Renderer, runs: { layout: number }): number {
  const view = liveView();
  let live = 0;
  for (let count = 0; count < 4; count += 1) {
    view.count = count;
    const before = runs.layout;
    const region = renderRegion(renderer, view);
    live += runs.layout - before;
    expect(region).toBe(pageRegion(renderer, view));
  }
  return live;
}

describe('live re-renders of the dj-root block', () => {
  it('render only the block once the first live render proved it: the layout runs once, not per update', () => {
    const { renderer, runs } = setup({ 'layout.njk': LAYOUT, 'page.njk': PAGE });
    expect(liveRenders(renderer, runs)).toBe(1);
  });

  it('keep super() and nested blocks working', () => {
    const { renderer, runs } = setup({
      'layout.njk': '{{ layoutRan() }}<body>{% block content %}<nav>base</nav>{% block inner %}{% endblock %}{% endblock %}</body>',
      'page.njk': '{% extends "layout.njk" %}{% block content %}{{ super() }}<main dj-root>{% block inner %}<p>{{ count }}</p>{% endblock %}</main>{% endblock %}',
    });
    expect(liveRenders(renderer, runs)).toBe(1);
  });

  it('go through a middle template of the chain', () => {
    const { renderer, runs } = setup({
      'layout.njk': LAYOUT,
      'section.njk': '{% extends "layout.njk" %}{% block content %}<section>{% block section %}{% endblock %}</section>{% endblock %}',
      'page.njk': '{% extends "section.njk" %}{% block section %}<main dj-root>{{ count }}</main>{% endblock %}',
    });
    expect(liveRenders(renderer, runs)).toBe(1);
  });

  it('render the block alone when the layout wraps it in the dj-root element, with only whitespace between', () => {
    const { renderer, runs } = setup({
      'layout.njk': '<body>{{ layoutRan() }}<nav>n</nav><main class="box" data-x=\'a>b\' dj-root>\n  {% block content %}{% endblock %}\n</main><footer>f</footer></body>',
      'page.njk': '{% extends "layout.njk" %}{% block content %}<p>{{ count }}</p>{% endblock %}',
    });
    expect(liveRenders(renderer, runs)).toBe(1);
  });

  it('know the dj-root tag of a wrapping layout (a <tbody> region diffs as rows)', () => {
    const { renderer } = setup({
      'layout.njk': '<table><tbody dj-root>{% block rows %}{% endblock %}</tbody></table>',
      'page.njk': '{% extends "layout.njk" %}{% block rows %}<tr><td>{{ count }}</td></tr>{% endblock %}',
    });
    const first = liveView();
    const second = liveView();
    expect(renderRegion(renderer, first)).toBe('<tr><td>0</td></tr>');
    expect(renderRegion(renderer, second)).toBe('<tr><td>0</td></tr>');
    expect([first.slot.rootTag, second.slot.rootTag]).toEqual(['tbody', 'tbody']);
  });

  const fallbacks: [string, Record<string, string>][] = [
    ['the layout writes a value between the dj-root tag and the block', {
      'layout.njk': '{{ layoutRan() }}<main dj-root>{{ "sale" if count > 1 else "" }}{% block content %}{% endblock %}</main>',
      'page.njk': '{% extends "layout.njk" %}{% block content %}<p>{{ count }}</p>{% endblock %}',
    }],
    ['the layout has more than the block inside the dj-root element', {
      'layout.njk': '{{ layoutRan() }}<main dj-root>{% block content %}{% endblock %}<aside>a</aside></main>',
      'page.njk': '{% extends "layout.njk" %}{% block content %}<p>{{ count }}</p>{% endblock %}',
    }],
    ['the page imports a macro at its top level', {
      'macros.njk': '{% macro big(x) %}<b>{{ x }}</b>{% endmacro %}',
      'layout.njk': LAYOUT,
      'page.njk': '{% extends "layout.njk" %}{% from "macros.njk" import big %}{% block content %}<main dj-root>{{ big(count) }}</main>{% endblock %}',
    }],
    ['the layout sets a variable the block reads', {
      'layout.njk': '{% set who = "layout" %}{{ layoutRan() }}<body>{% block content %}{% endblock %}</body>',
      'page.njk': '{% extends "layout.njk" %}{% block content %}<main dj-root>{{ who }} {{ count }}</main>{% endblock %}',
    }],
    ['the layout sets a variable that reads the same on the first render and differs later', {
      'layout.njk': '{% set mark = "!" if count > 1 else "" %}{{ layoutRan() }}<body>{% block content %}{% endblock %}</body>',
      'page.njk': '{% extends "layout.njk" %}{% block content %}<main dj-root>{{ count }}{{ mark }}</main>{% endblock %}',
    }],
    ['the page defines a macro at its top level', {
      'layout.njk': LAYOUT,
      'page.njk': '{% extends "layout.njk" %}{% macro em(x) %}<em>{{ x }}</em>{% endmacro %}{% block content %}<main dj-root>{{ em(count) }}</main>{% endblock %}',
    }],
    ['the layout renders the block inside an if', {
      'layout.njk': '{{ layoutRan() }}<body>{% if count < 2 %}{% block content %}{% endblock %}{% else %}<main dj-root>many</main>{% endif %}</body>',
      'page.njk': PAGE,
    }],
    ['the page computes something at its top level', {
      'layout.njk': LAYOUT,
      'page.njk': '{% extends "layout.njk" %}{% set label = shout("n") %}{% block content %}<main dj-root>{{ label }}{{ count }}</main>{% endblock %}',
    }],
    ['the template extends nothing and has no block around dj-root', {
      'page.njk': '{{ layoutRan() }}<body><main dj-root>{{ count }}</main></body>',
    }],
  ];
  it.each(fallbacks)('render the whole page when %s, and the region is still right', (_why, templates) => {
    const { renderer, runs } = setup(templates);
    expect(liveRenders(renderer, runs)).toBe(4);
  });

  it('render only the block around dj-root in a template that extends nothing (the fix the development warning gives)', () => {
    const { renderer, runs } = setup({ 'page.njk': '{{ layoutRan() }}<body>{% block live %}<main dj-root>{{ count }}</main>{% endblock %}</body>' });
    expect(liveRenders(renderer, runs)).toBe(1);
  });

  it('render the whole page in development (templates reload)', () => {
    const { renderer, runs } = setup({ 'layout.njk': LAYOUT, 'page.njk': PAGE }, { noCache: true });
    expect(liveRenders(renderer, runs)).toBe(4);
  });

  it('report a template error from the block with the view and template named', () => {
    const { renderer } = setup({ 'layout.njk': LAYOUT, 'page.njk': '{% extends "layout.njk" %}{% block content %}<main dj-root>{{ count.toFixed(1) }}</main>{% endblock %}' });
    const view = liveView('Broken');
    expect(renderRegion(renderer, view)).toBe('0.0');
    (view as unknown as { count: unknown }).count = null;
    expect(() => renderRegion(renderer, view)).toThrow(/Broken: rendering "page.njk" failed/);
  });
});

describe('live re-renders of the dj-root block (property)', () => {
  /** Layout pieces: plain text, names defined, control flow, and where the content block is called. */
  const layoutPiece = fc.constantFrom(
    '<nav>n</nav>',
    '\n',
    '{% set v = count * 2 %}',
    '{% set v = "x" if count > 1 else "" %}',
    '{% if count > 1 %}<i>many</i>{% endif %}',
    '{{ layoutRan() }}',
    '{% macro em(x) %}<em>{{ x }}</em>{% endmacro %}',
    '{% for i in [1, 2] %}{{ i }}{% endfor %}',
  );
  const callSite = fc.constantFrom(
    '{% block content %}{% endblock %}',
    '<main dj-root>\n{% block content %}{% endblock %}\n</main>',
    '<main dj-root>{% block content %}{% endblock %}<aside>a</aside></main>',
    '<main dj-root>{{ v }}{% block content %}{% endblock %}</main>',
    '{% block body %}<div>{% block content %}{% endblock %}</div>{% endblock %}',
    '{% block body %}{% set v = 7 %}{% block content %}{% endblock %}{% endblock %}',
    '{% block body %}{% set v = "z" if count == 3 else "" %}{% block content %}{% endblock %}{% endblock %}',
    '{% if count < 2 %}{% block content %}{% endblock %}{% else %}<main dj-root>other</main>{% endif %}',
  );
  const pageTop = fc.constantFrom('', '{% set v = count + 1 %}', '{% set v = "y" if count > 2 else "" %}', '{% from "macros.njk" import em %}', '{% macro em(x) %}<b>{{ x }}</b>{% endmacro %}');
  const blockBody = fc.constantFrom(
    '<main dj-root><p>{{ count }}</p>{{ v }}</main>',
    '<main dj-root>{{ em(count) if em else count }}</main>',
    '<p>{{ count }}{{ v }}</p>',
    '<h1>t</h1><main dj-root>{% if count > 2 %}<b>{{ count }}</b>{% else %}{{ count }}{% endif %}</main>',
    '{{ super() }}<main dj-root>{{ count }}</main>',
  );

  it('the live region equals the page region for every state, whatever the templates (300 template pairs × 4 states)', () => {
    let planned = 0;
    fc.assert(
      fc.property(fc.array(layoutPiece, { maxLength: 3 }), callSite, fc.array(layoutPiece, { maxLength: 2 }), pageTop, blockBody, (head, call, tail, top, body) => {
        const { renderer, runs } = setup({
          'macros.njk': '{% macro em(x) %}<u>{{ x }}</u>{% endmacro %}',
          'layout.njk': `<html><body>${head.join('')}${call}${tail.join('')}</body></html>`,
          'page.njk': `{% extends "layout.njk" %}${top}{% block content %}${body}{% endblock %}`,
        });
        const view = liveView();
        let live = 0;
        for (let count = 0; count < 4; count += 1) {
          view.count = count;
          let want: string | Error;
          try {
            want = pageRegion(renderer, view);
          } catch (err) {
            want = err as Error;
          }
          if (want === '(no region)' || want instanceof Error) {
            expect(() => renderRegion(renderer, view)).toThrow();
            continue;
          }
          const before = runs.layout;
          const got = renderRegion(renderer, view);
          live += runs.layout - before;
          if (got !== want) expect(got).toBe(want);
        }
        if (head.concat(tail).includes('{{ layoutRan() }}') && live <= 1) planned += 1;
        rmSync(dir, { recursive: true, force: true });
      }),
      { numRuns: 300, seed: 42 },
    );
    // the property must reach block renders, not only whole-page ones
    expect(planned).toBeGreaterThan(10);
  });
});
