// Admission of inbound frames: the rate budget every frame is charged to before it is parsed,
// and the penalty that closes a connection whose frames keep coming at over twice the rate.

/**
 * A token bucket: `rate` tokens per second, holding at most `rate` (the burst is one second's
 * worth). `take(cost)` spends `cost` tokens (default 1), or answers false — spending nothing —
 * when fewer are left.
 */
export class TokenBucket {
  protected readonly rate: number;
  protected readonly now: () => number;
  #tokens: number;
  #refilledAt: number;

  constructor(rate: number, now: () => number) {
    this.rate = rate;
    this.now = now;
    this.#tokens = rate;
    this.#refilledAt = now();
  }

  /** Milliseconds until `cost` tokens are there (0 when they are now). */
  wait(cost = 1): number {
    const missing = cost - Math.min(this.rate, this.#tokens + ((this.now() - this.#refilledAt) * this.rate) / 1000);
    return missing <= 0 ? 0 : Math.ceil((missing * 1000) / this.rate);
  }

  /**
   * Charges work already done (a params schema's check): spends `cost` tokens, into debt down
   * to one second's worth below zero; the frames after it wait until the budget is back.
   */
  spend(cost: number): void {
    const now = this.now();
    this.#tokens = Math.max(-this.rate, Math.min(this.rate, this.#tokens + ((now - this.#refilledAt) * this.rate) / 1000) - cost);
    this.#refilledAt = now;
  }

  take(cost = 1): boolean {
    const now = this.now();
    this.#tokens = Math.min(this.rate, this.#tokens + ((now - this.#refilledAt) * this.rate) / 1000);
    this.#refilledAt = now;
    if (this.#tokens < cost) return false;
    this.#tokens -= cost;
    return true;
  }
}

/** Each frame costs one token from the rate budget, plus one per this many bytes. */
export const BYTES_PER_TOKEN = 4096;

/** What to do with a frame `Admission.admit` refused: answer `rate_limited` and stop reading for `holdMs`, or close the connection. */
export type Refusal = { readonly close: false; readonly holdMs: number } | { readonly close: true };

/**
 * What one connection's frames may cost (option `maxEventsPerSecond`): every frame is charged
 * before it is decoded or parsed — events, pings, invalid, binary or duplicate ones alike — one
 * token, plus one per 4 KiB. A refused frame is charged to a second, penalty budget (made on
 * the first refusal); once that runs dry too — frames at over twice the rate — the connection
 * is to be closed. The rate budget is the Admission itself (a TokenBucket): one object per
 * connection, not two.
 *
 * @example
 * const admission = new Admission(options.maxEventsPerSecond, Date.now);
 * if (!admission.admit(frame.length)) {
 *   const refusal = admission.refuse();
 *   if (refusal.close) closeIt(); else holdReading(refusal.holdMs);
 * }
 */
export class Admission extends TokenBucket {
  #penalty: TokenBucket | null = null;
  /** What the last frame `admit` saw cost (for the wait `refuse` asks for). */
  #lastCost = 1;

  /**
   * `maxValues`: what a params schema may check per frame (option `maxParamsValues`); with
   * `charge` this makes the Admission the connection's params budget itself (mounted-view.ts
   * `ParamsBudget`), not an object and closure of their own per connection.
   */
  constructor(rate: number, now: () => number, readonly maxValues = Number.POSITIVE_INFINITY) {
    super(rate, now);
  }

  /** Charges a frame of `bytes`; false when the budget is empty (then call `refuse`). */
  admit(bytes: number): boolean {
    this.#lastCost = 1 + Math.floor(bytes / BYTES_PER_TOKEN);
    return this.take(this.#lastCost);
  }

  /** Charges a refused frame to the penalty budget: hold reading until the budget has refilled for it, or close once the penalty is spent too. */
  refuse(): Refusal {
    if (!(this.#penalty ??= new TokenBucket(this.rate, this.now)).take()) return { close: true };
    return { close: false, holdMs: this.wait(this.#lastCost) };
  }

  /** Charges work a frame caused after it was admitted (a params schema's check); see `TokenBucket.spend`. */
  charge(tokens: number): void {
    this.spend(tokens);
  }
}

/** The `ref` of a frame refused before it was parsed, read from its first bytes (null when not there). */
export function sniffRef(text: string): number | null {
  const match = /"ref"\s*:\s*(\d{1,9})\b/.exec(text.length > 256 ? text.slice(0, 256) : text);
  return match ? Number(match[1]) : null;
}
