/**
 * Live connections, WebSocket and SSE together: how many in all (option `maxConnections`) and
 * per client address (option `maxConnectionsPerClient`), so no one address can take every
 * slot. A transport asks `refusal(client)` before it opens a connection, then reports
 * `opened(client)` and, exactly once, `closed(client)`.
 *
 * @example
 * const why = limits.refusal(client);
 * if (why) return refuse(429, `Too Many Requests: ${why}.`);
 * limits.opened(client);
 * socket.once('close', () => limits.closed(client));
 */
export class ConnectionLimits {
  readonly #max: number;
  readonly #maxPerClient: number;
  readonly #perClient = new Map<string, number>();
  #count = 0;

  constructor(max: number, maxPerClient: number) {
    this.#max = max;
    this.#maxPerClient = maxPerClient;
  }

  /** Live connections now, on both transports. */
  get count(): number {
    return this.#count;
  }

  /** Live connections of `client` now. */
  countOf(client: string): number {
    return this.#perClient.get(client) ?? 0;
  }

  /** Why one more connection from `client` is refused now (a sentence naming the option), or null. */
  refusal(client: string): string | null {
    if (this.#count >= this.#max) return `${this.#max} live connections already (option maxConnections)`;
    if (this.countOf(client) >= this.#maxPerClient) {
      return `this client address already has ${this.#maxPerClient} live connections, WebSocket and SSE together (option maxConnectionsPerClient)`;
    }
    return null;
  }

  opened(client: string): void {
    this.#count += 1;
    this.#perClient.set(client, this.countOf(client) + 1);
  }

  closed(client: string): void {
    this.#count -= 1;
    const left = this.countOf(client) - 1;
    if (left > 0) this.#perClient.set(client, left);
    else this.#perClient.delete(client);
  }
}
