/**
 * The Connection's one fatal-close path (`fail`) and the scheduler it takes its turns from,
 * driven without sockets: a recording Sink, a clock the test moves, the real renderer, signer
 * and pub/sub.
 */
import { Connection, type Sink } from '../../lib/connection/connection';
import { CLOSE_CODES } from '../../lib/contract/close-codes';
import { LiveView } from '../../lib';
import { type DjustLiteOptions } from '../../lib/config/options';
import type { ServerMessage } from '../../lib/contract/protocol';
import { liveContext, mountFrame } from '../helpers/live-context';

class PushedView extends LiveView {
  static template = 'counter.njk';
  count = 0;
  label = '';

  handleInfo() {
    this.count += 1;
  }
}

function harness(options: DjustLiteOptions = {}) {
  const clock = { now: 1_000_000 };
  const ctx = liveContext({ logger: { debug: () => {}, warn: () => {}, error: () => {} }, ...options }, { now: () => clock.now });
  const { scheduler } = ctx;
  ctx.routes.add('/pushed', PushedView);
  const sent: ServerMessage[] = [];
  const closed: { code: number; reason: string }[] = [];
  const sink: Sink = {
    send: (messages) => void sent.push(...messages),
    close: (code, reason) => void closed.push({ code, reason }),
    bufferedBytes: () => 0,
  };
  const connection = new Connection(ctx, sink);
  return {
    connection, sent, closed, clock, scheduler,
    async mount(): Promise<void> {
      connection.receive(mountFrame(ctx, '/pushed'));
      for (let i = 0; i < 200 && !sent.some((m) => m.type === 'mounted'); i += 1) await new Promise((r) => setTimeout(r, 2));
      expect(sent.some((m) => m.type === 'mounted')).toBe(true);
    },
  };
}

describe('Connection', () => {
  describe('fail (the one fatal-close path)', () => {
    it('answers error, then closes the sink with the code and the wire code as reason, then closes the connection', () => {
      const h = harness();
      h.connection.fail('mount_timeout', 'No view mounted in time.');
      expect(h.sent).toEqual([{ type: 'error', code: 'mount_timeout', message: 'No view mounted in time.', ref: null }]);
      expect(h.closed).toEqual([{ code: CLOSE_CODES.policy, reason: 'mount_timeout' }]);
      expect(h.connection.closed).toBe(true);
    });

    it('does nothing once the connection is closed: one error, one close', () => {
      const h = harness();
      h.connection.fail('mount_timeout', 'first');
      h.connection.fail('handler_timeout', 'second');
      expect(h.sent).toHaveLength(1);
      expect(h.closed).toHaveLength(1);
    });

    it('is the path a rate-limit close takes too (1008 "rate_limited")', () => {
      const h = harness({ maxEventsPerSecond: 2 });
      for (let i = 0; i < 10 && !h.connection.closed; i += 1) h.connection.receive('{"type":"ping"}');
      expect(h.connection.closed).toBe(true);
      expect(h.closed).toEqual([{ code: CLOSE_CODES.policy, reason: 'rate_limited' }]);
      expect(h.sent.at(-1)).toMatchObject({ type: 'error', code: 'rate_limited' });
    });
  });

  describe('scheduler', () => {
    it('a push waits in its own instance\'s scheduler, never in another instance\'s', async () => {
      const a = harness();
      const b = harness();
      await a.mount();
      await b.mount();
      a.connection.deliver('hello');
      expect(a.scheduler.waiting).toBe(1);
      expect(b.scheduler.waiting).toBe(0);
      const before = a.sent.length;
      await new Promise((resolve) => setImmediate(resolve));
      expect(a.scheduler.waiting).toBe(0);
      expect(a.sent.length).toBeGreaterThan(before); // the push rendered on a.scheduler's turn
      await a.connection.close();
      await b.connection.close();
    });
  });
});
