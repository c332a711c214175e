import { splitStreams } from '../../lib/render/stream-split';

describe('splitStreams', () => {
  it('returns null for a render without a stream container (ignore containers included)', () => {
    expect(splitStreams('<p>x</p><div id="a" dj-update="ignore"><b>y</b></div>')).toBeNull();
  });

  it('cuts the children out of each container and returns them with their ids, in order', () => {
    const split = splitStreams('<p>x</p><ul id="log" dj-update="stream">\n  <li id="log-1">a<b>c</b></li>\n <hr id="h"> <li id="log-2">b</li></ul><ol id="o" dj-update=\'stream\'><li id="o-1">1</li></ol><p>y</p>');
    expect(split).toEqual({
      html: '<p>x</p><ul id="log" dj-update="stream"></ul><ol id="o" dj-update=\'stream\'></ol><p>y</p>',
      containers: [
        { id: 'log', children: [{ id: 'log-1', html: '<li id="log-1">a<b>c</b></li>' }, { id: 'h', html: '<hr id="h">' }, { id: 'log-2', html: '<li id="log-2">b</li>' }] },
        { id: 'o', children: [{ id: 'o-1', html: '<li id="o-1">1</li>' }] },
      ],
    });
  });

  it('keeps table rows whole and leaves a stream container inside a child alone', () => {
    const split = splitStreams('<table><tbody id="t" dj-update="stream"><tr id="r1"><td><ul id="inner" dj-update="stream"><li id="i">x</li></ul></td></tr></tbody></table>');
    expect(split?.html).toBe('<table><tbody id="t" dj-update="stream"></tbody></table>');
    expect(split?.containers).toEqual([{ id: 't', children: [{ id: 'r1', html: '<tr id="r1"><td><ul id="inner" dj-update="stream"><li id="i">x</li></ul></td></tr>' }] }]);
  });

  it('refuses a container without an id, a child without an id, and text in a container', () => {
    expect(() => splitStreams('<ul dj-update="stream"></ul>')).toThrow(/<ul dj-update="stream"> has no id/);
    expect(() => splitStreams('<ul id="l" dj-update="stream"><li>x</li></ul>')).toThrow(/a <li> inside the stream container #l has no id/);
    expect(() => splitStreams('<ul id="l" dj-update="stream">loose text</ul>')).toThrow(/text directly inside it \("loose text"\)/);
    expect(() => splitStreams('<div><ul id="l" dj-update="stream"><li id="a">x</li></div>')).toThrow(/#l has no end tag/);
  });
});
