/** lib/testing's protocol client pieces (the ones tests and bench share) that need no server. */
import { envelope, parseServerFrame, parseServerMessage, toServerMessage } from '../../lib/testing/messages';
import { findElement, readHead, readLiveScript } from '../../lib/testing/page';
import { sseMessageUrl, sseStreamUrl } from '../../lib/testing/sse';
import { Waiters } from '../../lib/testing/waiters';
import { webSocketUrl } from '../../lib/testing/websocket';

describe('lib/testing protocol client', () => {
  describe('messages', () => {
    it('parses a server message and refuses text that is not one', () => {
      expect(parseServerMessage('{"type":"reply","ref":3}')).toEqual({ type: 'reply', ref: 3 });
      expect(parseServerMessage('{not json')).toBeNull();
      expect(parseServerMessage('[1,2]')).toBeNull();
      expect(parseServerMessage('{"type":"mount","token":"t"}')).toBeNull();
      expect(toServerMessage(null)).toBeNull();
      expect(toServerMessage({ type: 7 })).toBeNull();
    });

    it("parses a WebSocket frame: one envelope, or a job's envelopes as an array, in order", () => {
      expect(parseServerFrame('{"type":"reply","ref":3}')).toEqual([{ type: 'reply', ref: 3 }]);
      expect(parseServerFrame('[{"type":"reply","ref":3},{"type":"page_metadata","action":"title","value":"T"}]')).toEqual([
        { type: 'reply', ref: 3 },
        { type: 'page_metadata', action: 'title', value: 'T' },
      ]);
      expect(parseServerFrame('[]')).toBeNull();
      expect(parseServerFrame('[{"type":"reply","ref":3},1]')).toBeNull();
      expect(parseServerFrame('{not json')).toBeNull();
    });

    it('builds the envelopes a client sends', () => {
      expect(envelope.mount('tok')).toEqual({ type: 'mount', token: 'tok' });
      expect(envelope.mount('tok', '/a?b=1')).toEqual({ type: 'mount', token: 'tok', url: '/a?b=1' });
      expect(envelope.event(4, 'inc')).toEqual({ type: 'event', ref: 4, event: 'inc', params: {} });
      expect(envelope.params(5, '/shop')).toEqual({ type: 'params', ref: 5, url: '/shop', pop: false });
      expect(envelope.ping()).toEqual({ type: 'ping' });
    });
  });

  describe('page', () => {
    const html = '<head><title>A &amp; B</title><meta property="og:title" content="x"><link rel="canonical" href="/c"></head>' +
      '<body><script data-djust-token="t.1" src="/x.js"></script><script type="module" data-djust-token="abc.def" data-djust-prefix="/live" data-djust-transport="sse"></script></body>';

    it('reads the djust script tag: token, prefix and every data-djust-* attribute', () => {
      expect(readLiveScript(html)).toEqual({ token: 't.1', prefix: '/djust', data: { token: 't.1' } });
      expect(readLiveScript(html.replace('data-djust-token="t.1" ', ''))).toEqual({
        token: 'abc.def', prefix: '/live', data: { token: 'abc.def', prefix: '/live', transport: 'sse' },
      });
      expect(readLiveScript('<p data-djust-token="no">')).toBeUndefined();
    });

    it('finds the first element a test accepts, entities decoded', () => {
      expect(findElement('<p id="a"></p><p id="b" title="&lt;x&gt;"></p>', (tag, attrs) => tag === 'p' && attrs.id === 'b')).toEqual({ id: 'b', title: '<x>' });
      expect(findElement('<p></p>', () => false)).toBeUndefined();
    });

    it('reads title, meta and links as a browser shows them', () => {
      expect(readHead(html)).toEqual({ title: 'A & B', meta: { 'og:title': 'x' }, links: { canonical: '/c' }, flash: {} });
    });
  });

  it('builds the transport URLs', () => {
    expect(webSocketUrl('http://127.0.0.1:80')).toBe('ws://127.0.0.1:80/djust/ws');
    expect(sseStreamUrl('http://h', '/djust', 'a b', { token: 't', url: '/x?y=1' })).toBe('http://h/djust/sse/a%20b?token=t&url=%2Fx%3Fy%3D1');
    expect(sseMessageUrl('http://h', '/p', 's')).toBe('http://h/p/sse/s/message');
  });

  describe('Waiters', () => {
    it('resolves on the wake that makes the probe answer', async () => {
      const waiters = new Waiters();
      let value: number | undefined;
      const wait = waiters.until(() => value, 1000, () => new Error('late'));
      value = 3;
      waiters.wake();
      await expect(wait).resolves.toBe(3);
    });

    it('rejects when the probe throws, and after the deadline', async () => {
      const waiters = new Waiters();
      let closed = false;
      const wait = waiters.until(() => {
        if (closed) throw new Error('closed');
        return undefined;
      }, 1000, () => new Error('late'));
      closed = true;
      waiters.wake();
      await expect(wait).rejects.toThrow('closed');
      await expect(waiters.until(() => undefined, 10, () => new Error('late'))).rejects.toThrow('late');
    });
  });
});
