import { JobQueue, type Job } from '../../lib/connection/job-queue';
import { AsyncWork, type AsyncCompletion } from '../../lib/view/async-work';
import { resolveLogger } from '../../lib/core/logger';

/** A real async result, as a view's AsyncWork posts it. */
async function completion(): Promise<AsyncCompletion> {
  let posted: AsyncCompletion | undefined;
  const work = new AsyncWork('View', resolveLogger({ warn() {}, error() {} }), (c) => (posted = c));
  work.request('start:x', 'startAsync("x")', 'x', null, () => 1);
  work.commit();
  for (let i = 0; i < 10 && posted === undefined; i += 1) await Promise.resolve();
  if (posted === undefined) throw new Error('no completion posted');
  return posted;
}

const event = (ref: number): Job => ({ kind: 'event', message: { type: 'event', ref, event: 'e', params: {} } });
const info = (payload: unknown): Job => ({ kind: 'info', payload, dropped: false });
const error = (ref: number): Job => ({ kind: 'error', message: { type: 'error', code: 'bad_json', message: 'x', ref } });

describe('JobQueue', () => {
  it('keeps arrival order as it goes from one job to several and back, a displaced single info included', () => {
    const queue = new JobQueue(1);
    const taken: unknown[] = [];
    const take = () => {
      const job = queue.shift();
      taken.push(job === undefined ? 'none' : job.kind === 'info' ? job.payload : job.kind === 'event' ? job.message.ref : job.kind);
    };
    queue.push(event(1));
    take(); // one job, taken at once (a click)
    take();
    queue.push(info('a'));
    expect(queue.push(info('b'))).toBe('displaced'); // the single held info is displaced: b follows it in the list
    queue.push(event(2));
    expect(queue.hasInfo(null)).toBe(true); // 'a' was displaced: skipped
    take();
    take();
    take();
    queue.push(info('c'));
    expect(queue.push(info('d'))).toBe('displaced');
    expect(queue.length).toBe(1);
    take();
    take();
    expect(taken).toEqual([1, 'none', 'b', 2, 'none', 'd', 'none']);
    expect(queue.taken).toBe(4);
  });

  it('bounds each kind on its own: a full kind refuses, the others still queue', () => {
    const queue = new JobQueue(2);
    expect([queue.push(event(1)), queue.push(event(2)), queue.push(event(3))]).toEqual(['queued', 'queued', 'full']);
    expect([queue.push(error(1)), queue.push(error(2)), queue.push(error(3))]).toEqual(['queued', 'queued', 'full']);
    expect(queue.push(info('a'))).toBe('queued');
    expect(queue.length).toBe(5);
  });

  it('lets a new info displace the oldest waiting info, keeping arrival order for the rest', () => {
    const queue = new JobQueue(2);
    queue.push(info(1));
    queue.push(event(1));
    queue.push(info(2));
    expect(queue.push(info(3))).toBe('displaced');
    expect(queue.length).toBe(3);
    const order: unknown[] = [];
    for (let job = queue.shift(); job; job = queue.shift()) order.push(job.kind === 'info' ? `info ${String(job.payload)}` : job.kind);
    expect(order).toEqual(['event', 'info 2', 'info 3']);
    expect(queue.length).toBe(0);
  });

  it('frees a kind\'s room as its jobs are taken, and clear() empties every kind', () => {
    const queue = new JobQueue(1);
    queue.push(event(1));
    expect(queue.push(event(2))).toBe('full');
    expect(queue.shift()).toEqual(event(1));
    expect(queue.push(event(3))).toBe('queued');
    queue.push(info('x'));
    queue.clear();
    expect([queue.length, queue.shift()]).toEqual([0, undefined]);
    expect([queue.push(event(4)), queue.push(info('y')), queue.push(info('z'))]).toEqual(['queued', 'queued', 'displaced']);
  });

  it('never displaces an async result: it waits beside the infos, uncounted by their cap', async () => {
    const queue = new JobQueue(1);
    const done = await completion();
    queue.push(info(1));
    expect(queue.push(info(done))).toBe('queued');
    expect(queue.push(info(2))).toBe('displaced');
    expect(queue.push(info(3))).toBe('displaced');
    const order: unknown[] = [];
    for (let job = queue.shift(); job; job = queue.shift()) order.push(job.kind === 'info' ? job.payload : job.kind);
    expect(order).toEqual([done, 3]);
    expect(queue.length).toBe(0);
  });

  describe('shiftInfo', () => {
    it('takes the infos at the head for a batch, skipping displaced ones, and stops at anything else', () => {
      const queue = new JobQueue(2);
      for (const payload of ['a', 'b', 'c']) queue.push(info(payload)); // 'a' displaced
      queue.push(event(1));
      expect(queue.shiftInfo(null)).toMatchObject({ payload: 'b' });
      queue.push(info('d')); // room for it: 'b' was taken
      expect(queue.shiftInfo(null)).toMatchObject({ payload: 'c' });
      expect(queue.hasInfo(null)).toBe(false);
      expect(queue.shiftInfo(null)).toBeUndefined();
      expect(queue.length).toBe(2);
      expect(queue.shift()).toMatchObject({ kind: 'event' });
      expect(queue.shiftInfo(null)).toMatchObject({ payload: 'd' });
      expect(queue.length).toBe(0);
      expect(queue.push(info('e'))).toBe('queued'); // the infos' count went down with each taken
      expect(queue.push(info('f'))).toBe('queued');
    });

    it('leaves an async result and an info meant for another view in place', async () => {
      const queue = new JobQueue(4);
      const mine = {};
      const done = await completion();
      queue.push({ kind: 'info', payload: 1, dropped: false, from: mine });
      queue.push(info(done));
      queue.push({ kind: 'info', payload: 2, dropped: false, from: {} });
      expect(queue.shiftInfo(mine)).toMatchObject({ payload: 1 });
      expect(queue.shiftInfo(mine)).toBeUndefined();
      expect(queue.shift()).toMatchObject({ payload: done });
      expect(queue.hasInfo(mine)).toBe(false);
      expect(queue.shift()).toMatchObject({ payload: 2 });
    });
  });
});
