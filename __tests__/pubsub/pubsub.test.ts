import { PushView } from '../fixtures/views';
import { startApp, WsClient } from '../helpers/server';
import { djustLite } from '../../lib';
import { MemoryPubSub, type PubSubAdapter, type Subscriber } from '../../lib/pubsub/pubsub';

/** An adapter that records what djust-lite asks of it and delivers through a MemoryPubSub. */
class RecordingAdapter implements PubSubAdapter {
  readonly calls: string[] = [];
  readonly #local = new MemoryPubSub();
  subscribe(topic: string, subscriber: Subscriber): void {
    this.calls.push(`subscribe ${topic}`);
    this.#local.subscribe(topic, subscriber);
  }
  unsubscribe(topic: string, subscriber: Subscriber): void {
    this.calls.push(`unsubscribe ${topic}`);
    this.#local.unsubscribe(topic, subscriber);
  }
  broadcast(topic: string, message: unknown): number {
    this.calls.push(`broadcast ${topic}`);
    return this.#local.broadcast(topic, message);
  }
  async close(): Promise<void> {
    this.calls.push('close');
  }
}

describe('PubSub', () => {
  describe('MemoryPubSub', () => {
    it('delivers to each subscriber once and counts them', () => {
      const pubsub = new MemoryPubSub();
      const got: unknown[] = [];
      const sub = { deliver: (m: unknown) => got.push(m) };
      pubsub.subscribe('t', sub);
      pubsub.subscribe('t', sub);
      expect(pubsub.broadcast('t', 1)).toBe(1);
      expect(got).toEqual([1]);
      pubsub.unsubscribe('t', sub);
      expect(pubsub.has('t')).toBe(false);
      expect(pubsub.broadcast('t', 2)).toBe(0);
    });

    it('refuses an empty or non-string topic on broadcast as on subscribe, as the Redis adapter does', () => {
      const pubsub = new MemoryPubSub();
      for (const topic of ['', 42]) {
        expect(() => pubsub.broadcast(topic as string, 1)).toThrow(expect.objectContaining({ code: 'DJUST_ERR_INVALID_ARG', message: expect.stringContaining('broadcast(topic, message)') }));
      }
    });
  });

  describe('option pubsub', () => {
    it('routes views\' subscribe, live.broadcast and live.close through the adapter', async () => {
      const adapter = new RecordingAdapter();
      const app = await startApp((live) => live.route('/push', PushView), { pubsub: adapter });
      try {
        const client = await WsClient.mount(app.base, '/push');
        expect(app.live.broadcast('news', { n: 1 })).toBe(1);
        await client.waitFor((m) => m.value === 'Push (1)');
        await client.close();
      } finally {
        await app.close();
      }
      expect(adapter.calls).toEqual(['subscribe news', 'broadcast news', 'unsubscribe news', 'close']);
    });

    it('refuses a value that is not an adapter, naming the option', () => {
      expect(() => djustLite({ pubsub: {} as PubSubAdapter })).toThrow(/option "pubsub" must be a PubSubAdapter/);
    });
  });
});
