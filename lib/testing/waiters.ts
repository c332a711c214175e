/**
 * Bounded waits on something a connection records: `until(probe)` resolves with the first
 * non-undefined answer of `probe`, re-asked on every `wake()`; it rejects when `probe` throws
 * or when `timeoutMs` passes first.
 *
 * @example
 * const waiters = new Waiters();
 * socket.on('message', (m) => { messages.push(m); waiters.wake(); });
 * const mounted = await waiters.until(() => messages.find((m) => m.type === 'mounted'), 5000, () => new DjustError('DJUST_ERR_LIVE_TEST_TIMEOUT', 'no mount'));
 */
export class Waiters {
  readonly #wakers = new Set<() => void>();

  /** Asks every pending probe again (after something arrived, or the connection ended). */
  wake(): void {
    for (const wake of [...this.#wakers]) wake();
  }

  until<T>(probe: () => T | undefined, timeoutMs: number, timedOut: () => Error): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const settle = (): boolean => {
        let value: T | undefined;
        try {
          value = probe();
        } catch (err) {
          cleanup();
          reject(err as Error);
          return true;
        }
        if (value === undefined) return false;
        cleanup();
        resolve(value);
        return true;
      };
      const wake = (): void => void settle();
      const timer = setTimeout(() => {
        cleanup();
        reject(timedOut());
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.#wakers.delete(wake);
      };
      if (!settle()) this.#wakers.add(wake);
    });
  }
}
