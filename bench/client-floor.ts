/**
 * The floor's client: one WebSocket to the raw echo server. A click sends a JSON text frame
 * padded to the size of djust-lite's own answer to a click (measured earlier in the same run)
 * and ends when the echo arrives and is parsed — the least any WebSocket framework can do.
 * For the bytes scenario a title-only update is the new title alone, a one-field update the
 * new value alone.
 */
import WebSocket from 'ws';
import { BenchClient, type EventKind, type Page, type SystemClient } from './client';

/** Size of the echoed click frame when djust-lite's own answer size is not known. */
export const DEFAULT_FLOOR_BYTES = 160;

class FloorClient extends BenchClient {
  readonly #ws: WebSocket;
  readonly #clickFrame: string;
  #count = 0;

  private constructor(ws: WebSocket, size: number) {
    super();
    this.#ws = ws;
    const head = '{"type":"event","ref":1,"event":"inc","params":{},"pad":"';
    this.#clickFrame = `${head}${'x'.repeat(Math.max(0, size - head.length - 2))}"}`;
    ws.on('upgrade', (res) => this.meter.add(res.socket));
    ws.on('message', (data: Buffer) => {
      this.meter.messages += data.length;
      JSON.parse(data.toString('utf8'));
      this.pending.done();
    });
    ws.on('close', (code) => this.pending.fail(new Error(`floor: connection closed (code ${code})`)));
    ws.on('error', () => {
      // 'close' follows
    });
  }

  static open(base: string, page: Page): Promise<FloorClient> {
    const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/echo`, { perMessageDeflate: false, origin: base, handshakeTimeout: 10000 });
    const client = new FloorClient(ws, Number(page.size ?? DEFAULT_FLOOR_BYTES));
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(client));
      ws.once('error', reject);
    });
  }

  send(kind: EventKind): Promise<void> {
    this.#count += 1;
    const done = this.pending.begin(kind, null);
    if (kind === 'inc') this.#ws.send(this.#clickFrame);
    else if (kind === 'retitle') this.#ws.send(JSON.stringify(`Counter 0 (${this.#count})`));
    else this.#ws.send(String(this.#count));
    return done;
  }

  close(): void {
    this.#ws.terminate();
  }
}

/** `size`: bytes of the echoed click frame. */
export function floorClient(size: () => number): SystemClient {
  return {
    page: async () => ({ size: String(size()) }),
    connect: (base, page) => FloorClient.open(base, page),
    probe: async () => null,
  };
}
