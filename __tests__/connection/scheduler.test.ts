import { Scheduler, type Resumable } from '../../lib/connection/scheduler';

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A target that records its name in `log` when resumed. */
function target(name: string, log: string[]): Resumable {
  return { resume: () => void log.push(name) };
}

describe('Scheduler', () => {
  it('resumes on a later turn, never in the caller\'s, in the order scheduled', async () => {
    const log: string[] = [];
    const scheduler = new Scheduler(10n ** 12n); // a budget no preemption of this test process can spend
    scheduler.schedule(target('a', log));
    scheduler.schedule(target('b', log));
    expect(log).toEqual([]);
    expect(scheduler.waiting).toBe(2);
    await nextTurn();
    expect(log).toEqual(['a', 'b']);
    expect(scheduler.waiting).toBe(0);
  });

  it('stops a turn once its budget is spent and resumes the rest on the next turns', async () => {
    const log: string[] = [];
    const scheduler = new Scheduler(0n); // every resume spends the whole budget
    for (const name of ['a', 'b', 'c']) scheduler.schedule(target(name, log));
    await nextTurn();
    expect(log).toEqual(['a']);
    await nextTurn();
    expect(log).toEqual(['a', 'b']);
    await nextTurn();
    expect(log).toEqual(['a', 'b', 'c']);
    expect(scheduler.waiting).toBe(0);
  });

  it('resumes a target at most once per turn: one scheduled again while the turn runs waits for the next', async () => {
    const log: string[] = [];
    const scheduler = new Scheduler(10n ** 12n);
    let again = 3;
    const repeating: Resumable = {
      resume: () => {
        log.push('repeat');
        if ((again -= 1) > 0) scheduler.schedule(repeating);
      },
    };
    scheduler.schedule(repeating);
    scheduler.schedule(target('other', log));
    await nextTurn();
    expect(log).toEqual(['repeat', 'other']);
    await nextTurn();
    expect(log).toEqual(['repeat', 'other', 'repeat']);
    await nextTurn();
    expect(log).toEqual(['repeat', 'other', 'repeat', 'repeat']);
  });

  it('two instances never share a queue: a backlog in one does not hold up the other', async () => {
    const log: string[] = [];
    const busy = new Scheduler(0n);
    const other = new Scheduler(0n);
    for (const name of ['busy1', 'busy2', 'busy3']) busy.schedule(target(name, log));
    other.schedule(target('other', log));
    expect([busy.waiting, other.waiting]).toEqual([3, 1]);
    await nextTurn();
    // A process-global queue would have run busy1 alone in this turn and left "other" behind busy2 and busy3.
    expect(log.sort()).toEqual(['busy1', 'other']);
    expect([busy.waiting, other.waiting]).toEqual([2, 0]);
    for (let i = 0; i < 10 && busy.waiting > 0; i += 1) await nextTurn();
    expect(busy.waiting).toBe(0);
  });
});

describe('Scheduler flush', () => {
  it('calls flush before and after each slice, around the resumes', async () => {
    const log: string[] = [];
    const scheduler = new Scheduler(10n ** 12n, () => log.push('flush'));
    scheduler.schedule(target('a', log));
    scheduler.schedule(target('b', log));
    await nextTurn();
    expect(log).toEqual(['flush', 'a', 'b', 'flush']);
  });
});

describe('Scheduler budget', () => {
  /**
   * A still clock the test moves: each resume takes 100 µs and the flush after a slice 50 µs
   * for each resume in it (a socket write each), as a broadcast's slice does.
   */
  function timed() {
    let clock = 0n;
    let unflushed = 0n;
    const turns: { resumed: number; ns: bigint }[] = [];
    let turn = { resumed: 0, start: -1n };
    const scheduler = new Scheduler(1_000_000n, () => {
      clock += unflushed * 50_000n;
      if (turn.start >= 0n && unflushed > 0n) {
        turns.push({ resumed: turn.resumed, ns: clock - turn.start });
        turn = { resumed: 0, start: -1n };
      }
      unflushed = 0n;
    }, () => clock);
    const subscriber: Resumable = {
      resume: () => {
        if (turn.start < 0n) turn.start = clock;
        turn.resumed += 1;
        clock += 100_000n;
        unflushed += 1n;
      },
    };
    return { scheduler, subscriber, turns };
  }

  it('counts the flush of a slice\'s writes in its budget, from what the last flushes cost', async () => {
    const { scheduler, subscriber, turns } = timed();
    for (let i = 0; i < 60; i += 1) scheduler.schedule({ resume: () => subscriber.resume() });
    for (let i = 0; i < 20 && scheduler.waiting > 0; i += 1) await nextTurn();
    expect(scheduler.waiting).toBe(0);
    // The first slice knows no flush cost yet: 11 resumes (1.1 ms), then its flush (0.55 ms).
    expect(turns[0]).toEqual({ resumed: 11, ns: 1_650_000n });
    // Then 7 resumes a slice: 0.7 ms + 0.35 ms of flush, within the budget plus one resume's share.
    for (const t of turns.slice(1, -1)) expect(t).toEqual({ resumed: 7, ns: 1_050_000n });
    expect(turns.reduce((n, t) => n + t.resumed, 0)).toBe(60);
  });

  it('resumes at least one target a turn, however dear its flush', async () => {
    const log: string[] = [];
    let clock = 0n;
    // Each resume takes 1 µs, the budget is 1 µs, and every flush takes 10 ms.
    const scheduler = new Scheduler(1_000n, () => void (clock += 10_000_000n), () => clock);
    for (const name of ['a', 'b', 'c', 'd']) scheduler.schedule({ resume: () => void (log.push(name), (clock += 1_000n)) });
    await nextTurn();
    expect(log).toEqual(['a', 'b']); // no flush cost known yet: stopped by time alone
    await nextTurn();
    expect(log).toEqual(['a', 'b', 'c']); // the flush alone is over budget: one resume
    await nextTurn();
    expect(log).toEqual(['a', 'b', 'c', 'd']);
    expect(scheduler.waiting).toBe(0);
  });
});
