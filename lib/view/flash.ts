import { DjustError } from '../core/errors';
import type { FlashMessage } from '../contract/protocol';

const LEVEL_RE = /^[a-z][a-z0-9_-]{0,31}$/;
/** Pending flash messages kept per view between drains; more drops the oldest. */
const MAX_PENDING = 32;

/**
 * Flash messages of one view: `put` and `clear` in call order, drained after the handler's
 * response and its page metadata. `current` is what the page shows now (for the HTTP render).
 */
export class Flash {
  /** Messages not yet drained; made on the first put or clear (per connection, most views never flash). */
  #pending: FlashMessage[] | null = null;
  /** Allocated on the first put (most views never flash; this is per connection). */
  #current: Map<string, string> | null = null;

  put(level: unknown, message: unknown): void {
    if (typeof level !== 'string' || !LEVEL_RE.test(level)) {
      throw new DjustError(
        'DJUST_ERR_INVALID_FLASH',
        `putFlash(level, message): level must be a short lowercase word like "info", "success" or "error", got ${JSON.stringify(level)}.`,
      );
    }
    if (typeof message !== 'string') {
      throw new DjustError('DJUST_ERR_INVALID_FLASH', `putFlash("${level}", message): message must be a string, got ${typeof message}.`);
    }
    (this.#current ??= new Map()).set(level, message);
    this.#push({ type: 'flash', action: 'put', level, message });
  }

  clear(level?: unknown): void {
    if (level !== undefined && (typeof level !== 'string' || !LEVEL_RE.test(level))) {
      throw new DjustError('DJUST_ERR_INVALID_FLASH', `clearFlash(level?): level must be a lowercase word or omitted, got ${JSON.stringify(level)}.`);
    }
    if (level === undefined) this.#current?.clear();
    else this.#current?.delete(level);
    this.#push(level === undefined ? { type: 'flash', action: 'clear' } : { type: 'flash', action: 'clear', level });
  }

  #push(message: FlashMessage): void {
    const pending = (this.#pending ??= []);
    if (pending.length >= MAX_PENDING) pending.shift();
    pending.push(message);
  }

  /** level → message of what is shown now. */
  get current(): Record<string, string> {
    return this.#current === null ? {} : Object.fromEntries(this.#current);
  }

  /**
   * The messages `current` (level → message) of the view this one replaced on the connection
   * (`pushNavigate`): shown now, without sending them again (the client shows them already).
   */
  carry(current: Record<string, string>): void {
    for (const level of Object.keys(current)) (this.#current ??= new Map()).set(level, current[level] as string);
  }

  /** The HTML render shows `current`; nothing is pending for the client. */
  markRendered(): void {
    if (this.#pending !== null) this.#pending.length = 0;
  }

  /** Returns a function that restores what is shown and pending to now (a handler failed). */
  snapshot(): () => void {
    // Copies only what is there (most views never flash; this runs per event).
    const current = this.#current === null || this.#current.size === 0 ? null : new Map(this.#current);
    const pending = this.#pending?.length ?? 0;
    return () => {
      this.#current = current;
      if (this.#pending !== null) this.#pending.length = Math.min(pending, this.#pending.length);
    };
  }

  drain(out: { push(m: FlashMessage): unknown }): void {
    const pending = this.#pending;
    if (pending === null || pending.length === 0) return;
    for (const message of pending) out.push(message);
    pending.length = 0;
  }
}
