/**
 * What the debug lines cost while they are off: the guard every hot-path line sits behind
 * (`if (logger.event.enabled) …`), read on a `djust-lite:*` channel of the `debug` package with
 * DEBUG unset, against a plain `false` field (what code without logging would do at most).
 * Run: `npx ts-node --transpile-only scripts/bench-logging.ts` (unset DEBUG first).
 */
import { resolveLogger, type DebugChannel } from '../lib/core/logger';

const N = 20_000_000;

function timeReads(channel: DebugChannel): number {
  let hits = 0;
  const start = process.hrtime.bigint();
  for (let i = 0; i < N; i += 1) if (channel.enabled) hits += 1;
  const ns = Number(process.hrtime.bigint() - start) / N;
  if (hits !== 0) throw new Error('a channel was on: unset DEBUG');
  return ns;
}

const logger = resolveLogger(undefined);
const plain: DebugChannel = Object.assign(() => {}, { enabled: false });
for (let round = 0; round < 3; round += 1) {
  const off = timeReads(logger.event);
  const base = timeReads(plain);
  // A live event reads three guards (event timing, head, and unknown-event only on a miss).
  console.log(`round ${round + 1}: debug-package guard ${off.toFixed(2)} ns, plain field ${base.toFixed(2)} ns, per event (3 guards) ${(3 * off).toFixed(1)} ns`);
}
