import { TokenBucket } from '../../lib/connection/admission';

describe('TokenBucket', () => {
  it('allows a burst of one second\'s worth, then refills at the rate', () => {
    let now = 1000;
    const bucket = new TokenBucket(4, () => now);
    expect([1, 2, 3, 4, 5].map(() => bucket.take())).toEqual([true, true, true, true, false]);
    now += 250; // one token back
    expect([bucket.take(), bucket.take()]).toEqual([true, false]);
    now += 10_000; // never more than the burst
    expect([1, 2, 3, 4, 5].map(() => bucket.take())).toEqual([true, true, true, true, false]);
  });

  describe('spend', () => {
    it('charges work already done into debt, at most one second of it; frames wait until it is paid', () => {
      let now = 0;
      const bucket = new TokenBucket(10, () => now);
      bucket.spend(15);
      expect(bucket.take()).toBe(false);
      expect(bucket.wait()).toBe(600); // from -5 to 1 at 10/s
      bucket.spend(1000); // debt stops at -10
      now += 1100;
      expect(bucket.take()).toBe(true);
    });
  });
});
