import { clearTimeout, setTimeout } from 'node:timers';

/**
 * Waits for an async job (a handler, a mount that returned a promise) against a deadline
 * (option `handlerTimeoutMs`): `settled` runs when `pending` settles within `ms`, `timedOut`
 * when `ms` passes first — never both, and never one twice. A rejection is the caller's to
 * handle before it passes `pending` here (both outcomes are "settled"). The returned function
 * gives up waiting (the connection closed): neither runs, and the timer no longer holds what
 * `timedOut` closes over.
 *
 * @example
 * const stop = awaitWithin(job, options.handlerTimeoutMs, () => write(out), () => write([timeoutError]));
 */
export function awaitWithin(pending: Promise<unknown>, ms: number, settled: () => void, timedOut: () => void): () => void {
  let done = false;
  const timer = setTimeout(() => {
    if (done) return;
    done = true;
    timedOut();
  }, ms);
  const finish = (): void => {
    clearTimeout(timer);
    if (done) return;
    done = true;
    settled();
  };
  pending.then(finish, finish);
  return () => {
    clearTimeout(timer);
    done = true;
  };
}
