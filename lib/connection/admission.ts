/**
 * A token bucket: `rate` tokens per second, holding at most `rate` (the burst is one second's
 * worth). `take(cost)` spends `cost` tokens (default 1), or answers false — spending nothing —
 * when fewer are left.
 */
export class TokenBucket {
  readonly #rate: number;
  readonly #now: () => number;
  #tokens: number;
  #refilledAt: number;

  constructor(rate: number, now: () => number) {
    this.#rate = rate;
    this.#now = now;
    this.#tokens = rate;
    this.#refilledAt = now();
  }

  /** Milliseconds until `cost` tokens are there (0 when they are now). */
  wait(cost = 1): number {
    const missing = cost - Math.min(this.#rate, this.#tokens + ((this.#now() - this.#refilledAt) * this.#rate) / 1000);
    return missing <= 0 ? 0 : Math.ceil((missing * 1000) / this.#rate);
  }

  /**
   * Charges work already done (a params schema's check): spends `cost` tokens, into debt down
   * to one second's worth below zero; the frames after it wait until the budget is back.
   */
  spend(cost: number): void {
    const now = this.#now();
    this.#tokens = Math.max(-this.#rate, Math.min(this.#rate, this.#tokens + ((now - this.#refilledAt) * this.#rate) / 1000) - cost);
    this.#refilledAt = now;
  }

  take(cost = 1): boolean {
    const now = this.#now();
    this.#tokens = Math.min(this.#rate, this.#tokens + ((now - this.#refilledAt) * this.#rate) / 1000);
    this.#refilledAt = now;
    if (this.#tokens < cost) return false;
    this.#tokens -= cost;
    return true;
  }
}
