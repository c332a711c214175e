/**
 * One live page of the upload benchmark over a real channel (WebSocket or SSE): enough to drive
 * uploads (lib/testing/upload-driver.ts, the protocol the browser speaks) and clicks. Used by
 * bench/upload.ts (the neighbour, the single uploads) and bench/upload-load.ts (the 10 parallel
 * uploaders, in a process of their own).
 */
import http from 'node:http';
import type { ServerMessage } from '../lib/contract/protocol';
import { openSse, openWebSocket, type Channel } from '../lib/testing/channels';
import { envelope } from '../lib/testing/messages';
import { openPage } from '../lib/testing/page';
import { uploadFiles } from '../lib/testing/upload-driver';

/** One live page over a channel, enough to drive uploads and clicks. */
export class BenchPage {
  readonly messages: ServerMessage[] = [];
  #channel: Channel | null = null;
  #ref = 0;
  #wake: (() => void)[] = [];

  static async open(origin: string, path: string, transport: 'websocket' | 'sse'): Promise<BenchPage> {
    const agent = new http.Agent({ keepAlive: true });
    const page = await openPage(origin, path, {}, agent);
    const view = new BenchPage();
    const target = { origin, prefix: page.prefix, token: page.token, url: page.url, agent, timeoutMs: 60_000 };
    const events = { message: (m: ServerMessage) => view.#receive(m), closed: () => undefined };
    view.#channel = await (transport === 'sse' ? openSse(target, events) : openWebSocket(target, events));
    await view.until(() => view.messages.some((m) => m.type === 'mounted'), 'mounted');
    return view;
  }

  #receive(message: ServerMessage): void {
    if (message.type !== 'pong') this.messages.push(message);
    for (const wake of this.#wake.splice(0)) wake();
  }

  /** Waits (bounded: 60 s) until `test()` holds, checking after each message. */
  async until(test: () => boolean, what: string): Promise<void> {
    const deadline = Date.now() + 60_000;
    while (!test()) {
      if (Date.now() > deadline) throw new Error(`bench: ${what} did not come within 60 s`);
      // One wait per message the upload waits for (an ack): the timer is cleared once a message wakes it.
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.#wake.push(resolve);
        timer = setTimeout(resolve, 1000);
      });
      clearTimeout(timer);
    }
  }

  /** Sends an event; resolves with its answer (patch, reply or error). */
  async event(name: string, params: Record<string, never> | object = {}): Promise<Extract<ServerMessage, { type: 'patch' | 'reply' | 'error' }>> {
    const ref = ++this.#ref;
    const from = this.messages.length;
    await (this.#channel as Channel).send(envelope.event(ref, name, params as never));
    let answer: ServerMessage | undefined;
    await this.until(() => (answer = this.messages.slice(from).find((m) => (m.type === 'patch' || m.type === 'reply' || m.type === 'error') && m.ref === ref)) !== undefined, `answer to ${name}`);
    return answer as Extract<ServerMessage, { type: 'patch' | 'reply' | 'error' }>;
  }

  /** Uploads `bytes` as one file and consumes it; the time from the announcement to the last ack, ms. */
  async upload(bytes: Buffer): Promise<number> {
    const started = performance.now();
    const result = await uploadFiles({
      event: async (event, params) => {
        const response = await this.event(event, params);
        if (response.type === 'error') throw new Error(`bench: ${event}: ${response.code}: ${response.message}`);
        return { response } as never;
      },
      frame: (frame) => (this.#channel as Channel).upload(frame),
      messages: this.messages,
      until: (test, what) => this.until(test, what),
    }, 'file', [{ name: 'bench.bin', type: 'application/octet-stream', content: bytes }]);
    const ms = performance.now() - started;
    const refused = result.entries[0]?.refused;
    if (refused) throw new Error(`bench: upload refused: ${refused.code}: ${refused.message}`);
    await this.event('store');
    this.messages.length = 0; // keep the waits' scans short
    return ms;
  }

  close(): Promise<void> {
    return this.#channel?.close() ?? Promise.resolve();
  }
}

