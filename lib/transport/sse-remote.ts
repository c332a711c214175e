import type { ServerResponse } from 'node:http';
import { Writable } from 'node:stream';
import type { Connection } from '../connection/connection';
import type { RelayLink, RelayTarget, StreamHandler } from '../pubsub/pubsub';
import { openStream, type SseStream } from './sse-stream';

/**
 * SSE across processes (option pubsub with SSE routing, docs/scaling.md): what the SSE
 * transport hands the stream router, and the streams relayed between processes.
 */

/** A stream held here and its view's Connection. */
export interface HeldStream {
  stream: SseStream;
  connection: Connection;
}

/**
 * A stream held here, relayed to the process that holds the client's connection: what
 * `SseStream.attach` takes as its response. Every write goes to `link` (the stream's text,
 * relayed through Redis); `end()` ends it there; when it closes there, this emits `'close'`
 * and the stream lingers as after a local drop. `writeHead` does nothing: the process holding
 * the client's connection wrote the headers.
 */
export class RemoteStream extends Writable {
  readonly socket = null;
  readonly #link: RelayLink;

  constructor(link: RelayLink) {
    super({ decodeStrings: false });
    this.#link = link;
    link.onClose(() => this.destroy());
    this.once('finish', () => link.end());
  }

  override _write(chunk: string | Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.#link.write(typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
    callback();
  }

  writeHead(): this {
    return this;
  }

  /** The shape `SseStream.attach` takes (it writes, ends, corks and listens for 'close'). */
  asResponse(): ServerResponse {
    return this as unknown as ServerResponse;
  }
}

/**
 * The transport's side of the router: forwarded POSTs, evictions and relayed resumes for the
 * streams held here. `held(id, token)` is the transport's one token check: the stream, `null`
 * when none is held here, `'forbidden'` when `token` is not its own.
 */
export function streamHandler(held: (id: string, token: string) => HeldStream | null | 'forbidden', find: (id: string) => HeldStream | undefined, end: (stream: SseStream) => void): StreamHandler {
  return {
    deliver: (id, body, token) => {
      const live = held(id, token);
      if (live === null) return 'unknown';
      if (live === 'forbidden') return 'forbidden';
      if (body === null) end(live.stream); // a DELETE
      else if (typeof body === 'string') live.connection.receive(body);
      else live.connection.upload(body);
      return 'delivered';
    },
    evict: (id) => {
      const live = find(id);
      if (live) end(live.stream);
    },
    attach: (id, token, lastEventId, link) => {
      const live = held(id, token);
      if (live === null) return 'unknown';
      if (live === 'forbidden') return 'forbidden';
      if (live.stream.attach(new RemoteStream(link).asResponse(), lastEventId).ok) return 'ok';
      if (!live.stream.streaming) end(live.stream);
      return 'gap';
    },
  };
}

/** Where a stream relayed from its holder is written: the headers on the first text; a client that does not read is disconnected (it reconnects). */
export function relayTarget(res: ServerResponse, retryMs: number, maxBufferedBytes: number): RelayTarget {
  return {
    write: (text) => {
      if (res.writableEnded) return;
      if (!res.headersSent) openStream(res, retryMs);
      if (res.writableLength > maxBufferedBytes) return void res.end();
      res.write(text);
    },
    end: () => res.end(),
  };
}
