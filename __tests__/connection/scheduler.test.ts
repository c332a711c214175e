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
