/**
 * djust-lite over its SSE transport (DESIGN §5): `GET ${prefix}/sse/:session?token=…` opens an
 * event stream that mounts the view and carries every server envelope as
 * `id:/event:/data:` records; events go up as `POST ${prefix}/sse/:session/message` (JSON,
 * answered 202; the result arrives on the stream). One keep-alive connection for the POSTs
 * per tab, as a browser would reuse. Whether the endpoint exists is probed at run time.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { DjustProtocolClient, djustPage } from './client-djust';
import type { EventKind, Page, SystemClient } from './client';

/** Splits an event stream into records and hands each record's data to `onData`. */
export class SseParser {
  #buffer = '';
  readonly #onData: (data: string, event: string | null) => void;

  constructor(onData: (data: string, event: string | null) => void) {
    this.#onData = onData;
  }

  push(chunk: string): void {
    this.#buffer += chunk;
    for (;;) {
      const match = /\r\n\r\n|\n\n|\r\r/.exec(this.#buffer);
      if (!match) return;
      const record = this.#buffer.slice(0, match.index);
      this.#buffer = this.#buffer.slice(match.index + match[0].length);
      this.#record(record);
    }
  }

  #record(record: string): void {
    const data: string[] = [];
    let event: string | null = null;
    for (const line of record.split(/\r\n|\n|\r/)) {
      if (line === '' || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      let value = colon === -1 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'data') data.push(value);
      else if (field === 'event') event = value;
    }
    if (data.length > 0) this.#onData(data.join('\n'), event);
  }
}

function streamUrl(base: string, page: Page, session: string): string {
  const query = new URLSearchParams({ token: page.token ?? '', url: page.url ?? '' });
  return `${base}${page.prefix}/sse/${encodeURIComponent(session)}?${query}`;
}

class DjustSseClient extends DjustProtocolClient {
  readonly #base: URL;
  readonly #path: string;
  readonly #agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  #stream: http.ClientRequest | null = null;

  private constructor(base: string, page: Page, session: string) {
    super();
    this.#base = new URL(base);
    this.#path = `${page.prefix}/sse/${encodeURIComponent(session)}/message`;
  }

  static async open(base: string, page: Page): Promise<DjustSseClient> {
    const session = randomUUID();
    const client = new DjustSseClient(base, page, session);
    const mounted = client.waitMounted();
    const parser = new SseParser((data) => client.onEnvelope(data, Buffer.byteLength(data)));
    const req = http.get(streamUrl(base, page, session), { agent: false, headers: { accept: 'text/event-stream' } }, (res) => {
      if (res.statusCode !== 200) {
        client.onClosed(`stream answered HTTP ${res.statusCode}`);
        res.resume();
        return;
      }
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => parser.push(chunk));
      res.on('end', () => client.onClosed('stream ended'));
      res.on('error', () => client.onClosed('stream error'));
    });
    req.on('socket', (socket) => {
      socket.setNoDelay(true);
      client.meter.add(socket);
    });
    req.on('error', (err) => client.onClosed(err.message));
    client.#stream = req;
    return client.afterMount(mounted);
  }

  send(kind: EventKind): Promise<void> {
    const { text, done } = this.beginEvent(kind);
    const body = Buffer.from(text);
    const req = http.request(
      {
        host: this.#base.hostname,
        port: this.#base.port,
        method: 'POST',
        path: this.#path,
        agent: this.#agent,
        headers: { 'content-type': 'application/json', 'content-length': body.length, origin: this.#base.origin },
      },
      (res) => {
        if (res.statusCode !== 202) this.pending.fail(new Error(`djust-lite SSE: POST answered HTTP ${res.statusCode}`));
        res.resume();
      },
    );
    req.on('socket', (socket) => {
      socket.setNoDelay(true); // as browsers do
      this.meter.add(socket);
    });
    req.on('error', (err) => this.pending.fail(err));
    req.end(body);
    return done;
  }

  /** Like a closing tab: DELETE the session (fire and forget), drop the stream. */
  close(): void {
    const del = http.request({ host: this.#base.hostname, port: this.#base.port, method: 'DELETE', path: this.#path.replace(/\/message$/, ''), agent: false });
    del.on('response', (res) => res.resume());
    del.on('error', () => {});
    del.end();
    this.#stream?.destroy();
    this.#agent.destroy();
  }
}

/**
 * Null when `GET ${prefix}/sse/:session` answers with an event stream; otherwise the reason the
 * SSE rows show ("transport not available" on 404, as while the transport is not written yet).
 */
async function probeSse(base: string, page: Page): Promise<string | null> {
  return new Promise((resolve) => {
    const req = http.get(streamUrl(base, page, `probe-${randomUUID()}`), { agent: false, headers: { accept: 'text/event-stream' }, timeout: 5000 }, (res) => {
      const type = String(res.headers['content-type'] ?? '');
      req.destroy();
      if (res.statusCode === 404) resolve('transport not available');
      else if (res.statusCode !== 200 || !type.startsWith('text/event-stream')) resolve(`transport not available: HTTP ${res.statusCode} ${type}`);
      else resolve(null);
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 5 s')));
    req.on('error', (err) => resolve(`transport not available: ${err.message}`));
  });
}

export const djustSse: SystemClient = {
  page: djustPage,
  connect: (base, page) => DjustSseClient.open(base, page),
  probe: probeSse,
};
