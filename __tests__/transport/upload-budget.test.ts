/**
 * UploadBudget (lib/transport/upload-budget.ts): the per-turn byte budget of upload chunks, and
 * the shared rate that holds them back while a neighbour sends events. A real TurnCounter (turns
 * advance on setImmediate), an injected clock.
 */
import { TurnCounter } from '../../lib/transport/read-budget';
import { NEIGHBOUR_MS, UPLOAD_BYTES_PER_TURN, UploadBudget } from '../../lib/transport/upload-budget';

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const CHUNK = 100_000;
/** 1,000,000 bytes a second: 1,000 bytes a ms. */
const RATE = 1_000_000;

function budget(): { budget: UploadBudget; clock: { ms: number } } {
  const clock = { ms: 10_000 };
  return { budget: new UploadBudget(new TurnCounter(), { sharedBytesPerSecond: RATE, now: () => clock.ms }), clock };
}

describe('UploadBudget', () => {
  describe('per turn', () => {
    it('takes chunks up to UPLOAD_BYTES_PER_TURN a turn, always the first, and starts again next turn', async () => {
      const { budget: b } = budget();
      expect(b.take(UPLOAD_BYTES_PER_TURN + 1)).toBe(true); // the first of a turn passes whatever its size
      expect(b.take(1)).toBe(false);
      expect(b.waitMs()).toBe(0); // no neighbour: the next turn will do
      await nextTurn();
      const fit = Math.floor(UPLOAD_BYTES_PER_TURN / CHUNK);
      for (let i = 0; i < fit; i += 1) expect(b.take(CHUNK)).toBe(true);
      expect(b.take(CHUNK)).toBe(false);
    });
  });

  describe('neighbour first', () => {
    it('does not share while no upload ran within NEIGHBOUR_MS (a page announcing its first upload is no neighbour)', () => {
      const { budget: b } = budget();
      b.neighbour();
      expect(b.shared).toBe(false);
    });

    it('holds uploads to the shared rate for NEIGHBOUR_MS after a neighbour’s event, then runs at full speed again', async () => {
      const { budget: b, clock } = budget();
      expect(b.take(CHUNK)).toBe(true);
      clock.ms += 1;
      b.neighbour();
      expect(b.shared).toBe(true);
      await nextTurn();
      // The rate starts empty: the first chunk waits for one ms of credit, then passes and is owed.
      expect(b.take(CHUNK)).toBe(false);
      clock.ms += 1;
      expect(b.take(CHUNK)).toBe(true);
      await nextTurn();
      expect(b.take(CHUNK)).toBe(false); // a new turn, but the rate owes 99,000 bytes
      expect(b.waitMs()).toBe(Math.ceil((CHUNK - 1_000) / (RATE / 1000)) + 1);
      clock.ms += 99;
      expect(b.take(CHUNK)).toBe(false); // 99 ms paid back 99,000 bytes: nothing left yet
      clock.ms += 1;
      expect(b.take(CHUNK)).toBe(true);
      // Past NEIGHBOUR_MS with no other event, the rate no longer applies.
      clock.ms += NEIGHBOUR_MS;
      expect(b.shared).toBe(false);
      await nextTurn();
      expect(b.take(CHUNK)).toBe(true);
      expect(b.take(CHUNK)).toBe(true);
    });

    it('bounds what the rate lets through over time, whatever the chunks: rate × time + one turn’s budget + one chunk', async () => {
      const { budget: b, clock } = budget();
      b.take(1);
      b.neighbour();
      let taken = 0;
      const start = clock.ms;
      for (let step = 0; step < 2_000; step += 1) {
        b.neighbour(); // the neighbour keeps clicking
        if (b.take(CHUNK)) taken += CHUNK;
        else clock.ms += Math.max(b.waitMs(), 1);
        await nextTurn();
      }
      const elapsedMs = clock.ms - start;
      expect(elapsedMs).toBeGreaterThan(1_000);
      expect(taken).toBeLessThanOrEqual((RATE / 1000) * elapsedMs + UPLOAD_BYTES_PER_TURN + CHUNK);
      expect(taken).toBeGreaterThan((RATE / 1000) * elapsedMs * 0.9); // and not far below it
    });

    it('says at debug when the uploads start yielding, naming the option, once per stretch of sharing', () => {
      const lines: string[] = [];
      const clock = { ms: 10_000 };
      const b = new UploadBudget(new TurnCounter(), { sharedBytesPerSecond: RATE, now: () => clock.ms, debug: (m) => void lines.push(m) });
      b.take(1);
      b.neighbour();
      clock.ms += 100;
      b.neighbour(); // the same stretch
      expect(lines).toEqual([`djust-lite: WebSocket uploads yield to another connection's events: ${RATE} bytes/s together for ${NEIGHBOUR_MS} ms after its last one (option sharedUploadBytesPerSecond).`]);
      clock.ms += NEIGHBOUR_MS - 50;
      b.take(1);
      clock.ms += 100; // past the stretch: a new one
      b.neighbour();
      expect(lines).toHaveLength(2);
    });

    it('waits no longer than the sharing lasts', async () => {
      const { budget: b, clock } = budget();
      b.take(1);
      b.neighbour();
      clock.ms += 1;
      await nextTurn();
      expect(b.take(10 * RATE)).toBe(true); // one huge chunk: owed for ten seconds
      expect(b.take(1)).toBe(false);
      expect(b.waitMs()).toBeLessThanOrEqual(NEIGHBOUR_MS);
    });
  });
});
