import type { ServerResponse } from 'node:http';
import { Writable } from 'node:stream';
import type { RelayLink } from '../pubsub';

/**
 * A session's stream held by another process (option pubsub with SSE routing, docs/scaling.md):
 * what `SseSession.attach` takes as its response. Every write goes to `link` (the stream's text,
 * relayed through Redis); `end()` ends the stream there; when it closes there, this emits
 * `'close'` and the session lingers as after a local drop. `writeHead` does nothing: the
 * process holding the client's connection wrote the headers.
 */
export class RemoteStream extends Writable {
  readonly socket = null;

  constructor(link: RelayLink) {
    super({ decodeStrings: false });
    link.onClose(() => this.destroy());
    this.once('finish', () => link.end());
    this.#link = link;
  }

  readonly #link: RelayLink;

  override _write(chunk: string | Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.#link.write(typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
    callback();
  }

  writeHead(): this {
    return this;
  }

  /** The shape `SseSession.attach` takes (it writes, ends, corks and listens for 'close'). */
  asResponse(): ServerResponse {
    return this as unknown as ServerResponse;
  }
}
