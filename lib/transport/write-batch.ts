import { setImmediate } from 'node:timers';

/** A socket or response that can hold its writes back (net.Socket, http.ServerResponse). */
export interface Corkable {
  cork(): void;
  uncork(): void;
  readonly writableLength: number;
}

/** Streams held until the end of this turn → bytes they had queued before it (their backlog). */
const corked = new Map<Corkable, number>();
let flushScheduled = false;

function flushAll(): void {
  flushScheduled = false;
  for (const stream of corked.keys()) stream.uncork();
  corked.clear();
}

/**
 * Holds `stream`'s writes until the end of this turn of the event loop (the check phase,
 * after every socket that was readable in this turn has been handled), then flushes every
 * stream held so in a row: one write syscall per stream per turn, whatever number of jobs
 * wrote to it.
 *
 * Why: a write to a loopback or LAN peer that is asleep wakes it, which costs the writer
 * several µs in the kernel (a cross-CPU wake-up, dearer in a VM). Writes issued back to back
 * find the peer awake after the first. Under load this raised the counter benchmark from ~27k
 * to ~39k events/s at 50 connections (bench/README.md); an idle server pays one
 * `setImmediate` hop (~1 µs) per turn.
 */
export function corkUntilTurnEnds(stream: Corkable): void {
  if (corked.has(stream)) return;
  corked.set(stream, stream.writableLength);
  stream.cork();
  if (!flushScheduled) {
    flushScheduled = true;
    setImmediate(flushAll);
  }
}

/**
 * Bytes `stream` still has queued from earlier turns: what a slow-reader check should look
 * at, since this turn's own writes are held on purpose until it ends.
 */
export function backlogOf(stream: Corkable): number {
  return corked.get(stream) ?? stream.writableLength;
}
