import { eventHandler, LiveView } from '../../lib';
import { startApp, WsClient, type TestApp } from '../helpers/server';

/** Every event puts its text into the region: one answer is as big as the frame that asked. */
class EchoView extends LiveView {
  static template = 'counter.njk';
  count = 0;
  label = '';

  @eventHandler()
  echo(params: { text?: unknown }) {
    this.count += 1;
    this.label = String(params.text);
  }
}

let app: TestApp;
beforeAll(async () => {
  app = await startApp((live) => live.route('/echo', EchoView), {
    maxEventsPerSecond: 1e6,
    maxQueuedEvents: 100_000,
    maxBufferedBytes: 1024 * 1024,
    logger: { warn: () => {}, error: () => {} },
  });
});
afterAll(() => app.close());

describe('WebSocket backpressure', () => {
  it('stops reading a peer that does not read its answers, instead of buffering them past maxBufferedBytes', async () => {
    const client = await WsClient.mount(app.base, '/echo');
    try {
      const socket = (client.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
      socket.pause(); // the peer stops reading
      const events = 1500; // ~15 MB of answers: far past the kernel's buffers and maxBufferedBytes
      for (let ref = 1; ref <= events; ref += 1) {
        client.send({ type: 'event', ref, event: 'echo', params: { text: `${ref}:${'x'.repeat(10_000)}` } });
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
      socket.resume();
      await client.waitFor((m) => m.ref === events, { timeoutMs: 15_000 });
      const answered = new Set(client.messages.flatMap((m) => (m.type === 'patch' ? [m.ref] : [])));
      expect(answered.size).toBe(events);
      expect(client.messages.filter((m) => m.type === 'error')).toEqual([]);
    } finally {
      await client.close();
    }
  }, 30_000);
});
