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

describe('JobQueue against a model (a plain array scanned in order)', () => {
  // fast-check drives random pushes, shifts, batch takes and clears; the model is the queue's
  // specification written the slow way: one array, a kind's room counted by scanning it, the
  // oldest waiting info found by a search. The queue's lists (one job held as itself, a list
  // for the second, for jobs and for infos alike) must give the same answers in every case.
  type Op = { op: 'push'; kind: 'event' | 'error' | 'info'; from: 0 | 1 | 2 } | { op: 'shift' } | { op: 'shiftInfo'; host: 0 | 1 | 2 } | { op: 'clear' };
  const hosts = [undefined, { name: 'a' }, { name: 'b' }] as const;

  class Model {
    jobs: Job[] = [];
    constructor(readonly cap: number) {}
    count(kind: 'events' | 'errors' | 'infos'): number {
      return this.jobs.filter((j) => (kind === 'events' ? j.kind === 'event' : kind === 'errors' ? j.kind === 'error' : j.kind === 'info' && !j.dropped)).length;
    }
    push(job: Job): string {
      if (job.kind === 'event' && this.count('events') >= this.cap) return 'full';
      if (job.kind === 'error' && this.count('errors') >= this.cap) return 'full';
      let result = 'queued';
      if (job.kind === 'info' && this.count('infos') >= this.cap) {
        const oldest = this.jobs.find((j) => j.kind === 'info' && !j.dropped);
        if (oldest?.kind === 'info') oldest.dropped = true;
        result = 'displaced';
      }
      this.jobs.push(job);
      return result;
    }
    shift(): Job | undefined {
      while (this.jobs.length > 0) {
        const job = this.jobs.shift() as Job;
        if (job.kind === 'info' && job.dropped) continue;
        return job;
      }
      return undefined;
    }
    shiftInfo(host: object | null): Job | undefined {
      while (this.jobs[0]?.kind === 'info' && this.jobs[0].dropped) this.jobs.shift();
      const next = this.jobs[0];
      if (next?.kind !== 'info' || (next.from !== undefined && next.from !== host)) return undefined;
      return this.shift();
    }
    get length(): number {
      return this.jobs.filter((j) => !(j.kind === 'info' && j.dropped)).length;
    }
  }

  it('answers every push, shift, shiftInfo, hasInfo and length as the model does, displaced infos included', async () => {
    const fc = await import('fast-check');
    const op: import('fast-check').Arbitrary<Op> = fc.oneof(
      fc.record({ op: fc.constant('push' as const), kind: fc.constantFrom('event' as const, 'error' as const, 'info' as const, 'info' as const), from: fc.constantFrom(0 as const, 1 as const, 2 as const) }),
      fc.record({ op: fc.constant('shift' as const) }),
      fc.record({ op: fc.constant('shiftInfo' as const), host: fc.constantFrom(0 as const, 1 as const, 2 as const) }),
      fc.constant({ op: 'clear' as const }),
    );
    fc.assert(fc.property(fc.integer({ min: 1, max: 4 }), fc.array(op, { maxLength: 60 }), (cap, ops) => {
      const queue = new JobQueue(cap);
      const model = new Model(cap);
      let serial = 0;
      for (const o of ops) {
        if (o.op === 'push') {
          serial += 1;
          const make = (): Job => (o.kind === 'info'
            ? { kind: 'info', payload: serial, dropped: false, from: hosts[o.from] }
            : { kind: o.kind, message: { type: 'error', code: 'bad_message', message: String(serial), ref: serial } } as Job);
          const mine = make();
          const theirs = make();
          expect(queue.push(mine)).toBe(model.push(theirs));
        } else if (o.op === 'shift') {
          expect(label(queue.shift())).toEqual(label(model.shift()));
        } else if (o.op === 'shiftInfo') {
          const host = hosts[o.host] ?? null;
          const expected = model.shiftInfo(host);
          expect(queue.hasInfo(host)).toBe(expected !== undefined);
          expect(label(queue.shiftInfo(host))).toEqual(label(expected));
        } else {
          queue.clear();
          model.jobs = [];
        }
        expect(queue.length).toBe(model.length);
      }
    }), { numRuns: 400 });
  });

  /** A job as the test compares it: kind and serial number. */
  function label(job: Job | undefined): string {
    if (job === undefined) return 'none';
    if (job.kind === 'info') return `info ${String(job.payload)}`;
    return `${job.kind} ${'message' in job && 'ref' in job.message ? String(job.message.ref) : ''}`;
  }
});
