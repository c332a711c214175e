/**
 * lib/connection/connection.ts `#kick`: a frame of a connection's own (a click) runs its queue
 * on the turn that read it, even while the connection waits in the scheduler for pushes — it
 * never waits behind other connections' handleInfo deliveries. Its own infos queued before the
 * click still run first, in order (docs/interactions.md, "Order"). Driven without sockets, as
 * info-batch.test.ts: recording Sinks, the real renderer, signer, pub/sub and scheduler.
 */
import { Connection, type Sink } from '../../lib/connection/connection';
import { eventHandler, LiveView } from '../../lib';
import type { ServerMessage } from '../../lib/contract/protocol';
import { MemoryPubSub } from '../../lib/pubsub/pubsub';
import { liveContext, mountFrame } from '../helpers/live-context';

class RoomView extends LiveView {
  static template = 'counter.njk';
  count = 0;
  seen: readonly unknown[] = [];

  mount() {
    if (this.connected) this.subscribe('room');
  }

  @eventHandler()
  inc() {
    this.count += 1;
    this.pageTitle = `inc after ${this.seen.join(',')}`;
  }

  static release: (() => void) | null = null;

  @eventHandler()
  hold() {
    return new Promise<void>((resolve) => {
      RoomView.release = resolve;
    });
  }

  handleInfo(message: unknown): void {
    this.seen = [...this.seen, message];
    this.pageTitle = `seen ${this.seen.join(',')}`;
  }
}

async function until(test: () => boolean, ms = 3000): Promise<void> {
  for (const end = Date.now() + ms; !test(); ) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

const titles = (sent: ServerMessage[]): string[] => sent.flatMap((m) => (m.type === 'page_metadata' && m.action === 'title' ? [m.value] : []));
const click = (ref: number) => JSON.stringify({ type: 'event', ref, event: 'inc', params: {} });

/** `others` subscribers mounted first, then the clicker (last in the scheduler's queue after a broadcast). */
async function room(others: number) {
  const pubsub = new MemoryPubSub();
  const ctx = liveContext({ maxEventsPerSecond: 1e6 }, { pubsub });
  ctx.routes.add('/room', RoomView);
  const open = async () => {
    const sent: ServerMessage[] = [];
    const sink: Sink = { send: (messages) => void sent.push(...messages), close: () => {}, bufferedBytes: () => 0 };
    const connection = new Connection(ctx, sink);
    connection.receive(mountFrame(ctx, '/room'));
    await until(() => sent.some((m) => m.type === 'mounted'));
    return { connection, sent };
  };
  const crowd = [];
  for (let i = 0; i < others; i += 1) crowd.push(await open());
  const clicker = await open();
  return { ctx, pubsub, crowd, clicker };
}

describe('Connection: a frame of its own runs before other connections\' pushes', () => {
  it('answers a click on the turn that read it while 200 other subscribers\' deliveries wait in the scheduler, after its own info', async () => {
    const { ctx, pubsub, crowd, clicker } = await room(200);
    expect(pubsub.broadcast('room', 'm1')).toBe(201);
    expect(ctx.scheduler.waiting).toBe(201); // every subscriber, the clicker last
    const before = clicker.sent.length;
    clicker.connection.receive(click(7));
    // Same turn: the clicker's own info (queued first) and then the click are answered, in order.
    const now = clicker.sent.slice(before);
    expect(titles(now)).toEqual(['seen m1', 'inc after m1']);
    expect(now.some((m) => 'ref' in m && m.ref === 7)).toBe(true); // its patch answers the click's ref
    // Nobody else's delivery ran on the clicker's turn.
    expect(crowd.every((c) => titles(c.sent).length === 0)).toBe(true);
    await until(() => ctx.scheduler.waiting === 0 && crowd.every((c) => titles(c.sent).includes('seen m1')));
    // The scheduler's later turn finds the clicker's queue empty: nothing is sent twice.
    expect(titles(clicker.sent.slice(before))).toEqual(['seen m1', 'inc after m1']);
  });

  it('does not run more than its 16 jobs a turn on frames of its own: once its drain is cut short, a new frame waits for the scheduler', async () => {
    const { ctx, clicker } = await room(0);
    clicker.connection.receive(JSON.stringify({ type: 'event', ref: 1, event: 'hold', params: {} }));
    for (let ref = 2; ref <= 41; ref += 1) clicker.connection.receive(click(ref));
    const answered = () => clicker.sent.filter((m) => 'ref' in m && typeof m.ref === 'number' && m.ref >= 2).length;
    expect(answered()).toBe(0);
    (RoomView.release as () => void)();
    // 16 clicks (a fresh drain after the hold settles) run in the microtasks after the release, before any setImmediate.
    for (let i = 0; i < 1000 && answered() === 0; i += 1) await Promise.resolve();
    expect(answered()).toBe(16);
    expect(ctx.scheduler.waiting).toBe(1);
    clicker.connection.receive(click(42)); // same turn: queued behind the 24 left, not run now
    expect(answered()).toBe(16);
    await until(() => answered() === 41);
    const refs = clicker.sent.flatMap((m) => ('ref' in m && typeof m.ref === 'number' && m.ref >= 2 ? [m.ref] : []));
    expect(refs).toEqual(Array.from({ length: 41 }, (_, i) => i + 2));
  });

  it('keeps the order of its own infos and events across a broadcast that arrives after the click', async () => {
    const { ctx, pubsub, crowd, clicker } = await room(20);
    pubsub.broadcast('room', 'm1');
    const before = clicker.sent.length;
    clicker.connection.receive(click(1));
    pubsub.broadcast('room', 'm2');
    clicker.connection.receive(click(2));
    await until(() => ctx.scheduler.waiting === 0 && crowd.every((c) => titles(c.sent).includes('seen m1,m2')));
    expect(titles(clicker.sent.slice(before))).toEqual(['seen m1', 'inc after m1', 'seen m1,m2', 'inc after m1,m2']);
  });
});
