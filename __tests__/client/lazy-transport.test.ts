/**
 * `lazyTransport` (public/client.js): the SSE transport's module is imported when a page first
 * connects with it. A LiveClient on a lazy transport sends nothing before the module is there,
 * mounts and sends events once it is, and a module that does not load ends the connection as
 * a refused open does (`auto` goes back to WebSocket).
 * @jest-environment jsdom
 */
import { LiveClient, lazyTransport } from '../../public/client.js';
import { scriptedTransports, type Handlers, type Scripted } from '../helpers/scripted-transport';

const { opened, transports, last } = scriptedTransports();
type Connect = (prefix: string, h: Handlers) => Scripted;

/** A module load the test settles by hand. */
function deferredModule() {
  let resolve!: (connect: Connect) => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<Connect>((res, rej) => ((resolve = res), (reject = rej)));
  let loads = 0;
  return { load: () => ((loads += 1), promise), resolve, reject, loads: () => loads };
}

const settle = () => new Promise((r) => setTimeout(r, 0));

beforeEach(() => {
  opened.length = 0;
  document.body.innerHTML = '<main dj-root><p>x</p></main>';
});

describe('lazyTransport', () => {
  it('sends nothing until the module is there, then mounts and sends through the real transport', async () => {
    const module = deferredModule();
    const client = new LiveClient(document, { token: 't.t', prefix: '/djust', transport: 'sse', announce: false }, { websocket: transports.websocket, sse: lazyTransport(module.load) }).start();
    try {
      expect(module.loads()).toBe(1);
      expect(client.transport?.send({ type: 'event', ref: 99, event: 'early' })).toBe(false);
      expect(opened).toEqual([]);
      const queued = client.pushEvent('inc', {});
      queued.catch(() => {});

      module.resolve(transports.sse);
      await settle();
      const sse = last();
      expect(sse.kind).toBe('sse');
      sse.open();
      expect(sse.sent[0]).toMatchObject({ type: 'mount', token: 't.t' });
      sse.mounted();
      expect(sse.events()).toEqual([expect.objectContaining({ type: 'event', event: 'inc' })]);
      expect(sse.sent.some((m) => m.event === 'early')).toBe(false);
    } finally {
      client.stop();
    }
  });

  it('closed before the module arrives: the real transport is never opened', async () => {
    const module = deferredModule();
    const connect = lazyTransport(module.load);
    const t = connect('/djust', { onOpen() {}, onMessage() {}, onClose() {} });
    t.close();
    module.resolve(transports.sse);
    await settle();
    expect(opened).toEqual([]);
  });

  it('a module that does not load ends the connection as a refused open, and says so', async () => {
    const module = deferredModule();
    const errors: unknown[][] = [];
    const spy = jest.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void errors.push(args));
    try {
      const closes: boolean[] = [];
      lazyTransport(module.load)('/djust', { onOpen() {}, onMessage() {}, onClose: (openedBefore) => void closes.push(openedBefore) });
      module.reject(new Error('404'));
      await settle();
      expect(closes).toEqual([false]);
      expect(String(errors[0]?.[0])).toContain('transport module not loaded');
    } finally {
      spy.mockRestore();
    }
  });
});
