import { Admission, BYTES_PER_TOKEN, sniffRef, TokenBucket } from '../../lib/connection/admission';

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

describe('Admission', () => {
  it('charges one token per frame plus one per 4 KiB', () => {
    const now = 1000;
    const admission = new Admission(4, () => now);
    expect(admission.admit(BYTES_PER_TOKEN * 2)).toBe(true); // costs 3
    expect(admission.admit(10)).toBe(true); // costs 1: the budget is empty now
    expect(admission.admit(10)).toBe(false);
  });

  it('asks to hold reading until the refused frame\'s cost has refilled, then to close once the penalty is spent', () => {
    let now = 1000;
    const admission = new Admission(2, () => now);
    expect([admission.admit(1), admission.admit(1), admission.admit(1)]).toEqual([true, true, false]);
    expect(admission.refuse()).toEqual({ close: false, holdMs: 500 });
    now += 250;
    expect(admission.admit(1)).toBe(false);
    expect(admission.refuse()).toEqual({ close: false, holdMs: 250 });
    expect(admission.admit(1)).toBe(false);
    expect(admission.refuse()).toEqual({ close: true }); // twice the rate: the penalty budget (2) is spent
  });

  it('is its own rate budget: work charged after admission (a params check) delays the frames after it', () => {
    let now = 1000;
    const admission = new Admission(4, () => now, 100);
    expect(admission.maxValues).toBe(100);
    expect(admission.admit(1)).toBe(true);
    admission.charge(7); // 3 left − 7: four tokens of debt, the most it can go (one second's worth)
    expect(admission.admit(1)).toBe(false);
    expect(admission.refuse()).toEqual({ close: false, holdMs: 1250 }); // back to 1 token after 5 tokens' refill
    now += 1250;
    expect(admission.admit(1)).toBe(true);
    expect(admission.admit(1)).toBe(false);
  });
});

describe('sniffRef', () => {
  it('reads the ref from the first 256 characters only', () => {
    expect(sniffRef('{"type":"event","ref": 42,"event":"x"}')).toBe(42);
    expect(sniffRef(`{"pad":"${'x'.repeat(300)}","ref":7}`)).toBeNull();
    expect(sniffRef('not json')).toBeNull();
  });
});
