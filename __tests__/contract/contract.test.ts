/** @jest-environment jsdom */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import * as server from '../../lib/contract/contract';
import { renderFlash, renderHead } from '../../lib/render/nunjucks';
import { assertLinkRel } from '../../lib/view/page-metadata';
import * as client from '../../public/contract.js';
import { applyFlash, flashContainer } from '../../public/flash.js';
import { applyPageMetadata, snapshotHead } from '../../public/page-metadata.js';

// CommonJS generator (run by `npm run build:client`).
const { buildContract, CONTRACT_OUT } = require('../../scripts/contract-js.js') as { buildContract(): string; CONTRACT_OUT: string };

const PUBLIC = path.join(__dirname, '..', '..', 'public');

/** Every string literal of the `WireErrorCode` union in lib/core/errors.ts. */
function wireErrorCodes(): Set<string> {
  const source = readFileSync(path.join(__dirname, '..', '..', 'lib', 'core', 'errors.ts'), 'utf8');
  const union = source.slice(source.indexOf('export type WireErrorCode'), source.indexOf(';', source.indexOf('export type WireErrorCode')));
  return new Set([...union.matchAll(/'([a-z_]+)'/g)].map((m) => m[1] as string));
}

describe('Contract', () => {
  describe('public/contract.js', () => {
    it('is generated from lib/contract/contract.ts (run `npm run build:client` after changing it)', () => {
      expect(readFileSync(CONTRACT_OUT, 'utf8')).toBe(buildContract());
    });

    it('says it is generated and is checked by tsc', () => {
      const text = readFileSync(CONTRACT_OUT, 'utf8');
      expect(text.startsWith('// @ts-check\n// generated from lib/contract/contract.ts by scripts/build-client.js — do not edit.\n')).toBe(true);
      expect(text).toContain('@param {string} name');
    });

    it('exports the same names and values as lib/contract/contract.ts', () => {
      expect(Object.keys(client).sort()).toEqual(Object.keys(server).sort());
      for (const [name, value] of Object.entries(server)) {
        const other = (client as Record<string, unknown>)[name];
        if (value instanceof RegExp) expect(String(other)).toBe(String(value));
        else if (typeof value === 'function') expect(String(other).replace(/\s+/g, '')).toBe(String(value).replace(/\s+/g, ''));
        else expect(other).toEqual(value);
      }
    });

    it('is where the client modules get the shared rules: no other client file repeats them', () => {
      const copies = /dj-root|dj-flash-container|dj-flash |og\|twitter|og:|stylesheet\|preload|bad_token|'page_metadata', 'flash'/;
      const offenders = readdirSync(PUBLIC).filter((name) => name.endsWith('.js') && name !== 'contract.js')
        .filter((name) => copies.test(readFileSync(path.join(PUBLIC, name), 'utf8').replace(/^\s*(?:\/\/|\/?\*).*$/gm, '')));
      expect(offenders).toEqual([]);
    });
  });

  describe('meta attribute rule', () => {
    const names = ['description', 'og:title', 'og:image:alt', 'twitter:card', 'twitter:image', 'robots', 'ogre', 'OG:title', 'x-og:title', 'twitter', 'theme-color'];

    it('names the same attribute on both sides', () => {
      expect(names.map(client.metaAttrFor)).toEqual(names.map(server.metaAttrFor));
      expect(names.map(server.metaAttrFor)).toEqual(['name', 'property', 'property', 'property', 'property', 'name', 'name', 'name', 'name', 'name', 'name']);
    });

    it('gives a live meta update the tag {% djust_head %} renders', () => {
      for (const name of names) {
        document.head.innerHTML = '';
        applyPageMetadata(document, { type: 'page_metadata', action: 'meta', name, content: 'c' });
        const rendered = document.createElement('head');
        rendered.innerHTML = renderHead(undefined, { [name]: 'c' });
        expect(document.head.innerHTML).toBe(rendered.innerHTML);
      }
    });
  });

  describe('resource rel rule', () => {
    const rels = ['canonical', 'icon', 'apple-touch-icon', 'alternate', 'manifest', 'stylesheet', 'preload', 'modulepreload', 'prefetch', 'dns-prefetch', 'preconnect', 'prerender', 'Stylesheet', 'PreLoad', 'next'];

    it('is the same regex on both sides', () => {
      expect(rels.map((rel) => client.RESOURCE_REL_RE.test(rel))).toEqual(rels.map((rel) => server.RESOURCE_REL_RE.test(rel)));
    });

    it('the client leaves alone exactly the rels pageLinks refuses', () => {
      const refused = (rel: string) => {
        try {
          assertLinkRel(rel);
          return false;
        } catch {
          return true;
        }
      };
      document.head.innerHTML = rels.map((rel) => `<link rel="${rel}" href="/${rel}">`).join('');
      const seen = snapshotHead(document).h;
      expect(rels.map((rel) => !(`l ${rel.toLowerCase()}` in seen))).toEqual(rels.map(refused));
      expect(rels.filter(refused)).toEqual(['stylesheet', 'preload', 'modulepreload', 'prefetch', 'dns-prefetch', 'preconnect', 'prerender', 'Stylesheet', 'PreLoad']);
    });
  });

  describe('flash markup', () => {
    const cases: Record<string, string>[] = [
      {},
      { info: 'Saved.' },
      { success: 'Changes <saved> & "kept"', error: "It's <script>alert(1)</script>", 'warn-2_x': '\\ back\nslash' },
    ];

    it.each(cases)('the client builds the DOM the server renders for %j', (flash) => {
      document.body.innerHTML = '<main dj-root></main>';
      for (const [level, message] of Object.entries(flash)) applyFlash(document, { type: 'flash', action: 'put', level, message });
      const rendered = document.createElement('div');
      rendered.innerHTML = renderFlash(flash);
      expect(flashContainer(document).outerHTML).toBe(rendered.innerHTML);
    });
  });

  describe('reload codes', () => {
    it('are all wire error codes, the same on both sides', () => {
      const wire = wireErrorCodes();
      expect(wire.size).toBeGreaterThan(10);
      expect(server.RELOAD_CODES.filter((code) => !wire.has(code))).toEqual([]);
      expect(client.RELOAD_CODES).toEqual(server.RELOAD_CODES);
    });
  });
});
