/** Region update as the `patch` message carries it. */
export interface RegionPatch {
  html: string;
}

/**
 * The live region as the client last received it. `update(next)` returns what to send for a
 * new render, or null when nothing changed.
 */
export class RegionState {
  #html: string;

  constructor(html: string) {
    this.#html = html;
  }

  get html(): string {
    return this.#html;
  }

  update(next: string): RegionPatch | null {
    if (next === this.#html) return null;
    this.#html = next;
    return { html: next };
  }
}
