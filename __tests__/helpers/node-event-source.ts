import type http from 'node:http';
import { openSseStream } from '../../lib/testing/sse';

type Listener = (ev: { type: string; data?: string; lastEventId?: string }) => void;

/** Where a NodeEventSource class connects, and what it tells its creator. */
export interface NodeEventSourceOptions {
  /** Resolves the page's relative stream URLs (read at each connect: a test's server may start later). */
  origin(): string;
  /** Each new source, e.g. to close them all after a test. */
  created?(source: NodeEventSourceInstance): void;
  /** Connection attempts before the source gives up (bounded, so a test always ends). */
  maxAttempts?: number;
  /** How long one stream request may wait for its answer. */
  timeoutMs?: number;
}

/**
 * A class to install as `window.EventSource` in jsdom (which has none), over lib/testing's SSE
 * reader, enough for public/sse.js and as browsers implement it: sends Last-Event-ID on its own
 * reconnects, honours retry:, an empty id resets it, a non-200 answer closes it. As in a browser,
 * `onerror` also gets server messages named `error`, and `error` listeners also get connection
 * errors (which carry no `data`). `drop()` cuts the connection and holds the reconnect until
 * `restore()`; `requests` lists the Last-Event-ID of each request made.
 */
export function nodeEventSource(options: NodeEventSourceOptions) {
  const maxAttempts = options.maxAttempts ?? 200;
  return class NodeEventSource {
    static readonly CONNECTING = 0;
    static readonly OPEN = 1;
    static readonly CLOSED = 2;
    readyState = 0;
    onopen: (() => void) | null = null;
    onerror: Listener | null = null;
    readonly listeners = new Map<string, Listener[]>();
    readonly requests: (string | undefined)[] = [];
    #lastId = '';
    #retry = 1000;
    #req: http.ClientRequest | null = null;
    #held = false;
    #pending = false;
    #attempts = 0;

    constructor(readonly url: string) {
      options.created?.(this);
      this.#connect();
    }

    addEventListener(type: string, listener: Listener): void {
      this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
    }

    close(): void {
      this.readyState = 2;
      this.#req?.destroy();
    }

    drop(): void {
      this.#held = true;
      this.#req?.destroy();
    }

    restore(): void {
      this.#held = false;
      if (this.#pending) this.#connect();
    }

    #connect(): void {
      this.#pending = false;
      if (this.readyState === 2 || ++this.#attempts > maxAttempts) return;
      const headers: Record<string, string> = this.#lastId ? { 'last-event-id': this.#lastId } : {};
      this.requests.push(headers['last-event-id']);
      const { req } = openSseStream(new URL(this.url, options.origin()).href, {
        opened: (res) => {
          if (res.statusCode !== 200) {
            this.readyState = 2;
            this.#dispatch('error', { type: 'error' });
            return;
          }
          this.readyState = 1;
          this.onopen?.();
        },
        record: (ev) => {
          if (ev.id !== undefined) this.#lastId = ev.id;
          const type = ev.event ?? 'message';
          this.#dispatch(type, { type, data: ev.data, lastEventId: this.#lastId });
        },
        retry: (ms) => void (this.#retry = ms),
        closed: () => this.#dropped(req),
      }, { headers, ...(options.timeoutMs !== undefined && { timeoutMs: options.timeoutMs }) });
      req.once('error', () => this.#dropped(req));
      this.#req = req;
    }

    #dispatch(type: string, ev: Parameters<Listener>[0]): void {
      for (const listener of this.listeners.get(type) ?? []) listener(ev);
      if (type === 'error') this.onerror?.(ev);
    }

    #dropped(req: http.ClientRequest): void {
      if (this.#req !== req || this.readyState === 2) return;
      this.readyState = 0;
      this.#dispatch('error', { type: 'error' });
      this.#pending = true;
      setTimeout(() => !this.#held && this.readyState === 0 && this.#connect(), this.#retry);
    }
  };
}

/** An instance of a class nodeEventSource() made. */
export type NodeEventSourceInstance = InstanceType<ReturnType<typeof nodeEventSource>>;
