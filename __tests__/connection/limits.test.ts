/**
 * The Connection's own limits, driven without sockets: a recording Sink, a clock the test
 * moves, and the real renderer, signer and pub/sub.
 */
import { Connection, type Sink } from '../../lib/connection/connection';
import { eventHandler, LiveView } from '../../lib';
import { type DjustLiteOptions } from '../../lib/config/options';
import type { ServerMessage } from '../../lib/contract/protocol';
import { MemoryPubSub } from '../../lib/pubsub/pubsub';
import { liveContext, mountFrame } from '../helpers/live-context';

class LimitsView extends LiveView {
  static template = 'counter.njk';
  static release: (() => void) | null = null;
  count = 0;
  label = '';
  seen: unknown[] = [];

  mount() {
    if (this.connected) this.subscribe('limits');
  }

  @eventHandler()
  inc() {
    this.count += 1;
  }

  @eventHandler()
  hold() {
    return new Promise<void>((resolve) => {
      LimitsView.release = resolve;
    });
  }

  @eventHandler()
  async never() {
    await new Promise(() => {});
  }

  @eventHandler()
  async lateChange() {
    await new Promise((resolve) => setTimeout(resolve, 60));
    this.label = 'late';
  }

  handleInfo(message: unknown) {
    this.seen.push(message);
    this.count = this.seen.length;
    this.pageTitle = `seen ${this.seen.join(',')}`;
  }
}

interface Harness {
  connection: Connection;
  sent: ServerMessage[];
  closed: { code: number; reason: string }[];
  held: number[];
  debug: string[];
  clock: { now: number };
  pubsub: MemoryPubSub;
  mount(): Promise<void>;
}

function harness(options: DjustLiteOptions = {}, pubsub = new MemoryPubSub()): Harness {
  const debug: string[] = [];
  const clock = { now: 1_000_000 };
  const ctx = liveContext({ logger: { debug: (m) => debug.push(m), warn: () => {}, error: () => {} }, ...options }, { now: () => clock.now, pubsub });
  ctx.routes.add('/limits', LimitsView);
  const sent: ServerMessage[] = [];
  const closed: { code: number; reason: string }[] = [];
  const held: number[] = [];
  const sink: Sink = {
    send: (messages) => void sent.push(...messages),
    close: (code, reason) => void closed.push({ code, reason }),
    bufferedBytes: () => 0,
    hold: (ms) => void held.push(ms),
  };
  const connection = new Connection(ctx, sink);
  return {
    connection, sent, closed, held, debug, clock, pubsub,
    async mount() {
      connection.receive(mountFrame(ctx, '/limits'));
      await until(() => sent.some((m) => m.type === 'mounted'));
    },
  };
}

async function until(test: () => boolean, ms = 2000): Promise<void> {
  for (const end = Date.now() + ms; !test(); ) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

const event = (ref: number, name = 'inc') => JSON.stringify({ type: 'event', ref, event: name, params: {} });
const codes = (sent: ServerMessage[]) => sent.flatMap((m) => (m.type === 'error' ? [m.code] : []));

afterEach(() => {
  LimitsView.release = null;
});

describe('Connection limits', () => {
  describe('charging', () => {
    it('charges every frame before parsing it — pings and invalid frames too — and answers rate_limited with the frame\'s ref', async () => {
      const h = harness({ maxEventsPerSecond: 10 });
      await h.mount(); // 1 token
      for (let i = 0; i < 5; i += 1) h.connection.receive('{"type":"ping"}');
      for (let i = 0; i < 4; i += 1) h.connection.receive('{not json');
      h.connection.receive(event(41));
      expect(codes(h.sent)).toEqual(['bad_json', 'bad_json', 'bad_json', 'bad_json', 'rate_limited']);
      expect(h.sent.at(-1)).toMatchObject({ type: 'error', code: 'rate_limited', ref: 41 });
      expect(h.sent.filter((m) => m.type === 'pong')).toHaveLength(5);
      h.clock.now += 1000; // the budget refills
      h.connection.receive(event(42));
      expect(h.sent.at(-1)).toMatchObject({ type: 'patch', ref: 42 });
      expect(h.closed).toEqual([]);
    });

    it('asks the transport to stop reading until the budget has refilled for the refused frame', async () => {
      const h = harness({ maxEventsPerSecond: 10 });
      await h.mount();
      for (let i = 0; i < 9; i += 1) h.connection.receive('{"type":"ping"}');
      expect(h.held).toEqual([]);
      expect(h.connection.admit(3 * 4096)).toBe(false); // costs 4 tokens, none left
      h.connection.refuse('{"type":"event","ref":5');
      expect(h.held).toEqual([400]);
      expect(h.sent.at(-1)).toMatchObject({ code: 'rate_limited', ref: 5 });
    });

    it('charges a large frame one token per 4 KiB', async () => {
      const h = harness({ maxEventsPerSecond: 10 });
      await h.mount();
      const big = JSON.stringify({ type: 'event', ref: 7, event: 'inc', params: { pad: 'x'.repeat(5 * 4096) } });
      h.connection.receive(big); // 6 tokens
      h.connection.receive(big); // 3 left: refused
      expect(h.sent.filter((m) => m.type === 'patch' || m.type === 'error').map((m) => m.type === 'error' ? m.code : m.type)).toEqual(['patch', 'rate_limited']);
    });

    it('closes a connection that keeps sending at over twice the rate (1008, rate_limited)', async () => {
      const h = harness({ maxEventsPerSecond: 10 });
      await h.mount();
      for (let i = 0; i < 100 && h.closed.length === 0; i += 1) h.connection.receive('{"type":"ping"}');
      expect(h.closed).toEqual([{ code: 1008, reason: 'rate_limited' }]);
      expect(h.sent.at(-1)).toMatchObject({ type: 'error', code: 'rate_limited', ref: null, message: expect.stringMatching(/closing/) });
      expect(h.connection.closed).toBe(true);
      const pongs = h.sent.filter((m) => m.type === 'pong').length;
      expect(pongs).toBe(9);
      expect(h.debug.join('\n')).toMatch(/over twice 10\/s/);
    });
  });

  describe('caps per job kind', () => {
    it('caps the error answers queued behind a pending handler, and the queue stays bounded', async () => {
      const h = harness({ maxQueuedEvents: 4, maxEventsPerSecond: 1e6 });
      await h.mount();
      h.connection.receive(event(1, 'hold'));
      for (let i = 0; i < 1000; i += 1) h.connection.receive('{bad');
      expect(h.connection.queued).toBe(4);
      (LimitsView.release as () => void)();
      await until(() => codes(h.sent).length === 4);
      expect(codes(h.sent)).toEqual(['bad_json', 'bad_json', 'bad_json', 'bad_json']);
      expect(h.debug.filter((m) => /dropped an error answer/.test(m))).toHaveLength(996);
    });

    it('answers queue_full for an event over the cap', async () => {
      const h = harness({ maxQueuedEvents: 2, maxEventsPerSecond: 1e6 });
      await h.mount();
      h.connection.receive(event(1, 'hold'));
      for (let ref = 2; ref <= 5; ref += 1) h.connection.receive(event(ref));
      expect(h.sent.filter((m) => m.type === 'error').map((m) => [m.code, m.ref])).toEqual([['queue_full', 4], ['queue_full', 5]]);
      (LimitsView.release as () => void)();
      await until(() => h.sent.some((m) => m.type === 'patch' && m.ref === 3));
    });

    it('keeps the newest pushes when a subscriber falls behind: the oldest waiting one is dropped, and counted at debug', async () => {
      const h = harness({ maxQueuedEvents: 3, maxEventsPerSecond: 1e6 });
      await h.mount();
      h.connection.receive(event(1, 'hold'));
      for (let i = 1; i <= 10; i += 1) h.pubsub.broadcast('limits', i);
      expect(h.connection.queued).toBe(3);
      (LimitsView.release as () => void)();
      await until(() => h.sent.some((m) => m.type === 'page_metadata' && m.action === 'title' && m.value === 'seen 8,9,10'));
      const titles = h.sent.flatMap((m) => (m.type === 'page_metadata' && m.action === 'title' ? [m.value] : []));
      // The three kept run in order, rendered once as a batch (lib/connection/info-batch.ts).
      expect(titles).toEqual(['seen 8,9,10']);
      expect(h.debug.filter((m) => /dropped its oldest waiting handleInfo/.test(m))).toHaveLength(7);
    });
  });

  describe('fan-out', () => {
    it('returns from broadcast before any subscriber renders; the renders run on a later turn', async () => {
      const pubsub = new MemoryPubSub();
      const harnesses = [harness({}, pubsub), harness({}, pubsub), harness({}, pubsub)];
      for (const h of harnesses) await h.mount();
      const before = harnesses.map((h) => h.sent.length);
      expect(pubsub.broadcast('limits', 'hello')).toBe(3);
      expect(harnesses.map((h) => h.sent.length)).toEqual(before);
      await until(() => harnesses.every((h, i) => h.sent.length > (before[i] as number)));
      expect(harnesses.map((h) => h.sent.at(-1))).toEqual(harnesses.map(() => ({ type: 'page_metadata', action: 'title', value: 'seen hello' })));
    });
  });

  describe('handler timeout', () => {
    it('answers handler_timeout for a handler that never settles, and the queue moves on', async () => {
      const h = harness({ handlerTimeoutMs: 30 });
      await h.mount();
      h.connection.receive(event(1, 'never'));
      h.connection.receive(event(2));
      await until(() => h.sent.some((m) => m.type === 'patch' && m.ref === 2));
      const timeout = h.sent.find((m) => m.type === 'error' && m.code === 'handler_timeout');
      expect(timeout).toMatchObject({ ref: 1, message: expect.stringMatching(/handlerTimeoutMs/) });
      expect(h.sent.indexOf(timeout as ServerMessage)).toBeLessThan(h.sent.findIndex((m) => m.type === 'patch' && m.ref === 2));
    });

    it('sends nothing for a timed-out handler when it settles later; its change shows with the next update', async () => {
      const h = harness({ handlerTimeoutMs: 20 });
      await h.mount();
      h.connection.receive(event(1, 'lateChange'));
      await until(() => h.sent.some((m) => m.type === 'error' && m.code === 'handler_timeout'));
      const count = h.sent.length;
      await new Promise((resolve) => setTimeout(resolve, 80));
      expect(h.sent.length).toBe(count);
      h.connection.receive(event(2));
      const patch = h.sent.at(-1);
      expect(patch).toMatchObject({ type: 'patch', ref: 2 });
      expect(JSON.stringify(patch)).toContain('late');
    });
  });
});
