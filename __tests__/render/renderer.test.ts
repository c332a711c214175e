import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createEnvironment } from '../../lib/render/nunjucks';
import { Renderer, type RegionSlot } from '../../lib/render/renderer';
import { FIXTURE_VIEWS } from '../helpers/server';

/** A fresh slot, as a connection's first renderRegion gets one. */
const regionSlot = (): RegionSlot => ({ suffix: undefined, rootTag: '' });

const counter = { template: 'counter.njk', name: 'CounterView' };

describe('Renderer', () => {
  const renderer = new Renderer(createEnvironment(FIXTURE_VIEWS));

  describe('renderPage', () => {
    it('renders the whole page from a template name and a plain context; djust_scripts renders what scripts() returns', () => {
      const html = renderer.renderPage(counter, { count: 3, label: '<b>', page_title: 'Count 3' }, () => '<script data-x></script>');
      expect(html).toContain('<p id="count">3</p><p id="label">&lt;b&gt;</p>');
      expect(html).toContain('<title>Count 3</title>');
      expect(html).toContain('<script data-x></script>');
    });

    it('names the view and template when the page has no dj-root, and when the template throws', () => {
      expect(() => renderer.renderPage({ template: 'no-root.njk', name: 'Bare' }, {}, () => '')).toThrow(/Bare: template "no-root.njk" has no element with the dj-root attribute/);
      expect(() => renderer.renderPage({ template: 'missing.njk', name: 'Gone' }, {}, () => '')).toThrow(expect.objectContaining({ code: 'DJUST_ERR_TEMPLATE', message: expect.stringMatching(/^Gone: rendering "missing.njk" failed/) }));
    });
  });

  describe('renderRegion', () => {
    it('renders only the region, and records the root tag and page suffix in the slot', () => {
      const slot = regionSlot();
      expect(renderer.renderRegion(counter, { count: 1, label: 'a' }, slot)).toBe('<p id="count">1</p><p id="label">a</p>');
      expect(slot.rootTag).toBe('main');
      expect(slot.suffix).toContain('</main>');
    });

    it('hands two slots that show the same region the same string', () => {
      const a = regionSlot();
      const b = regionSlot();
      const first = renderer.renderRegion(counter, { count: 4, label: 'same' }, a);
      const second = renderer.renderRegion(counter, { count: 4, label: 'same' }, b);
      expect(second).toBe(first);
      expect(b.suffix).toBe(a.suffix);
      expect(b.rootTag).toBe('main'); // the template's one string (JS cannot tell strings apart by identity)
    });
  });
});

describe('Renderer debug log', () => {
  it('says why a template\'s live renders render the whole page', () => {
    const lines: string[] = [];
    const dir = mkdtempSync(path.join(tmpdir(), 'djust-render-'));
    try {
      // the layout sets a name outside the block: the block cannot render alone
      writeFileSync(path.join(dir, 'layout.njk'), '{% set n = count %}<main dj-root>{% block content %}{% endblock %}{{ n }}</main>');
      writeFileSync(path.join(dir, 'page.njk'), '{% extends "layout.njk" %}{% block content %}{{ count }}{% endblock %}');
      const renderer = new Renderer(createEnvironment(dir), (m) => lines.push(m));
      expect(renderer.renderRegion({ template: 'page.njk', name: 'Page' }, { count: 2 }, regionSlot())).toBe('22');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(lines.join('\n')).toMatch(/live renders of "page.njk" render the whole page/);
  });
});
