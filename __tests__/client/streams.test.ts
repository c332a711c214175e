/** @jest-environment jsdom */
// public/streams.js through applyPatch (docs/streams.md): inserts at the top, bottom and an
// index, updates in place, deletes, limit pruning from the opposite end, reset, and the stream
// children kept across `html` and `r` replacements but not across a `mounted`.
import { applyPatch } from '../../public/patch.js';

const li = (id: string, text = id) => `<li id="${id}">${text}</li>`;

function mount(children: string[]): Element {
  document.body.innerHTML = `<main dj-root><p id="count">0</p><ul id="log" dj-update="stream">${children.map((id) => li(id)).join('')}</ul></main>`;
  return document.querySelector('main') as Element;
}

const ids = () => [...document.querySelectorAll('#log > *')].map((el) => el.id);

describe('applyPatch with streams', () => {
  it('inserts at the end, the top and before a child index, in entry order', () => {
    const root = mount(['a', 'b']);
    applyPatch(root, { ops: [], streams: [{ id: 'log', inserts: [['c', -1, null, li('c')], ['d', 0, null, li('d')], ['e', 2, null, li('e')]] }] });
    expect(ids()).toEqual(['d', 'a', 'e', 'b', 'c']);
  });

  it('replaces a child it has in place: same position, new content, same node gone', () => {
    const root = mount(['a', 'b', 'c']);
    const old = document.getElementById('b');
    applyPatch(root, { ops: [], streams: [{ id: 'log', inserts: [['b', 0, null, li('b', 'B!')]] }] });
    expect(ids()).toEqual(['a', 'b', 'c']);
    expect(document.getElementById('b')?.textContent).toBe('B!');
    expect(old?.isConnected).toBe(false);
  });

  it('takes an insert that is the HTML alone: replaced in place by its element id, else appended', () => {
    const root = mount(['a', 'b', 'c']);
    const old = document.getElementById('b');
    applyPatch(root, { streams: [{ id: 'log', inserts: [li('b', 'B!'), li('d')] }] });
    expect(ids()).toEqual(['a', 'b', 'c', 'd']);
    expect(document.getElementById('b')?.textContent).toBe('B!');
    expect(old?.isConnected).toBe(false);
  });

  it('keeps the focused field of a child updated in place', () => {
    const root = mount([]);
    applyPatch(root, { ops: [], streams: [{ id: 'log', inserts: [['a', -1, null, '<li id="a"><input id="f" value="x"></li>']] }] });
    const field = document.getElementById('f') as HTMLInputElement;
    field.focus();
    field.value = 'typed';
    applyPatch(root, { ops: [], streams: [{ id: 'log', inserts: [['a', -1, null, '<li id="a" class="on"><input id="f" value="x"></li>']] }] });
    expect(document.activeElement).toBe(field);
    expect(field.value).toBe('typed');
    expect(document.getElementById('a')?.className).toBe('on');
  });

  it('prunes to a positive limit from the end and to a negative limit from the top', () => {
    const root = mount(['a', 'b', 'c']);
    applyPatch(root, { ops: [], streams: [{ id: 'log', inserts: [['z', 0, 3, li('z')]] }] });
    expect(ids()).toEqual(['z', 'a', 'b']);
    applyPatch(root, { ops: [], streams: [{ id: 'log', inserts: [['y', -1, -2, li('y')]] }] });
    expect(ids()).toEqual(['b', 'y']);
  });

  it('deletes by DOM id, only children of a stream container', () => {
    const root = mount(['a', 'b']);
    applyPatch(root, { ops: [], streams: [{ id: 'log', deletes: ['a', 'count'] }, { deletes: ['b'] }] });
    expect(ids()).toEqual([]);
    expect(document.getElementById('count')).not.toBeNull();
  });

  it('resets: the old children go, the inserts show in their order', () => {
    const root = mount(['a', 'b', 'c']);
    applyPatch(root, { ops: [], streams: [{ id: 'log', reset: true, inserts: [['c', -1, null, li('c', 'C')], ['x', -1, null, li('x')]] }] });
    expect(ids()).toEqual(['c', 'x']);
    expect(document.getElementById('c')?.textContent).toBe('C');
  });

  it('ignores an entry for a container it does not have, or an element that is no stream container', () => {
    const root = mount(['a']);
    expect(applyPatch(root, { ops: [], streams: [{ id: 'missing', inserts: [['q', -1, null, li('q')]] }, { id: 'count', inserts: [['r', -1, null, li('r')]] }] })).toBe(true);
    expect(document.getElementById('q')).toBeNull();
    expect(document.getElementById('r')).toBeNull();
  });

  it('keeps the children across an {html} patch and an r op, then applies the entries', () => {
    const root = mount(['a', 'b']);
    applyPatch(root, { html: '<h1>new</h1><ul id="log" dj-update="stream" class="x"></ul>', streams: [{ id: 'log', inserts: [['c', -1, null, li('c')]] }] });
    expect(ids()).toEqual(['a', 'b', 'c']);
    expect(document.getElementById('log')?.className).toBe('x');
    applyPatch(root, { ops: [['r', [1], '<ul id="log" dj-update="stream" class="y"></ul>']] });
    expect(ids()).toEqual(['a', 'b', 'c']);
    expect(document.getElementById('log')?.className).toBe('y');
    root.innerHTML = `<div id="box"><ul id="log" dj-update="stream">${li('a')}</ul></div>`;
    applyPatch(root, { ops: [['r', [0], '<div id="box" class="z"><ul id="log" dj-update="stream"></ul></div>']] });
    expect(ids()).toEqual(['a']);
    expect(document.getElementById('box')?.className).toBe('z');
  });

  it('skips ops whose path goes into a stream container', () => {
    const root = mount(['a']);
    expect(applyPatch(root, { ops: [['d', [1], 0, 1]] })).toBe(true);
    expect(ids()).toEqual(['a']);
  });

  it('renders the stream afresh on a mounted (a reconnect) or a navigate', () => {
    const root = mount(['a', 'b']);
    applyPatch(root, { type: 'mounted', html: `<p id="count">0</p><ul id="log" dj-update="stream">${li('m1')}</ul>` });
    expect(ids()).toEqual(['m1']);
    applyPatch(root, { type: 'navigate', html: '<ul id="log" dj-update="stream"></ul>' });
    expect(ids()).toEqual([]);
  });
});
