import { StreamSet } from '../../lib/view/streams';
import { takeStreams } from '../../lib/view/stream-render';

const ul = (children: string) => `<p>n</p><ul id="log" dj-update="stream">${children}</ul>`;
const render = (set: StreamSet): string => ul((set.context().log ?? []).map(([id, item]) => `<li id="${id}">${(item as { t: string }).t}</li>`).join(''));

describe('StreamSet', () => {
  it('lists the queued items for the template in the order the page shows them, and the wire in queue order', () => {
    const set = new StreamSet();
    set.stream('log', [{ id: 1, t: 'a' }, { id: 2, t: 'b' }], { at: 0 });
    set.insert('log', { id: 3, t: 'c' }, { at: -1 });
    expect(set.context().log?.map(([id]) => id)).toEqual(['log-2', 'log-1', 'log-3']);
    const { html, streams } = takeStreams(set, render(set));
    expect(html).toBe(ul(''));
    // at the end with no limit: the short form, the HTML alone (its element carries the DOM id)
    expect(streams).toEqual([{ id: 'log', inserts: [['log-1', 0, null, '<li id="log-1">a</li>'], ['log-2', 0, null, '<li id="log-2">b</li>'], '<li id="log-3">c</li>'] }]);
  });

  it('sends the long form for an insert with a limit, and for a DOM id with & (entities decoded on two sides)', () => {
    const set = new StreamSet();
    set.stream('log', [{ id: 1, t: 'a' }], { limit: -5 });
    set.insert('log', { id: 'x&amp;y', t: 'b' });
    const rendered = takeStreams(set, render(set)).streams;
    expect(rendered).toEqual([{ id: 'log', inserts: [['log-1', -1, -5, '<li id="log-1">a</li>'], ['log-x&y', -1, null, '<li id="log-x&amp;y">b</li>']] }]);
  });

  it('keeps no item after a render: the next render has none, deletes and resets go to the learned container', () => {
    const set = new StreamSet();
    set.stream('log', [{ id: 1, t: 'a' }]);
    takeStreams(set, render(set));
    expect(set.context()).toEqual({ log: [] });
    expect(takeStreams(set, render(set))).toEqual({ html: ul(''), streams: null });
    set.delete('log', { id: 1 }, false);
    set.stream('log', [], { reset: true });
    expect(takeStreams(set, render(set)).streams).toEqual([{ id: 'log', reset: true }]);
    set.delete('log', 'log-9', true);
    expect(takeStreams(set, render(set)).streams).toEqual([{ id: 'log', deletes: ['log-9'] }]);
  });

  it('sends deletes of a stream that never rendered without a container id', () => {
    const set = new StreamSet();
    set.delete('log', { id: 4 }, false);
    expect(takeStreams(set, '<p>no container</p>').streams).toEqual([{ deletes: ['log-4'] }]);
  });

  it('a later insert of the same DOM id replaces the queued one; a delete cancels it', () => {
    const set = new StreamSet();
    set.insert('log', { id: 1, t: 'a' });
    set.insert('log', { id: 1, t: 'A' }, { at: 0 });
    expect(set.context().log).toEqual([['log-1', { id: 1, t: 'A' }]]);
    set.delete('log', { id: 1 }, false);
    expect(set.context().log).toEqual([]);
  });

  it('renders only the items of one call that survive its limit', () => {
    const set = new StreamSet();
    const items = Array.from({ length: 1000 }, (_, i) => ({ id: i, t: String(i) }));
    set.stream('log', items, { at: -1, limit: -3 });
    expect(set.context().log?.map(([id]) => id)).toEqual(['log-997', 'log-998', 'log-999']);
    set.clear();
    set.stream('log', items, { at: 0, limit: 2 });
    expect(set.context().log?.map(([id]) => id)).toEqual(['log-999', 'log-998']);
  });

  it('uses the domId given on the first call and refuses another later', () => {
    const set = new StreamSet();
    const domId = (row: unknown) => `row-${(row as { key: string }).key}`;
    set.stream('rows', [{ key: 'a' }], { domId });
    set.insert('rows', { key: 'b' });
    expect(set.context().rows?.map(([id]) => id)).toEqual(['row-a', 'row-b']);
    set.stream('rows', [], { domId });
    expect(() => set.stream('rows', [], { domId: () => 'x' })).toThrow(/already has its domId/);
  });

  it('refuses bad names, items without an id, bad at / limit, and items that are not iterable, with the call named', () => {
    const set = new StreamSet();
    expect(() => set.stream('bad name', [])).toThrow(/stream\("bad name", items, options\): name must be a name like "messages"/);
    expect(() => set.insert('log', { title: 'no id' })).toThrow(/stream "log": an item has no "id".*give the stream a domId/);
    expect(() => set.insert('log', { id: 1 }, { at: -2 })).toThrow(/options.at must be -1 \(the end\), 0 \(the top\) or a child index/);
    expect(() => set.stream('log', [], { limit: 0 })).toThrow(/options.limit must be a non-zero integer/);
    expect(() => set.stream('log', 5 as unknown as number[])).toThrow(/items must be an array/);
    expect(() => set.delete('log', '', true)).toThrow(/streamDeleteByDomId\("log", domId\): domId must be a non-empty string/);
  });

  it('restores the queues of a snapshot (a failed change)', () => {
    const set = new StreamSet();
    set.insert('log', { id: 1, t: 'a' });
    const restore = set.snapshot();
    set.insert('log', { id: 2, t: 'b' });
    set.stream('other', [{ id: 1 }]);
    restore();
    expect(set.context()).toEqual({ log: [['log-1', { id: 1, t: 'a' }]] });
  });
});
