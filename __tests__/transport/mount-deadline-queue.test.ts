/**
 * MountDeadlines on its own (lib/transport/mount-deadline.ts): the queue of parallel arrays
 * behind option mountTimeoutMs, driven by real socketless Connections and an injected clock
 * (the deadlines are decided by the clock; its one real timer only wakes the queue up). The
 * transports' behaviour end to end: mount-deadline.test.ts.
 */
import { Connection, type Sink } from '../../lib/connection/connection';
import type { ServerMessage } from '../../lib/contract/protocol';
import { MountDeadlines } from '../../lib/transport/mount-deadline';
import { CounterView } from '../fixtures/views';
import { liveContext, mountFrame } from '../helpers/live-context';

const MS = 40;
const stops: (() => void)[] = [];
afterEach(() => {
  for (const stop of stops.splice(0)) stop();
});

function setup() {
  const clock = { now: 0 };
  const ctx = liveContext({ logger: { debug: () => {}, warn: () => {}, error: () => {} } }, { now: () => clock.now });
  ctx.routes.add('/counter', CounterView);
  const lines: string[] = [];
  const closedInOrder: string[] = [];
  const deadlines = new MountDeadlines(MS, (who) => `WebSocket from ${who}`, (line) => void lines.push(line), () => clock.now);
  stops.push(() => deadlines.stop());
  const open = (name = '') => {
    const sent: ServerMessage[] = [];
    const closed: number[] = [];
    const sink: Sink = {
      send: (messages) => void sent.push(...messages),
      close: (code) => {
        closed.push(code);
        closedInOrder.push(name);
      },
      bufferedBytes: () => 0,
    };
    return { connection: new Connection(ctx, sink), sent, closed };
  };
  return { ctx, clock, deadlines, lines, closedInOrder, open };
}

/** Opens `count` connections and starts their deadlines 1 ms apart (the i-th at clock i). */
function startSpaced(count: number, { clock, deadlines, open }: Pick<ReturnType<typeof setup>, 'clock' | 'deadlines' | 'open'>) {
  const all = Array.from({ length: count }, (_, i) => open(`c${i}`));
  for (const [i, c] of all.entries()) {
    clock.now = i;
    deadlines.start(c.connection, `c${i}`);
  }
  return all;
}

/** Waits (real time, bounded) until `test` holds. */
async function until(test: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !test(); i += 1) await new Promise((resolve) => setTimeout(resolve, 10));
  if (!test()) throw new Error(`timed out waiting for ${what}`);
}

describe('MountDeadlines', () => {
  it('fails each connection that has not mounted once its own deadline has passed, in start order', async () => {
    const { clock, deadlines, lines, closedInOrder, open } = setup();
    const first = open('first');
    deadlines.start(first.connection, '10.0.0.1');
    clock.now = 30;
    const second = open('second');
    deadlines.start(second.connection, '10.0.0.2');
    expect(deadlines.pending).toBe(2);
    clock.now = MS - 1; // nothing due yet, whenever the timer fires
    await new Promise((resolve) => setTimeout(resolve, MS + 20));
    expect(closedInOrder).toEqual([]);
    clock.now = MS;
    await until(() => closedInOrder.length === 1, 'the first deadline');
    expect(first.closed).toEqual([1008]);
    expect(first.sent).toEqual([expect.objectContaining({ type: 'error', code: 'mount_timeout' })]);
    expect(deadlines.pending).toBe(1);
    clock.now = 30 + MS;
    await until(() => closedInOrder.length === 2, 'the second deadline');
    expect(closedInOrder).toEqual(['first', 'second']);
    expect(lines).toEqual([
      'djust-lite: WebSocket from 10.0.0.1 closed: no view mounted within 40 ms (option mountTimeoutMs).',
      'djust-lite: WebSocket from 10.0.0.2 closed: no view mounted within 40 ms (option mountTimeoutMs).',
    ]);
    expect(deadlines.pending).toBe(0);
  });

  it('leaves a connection that mounted in time alone, and forgets its deadline when it passes', async () => {
    const { ctx, clock, deadlines, lines, open } = setup();
    const mounted = open();
    deadlines.start(mounted.connection, 'a');
    mounted.connection.receive(mountFrame(ctx, '/counter'));
    await until(() => mounted.connection.mounted, 'the mount');
    clock.now = MS;
    await until(() => deadlines.pending === 0, 'the deadline to pass');
    expect(mounted.closed).toEqual([]);
    expect(mounted.connection.closed).toBe(false);
    expect(lines).toEqual([]);
  });

  it('keeps its order across compaction: of 3,000 deadlines 1 ms apart, exactly the due ones pass', async () => {
    const { clock, deadlines, open } = setup();
    const all = startSpaced(3000, { clock, deadlines, open });
    clock.now = 2000 + MS; // deadlines at 40…3,039 ms: the first 2,001 are due
    await until(() => deadlines.pending === 999, 'the due deadlines');
    expect(all.map((c) => c.closed.length)).toEqual(all.map((_, i) => (i <= 2000 ? 1 : 0)));
    clock.now = 2999 + MS;
    await until(() => deadlines.pending === 0, 'the rest');
    expect(all.every((c) => c.closed.length === 1)).toBe(true);
  });

  it('release lets go of exactly the connection it names, before and after compaction and a restart of the queue', async () => {
    const { clock, deadlines, open } = setup();
    const all = startSpaced(3000, { clock, deadlines, open });
    const connectionAt = (i: number) => (all[i] as (typeof all)[number]).connection;
    const released = new Set<number>();
    const release = (i: number) => {
      deadlines.release(connectionAt(i));
      released.add(i);
    };
    for (let i = 0; i < 3000; i += 3) release(i);
    release(1);
    deadlines.release(connectionAt(1)); // twice: the second call finds nothing to let go of
    clock.now = 2000 + MS; // the first 2,001 pass, the arrays compact on the way
    await until(() => deadlines.pending === 999, 'the due deadlines');
    for (let i = 2002; i < 3000; i += 3) release(i); // places after compaction
    release(5); // already passed: nothing to let go of, nothing else touched
    expect(deadlines.pending).toBe(999); // an entry keeps its place (and time) until its deadline
    clock.now = 2999 + MS;
    await until(() => deadlines.pending === 0, 'the rest');
    expect(all.map((c) => c.closed.length)).toEqual(all.map((_, i) => (released.has(i) && i !== 5 ? 0 : 1)));
    // After the queue emptied (its arrays reset), new deadlines and releases still match up.
    const [kept, letGo] = [open('kept'), open('let go')];
    deadlines.start(kept.connection, 'kept');
    deadlines.start(letGo.connection, 'let go');
    deadlines.release(letGo.connection);
    deadlines.release(connectionAt(2999)); // a stale place from before the reset
    clock.now = 3000 + 2 * MS;
    await until(() => kept.closed.length === 1, 'the new deadline');
    expect(letGo.closed).toEqual([]);
    expect(kept.connection.mountDeadline).toBe(-1);
  });

  it('stop forgets every deadline: none fires afterwards, and it starts afresh', async () => {
    const { clock, deadlines, open } = setup();
    const before = open();
    deadlines.start(before.connection, 'a');
    deadlines.stop();
    expect(deadlines.pending).toBe(0);
    clock.now = 2 * MS;
    await new Promise((resolve) => setTimeout(resolve, MS + 20));
    expect(before.closed).toEqual([]);
    const after = open();
    deadlines.start(after.connection, 'b');
    clock.now = 3 * MS;
    await until(() => after.closed.length === 1, 'the new deadline');
    expect(after.closed).toEqual([1008]);
  });
});
