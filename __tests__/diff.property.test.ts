/** @jest-environment jsdom */
import fc from 'fast-check';
import { applyPatch } from '../public/patch.js';
import { RegionState } from '../lib/region';
import { html, mutate, mutation, region, type M } from './diff/model';

/** Structure of a DOM subtree: node kinds, names, attributes (sorted), text. */
function canon(node: Node): string {
  if (node.nodeType === 3) return `"${(node as Text).data}"`;
  if (node.nodeType === 8) return `<!--${(node as Comment).data}-->`;
  const el = node as Element;
  const attrs = [...el.attributes].map((a) => `${a.name}=${JSON.stringify(a.value)}`).sort().join(' ');
  return `<${el.nodeName} ${attrs}>[${[...el.childNodes].map(canon).join(',')}]`;
}

const content = (el: Element) => [...el.childNodes].map(canon).join(',');

function expected(markup: string): string {
  const main = document.createElement('main');
  main.innerHTML = markup;
  return content(main);
}

const withAmbiguous = ([nodes, ambiguous]: [M[], string | undefined]): M[] =>
  ambiguous === undefined ? nodes : [...nodes, { k: 'raw', v: ambiguous }];

describe('diff + applyPatch (property)', () => {
  it('patching the DOM of A with update(B) yields the DOM of B (1,000 chains A → B → C)', () => {
    const counts = { ops: 0, html: 0, none: 0 };
    fc.assert(
      fc.property(region, fc.array(mutation, { minLength: 1, maxLength: 3 }), fc.array(mutation, { minLength: 1, maxLength: 3 }), (a, m1, m2) => {
        const first = withAmbiguous(a);
        const second = mutate(first, m1);
        const third = mutate(second, m2);
        document.body.innerHTML = '<main dj-root></main>';
        const root = document.querySelector('main') as Element;
        const state = new RegionState(html(first));
        applyPatch(root, { html: state.html });
        for (const next of [html(second), html(third)]) {
          const patch = state.update(next);
          if (patch === null) counts.none++;
          else if ('ops' in patch) counts.ops++;
          else counts.html++;
          if (patch && !applyPatch(root, patch)) throw new Error(`an op found no node: ${JSON.stringify(patch)}`);
          const got = content(root);
          const want = expected(next);
          if (got !== want) expect(got).toBe(want); // (expect only on failure: it is slow)
        }
      }),
      { numRuns: 1000, seed: 20240607 },
    );
    // the property must exercise ops, not only the fallback
    expect(counts.ops).toBeGreaterThan(800);
    expect(counts.html).toBeGreaterThan(100);
  });
});
