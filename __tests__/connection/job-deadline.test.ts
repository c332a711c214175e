import { awaitWithin } from '../../lib/connection/job-deadline';

/** A promise the test settles by hand. */
function deferred(): { promise: Promise<void>; resolve(): void; reject(err: unknown): void } {
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

async function until(test: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !test(); i += 1) await new Promise((resolve) => setTimeout(resolve, 5));
  if (!test()) throw new Error('condition not met in time');
}

describe('awaitWithin', () => {
  it('calls settled when the job settles in time, and never timedOut', async () => {
    const job = deferred();
    const calls: string[] = [];
    awaitWithin(job.promise, 60, () => calls.push('settled'), () => calls.push('timedOut'));
    job.resolve();
    await until(() => calls.length > 0);
    await new Promise((resolve) => setTimeout(resolve, 120)); // past the deadline: the timer was cleared
    expect(calls).toEqual(['settled']);
  });

  it('calls timedOut when the deadline passes first, and not settled when the job settles later', async () => {
    const job = deferred();
    const calls: string[] = [];
    awaitWithin(job.promise, 10, () => calls.push('settled'), () => calls.push('timedOut'));
    await until(() => calls.length > 0);
    job.resolve();
    await flush();
    expect(calls).toEqual(['timedOut']);
  });

  it('stops waiting when told (the connection closed): neither runs, whether the deadline or the job comes first', async () => {
    const calls: string[] = [];
    const early = deferred();
    const stopEarly = awaitWithin(early.promise, 10, () => calls.push('settled 1'), () => calls.push('timedOut 1'));
    const late = deferred();
    const stopLate = awaitWithin(late.promise, 10, () => calls.push('settled 2'), () => calls.push('timedOut 2'));
    stopEarly();
    stopLate();
    early.resolve();
    await new Promise((resolve) => setTimeout(resolve, 40)); // past both deadlines
    late.resolve();
    await flush();
    expect(calls).toEqual([]);
  });

  it('counts a rejection as settled (the caller handles the error before)', async () => {
    const job = deferred();
    const calls: string[] = [];
    awaitWithin(job.promise, 1000, () => calls.push('settled'), () => calls.push('timedOut'));
    job.reject(new Error('boom'));
    await until(() => calls.length > 0);
    expect(calls).toEqual(['settled']);
  });
});
