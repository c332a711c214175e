/** @jest-environment jsdom */
import { LiveClient } from '../../public/client.js';

/** A transport that opens at once and records what the client sends. */
function fakeTransport(sent: object[]) {
  let onMessage: (message: unknown) => void = () => {};
  const connect = (_prefix: string, handlers: { onOpen(): void; onMessage(m: unknown): void }) => {
    onMessage = handlers.onMessage;
    queueMicrotask(() => handlers.onOpen());
    return { send: (message: object) => (sent.push(message), true), close() {} };
  };
  return { connect, receive: (message: unknown) => onMessage(message) };
}

describe('djust.enableDebug()', () => {
  beforeEach(() => {
    sessionStorage.clear();
    document.body.innerHTML = '<main dj-root><p>0</p></main>';
  });

  it('logs every message in and out while on, and nothing once off', async () => {
    const logged: unknown[][] = [];
    const spy = jest.spyOn(console, 'debug').mockImplementation((...args: unknown[]) => void logged.push(args));
    const sent: object[] = [];
    const transport = fakeTransport(sent);
    const client = new LiveClient(document, { token: 't', prefix: '/djust', transport: 'websocket' }, { websocket: transport.connect as never });
    try {
      client.enableDebug();
      client.start();
      await Promise.resolve();
      transport.receive({ type: 'mounted', html: '<p>1</p>' });
      client.pushEvent('inc', {});
      expect(logged).toEqual([
        ['djust-lite →', { type: 'mount', token: 't', url: '/' }],
        ['djust-lite ←', { type: 'mounted', html: '<p>1</p>' }],
        ['djust-lite →', { type: 'event', ref: 1, event: 'inc', params: {} }],
      ]);
      expect(sessionStorage.getItem('djust-lite:debug')).toBe('1');
      client.disableDebug();
      client.pushEvent('inc', {});
      transport.receive({ type: 'reply', ref: 2 });
      expect(logged).toHaveLength(3);
      expect(sent).toHaveLength(3);
      expect(sessionStorage.getItem('djust-lite:debug')).toBeNull();
    } finally {
      client.stop();
      spy.mockRestore();
    }
  });

  it('stays on across a reload of the tab (sessionStorage)', () => {
    sessionStorage.setItem('djust-lite:debug', '1');
    const client = new LiveClient(document, { token: 't', prefix: '/djust', transport: 'websocket' }, {});
    expect(client.debug).toBe(true);
    client.stop();
  });
});
