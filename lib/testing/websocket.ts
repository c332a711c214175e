import type { ClientRequest, IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import type { ServerMessage } from '../contract/protocol';
import { parseServerFrame } from './messages';
import { DjustError } from '../core/errors';

/** What a `WebSocketChannel` reports. */
export interface WebSocketEvents {
  /**
   * One server message, in order (a frame holding a job's envelopes as an array gives one call
   * each); `bytes`: the frame's payload size, given with its first message (0 with the others).
   */
  message(message: ServerMessage, bytes: number): void;
  /** The socket closed (by either side, or the network). */
  closed?(code: number, reason: string): void;
  /** A text frame that is not a server message. */
  invalid?(text: string): void;
}

export interface WebSocketOptions {
  /** The `Origin` header of the upgrade request. */
  origin?: string;
  /** How long the upgrade may take, and `close()` may wait for the server, in ms. Default 5000. */
  timeoutMs?: number;
  /** Offer permessage-deflate. Default false (djust-lite's server takes none; the bench counts raw bytes). */
  perMessageDeflate?: boolean;
  /** Answer server pings (default true); false to play a client that stopped reading. */
  autoPong?: boolean;
}

/** `http://host:port` + prefix → the djust WebSocket URL `ws://host:port${prefix}/ws`. */
export function webSocketUrl(base: string, prefix = '/djust'): string {
  return `${base.replace(/^http/, 'ws')}${prefix}/ws`;
}

/**
 * One djust WebSocket connection: envelopes out as JSON text frames, server messages in,
 * parsed. `opened` settles once the upgrade succeeded or was refused (the status in the error).
 *
 * @example
 * const channel = new WebSocketChannel(webSocketUrl(base), { message: (m) => seen.push(m) });
 * await channel.opened;
 * channel.send(envelope.mount(page.token, '/counter'));
 */
export class WebSocketChannel {
  /** The `ws` socket itself (for tests of the transport: raw frames, pause/resume). */
  readonly ws: WebSocket;
  readonly opened: Promise<void>;
  readonly #timeoutMs: number;

  constructor(url: string, on: WebSocketEvents, options: WebSocketOptions = {}) {
    const { origin, timeoutMs = 5000, perMessageDeflate = false, autoPong = true } = options;
    this.#timeoutMs = timeoutMs;
    const ws = new WebSocket(url, { origin, perMessageDeflate, autoPong, handshakeTimeout: timeoutMs });
    this.ws = ws;
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) return;
      const text = data.toString('utf8');
      const messages = parseServerFrame(text);
      if (!messages) return on.invalid?.(text);
      for (let i = 0; i < messages.length; i += 1) on.message(messages[i] as ServerMessage, i === 0 ? data.length : 0);
    });
    ws.on('close', (code, reason) => on.closed?.(code, reason.toString()));
    this.opened = new Promise<void>((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('unexpected-response', (_req: ClientRequest, res: IncomingMessage) => {
        reject(new DjustError('DJUST_ERR_LIVE_TEST_CLOSED', `the WebSocket upgrade was refused: ${res.statusCode ?? 0} ${res.statusMessage ?? ''}`.trim()));
        ws.terminate(); // 'close' (1006) follows
      });
      ws.on('error', reject); // after 'open' this is a no-op; 'close' follows and reports it
    });
    this.opened.catch(() => {}); // a refusal is the caller's to await; never unhandled
  }

  /** True while frames can be sent. */
  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  /**
   * Sends one envelope as JSON (anything: tests send malformed ones too). False when the socket
   * is not open; `done` is called once the frame is written, or with the error.
   */
  send(message: unknown, done?: (err?: Error) => void): boolean {
    return this.sendText(JSON.stringify(message), done);
  }

  /** Sends one text frame as it is. */
  sendText(text: string, done?: (err?: Error) => void): boolean {
    if (this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(text, done);
    return true;
  }

  /**
   * Closes (with `code`, or none: the server sees 1005) and resolves once the server answered,
   * or `timeoutMs` passed: then the socket is dropped.
   */
  close(code?: number, reason?: string): Promise<void> {
    const ws = this.ws;
    if (ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => ws.terminate(), this.#timeoutMs);
      ws.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
      else ws.close(code, reason);
    });
  }

  /** Drops the connection at once (a tab killed, a network gone). */
  terminate(): void {
    this.ws.terminate();
  }
}
