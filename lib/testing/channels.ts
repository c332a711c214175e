import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import type { ServerMessage } from '../contract/protocol';
import { envelope } from './messages';
import { request } from './page';
import { openSseStream, postEnvelope, sseStreamBaseUrl, sseStreamUrl, sseTokenHeaders } from './sse';
import { WebSocketChannel, webSocketUrl } from './websocket';
import { DjustError } from '../core/errors';

/** One live connection as liveTest sees it: envelopes out, parsed messages in. */
export interface Channel {
  /** Sends one envelope (docs/protocol.md). Resolves once the server took it. */
  send(message: object): Promise<void>;
  /** Leaves: the server ends the view now. */
  close(): Promise<void>;
  /** Sends one upload frame (docs/uploads.md): a binary WebSocket frame, or an SSE upload POST. */
  upload(frame: Buffer): Promise<void>;
}

export interface ChannelEvents {
  message(message: ServerMessage): void;
  /** The connection ended without `close()` (the server closed it, or the network failed). */
  closed(reason: string): void;
}

export interface ChannelTarget {
  origin: string;
  prefix: string;
  token: string;
  url: string;
  agent: http.Agent;
  timeoutMs: number;
}

/**
 * SSE: GET the stream (it mounts the view), POST envelopes one after the other (so they
 * arrive in order), DELETE to leave.
 */
export async function openSse(target: ChannelTarget, on: ChannelEvents): Promise<Channel> {
  const { origin, prefix, agent, timeoutMs } = target;
  const session = randomUUID();
  let leaving = false;
  let refusal = '';
  let chain: Promise<unknown> = Promise.resolve();
  let ended!: () => void;
  const end = new Promise<void>((resolve) => (ended = resolve));
  const stream = openSseStream(sseStreamUrl(origin, prefix, session, target), {
    record: (record) => record.message && on.message(record.message),
    chunk: (text) => void (refusal += refusal.length < 300 ? text : ''),
    closed: () => {
      ended();
      if (!leaving) on.closed('the server ended the SSE stream');
    },
  }, { agent, timeoutMs });
  const res = await stream.response;
  if (res.statusCode !== 200) {
    leaving = true;
    await end;
    throw new DjustError('DJUST_ERR_LIVE_TEST_CLOSED', `liveTest: the SSE stream was refused: ${res.statusCode ?? 0} ${refusal.trim()}`);
  }
  refusal = '';
  return {
    send(message) {
      const sent = chain.then(async () => {
        const answer = await postEnvelope(origin, prefix, session, target.token, message, { agent, timeoutMs });
        if (answer.status !== 202) throw new DjustError('DJUST_ERR_LIVE_TEST_CLOSED', `liveTest: POST refused: ${answer.status} ${answer.body.trim()}`);
      });
      chain = sent.catch(() => {});
      return sent;
    },
    async upload(frame) {
      const answer = await request(`${sseStreamBaseUrl(origin, prefix, session)}/upload`, {
        method: 'POST', headers: { 'content-type': 'application/octet-stream', ...sseTokenHeaders(target.token) }, body: frame, agent, timeoutMs,
      });
      if (answer.status !== 202) throw new DjustError('DJUST_ERR_LIVE_TEST_CLOSED', `liveTest: upload POST refused: ${answer.status} ${answer.body.trim()}`);
    },
    async close() {
      if (leaving) return;
      leaving = true;
      await chain;
      await request(sseStreamBaseUrl(origin, prefix, session), { method: 'DELETE', headers: sseTokenHeaders(target.token), agent, timeoutMs }).catch(() => {});
      stream.req.destroy();
    },
  };
}

/** WebSocket: connect to `${prefix}/ws`, send `mount`, then JSON text frames. */
export async function openWebSocket(target: ChannelTarget, on: ChannelEvents): Promise<Channel> {
  let leaving = false;
  const channel = new WebSocketChannel(webSocketUrl(target.origin, target.prefix), {
    message: (message) => on.message(message),
    closed: (code, reason) => leaving || on.closed(`the server closed the WebSocket (${code} ${reason})`),
  }, { timeoutMs: target.timeoutMs });
  try {
    await channel.opened;
  } catch (err) {
    leaving = true;
    throw new DjustError('DJUST_ERR_LIVE_TEST_CLOSED', `liveTest: ${(err as Error).message}`);
  }
  channel.send(envelope.mount(target.token, target.url));
  return {
    send: (message) => new Promise((done, fail) => {
      const sent = channel.send(message, (err) => (err ? fail(err) : done()));
      if (!sent) fail(new DjustError('DJUST_ERR_LIVE_TEST_CLOSED', 'liveTest: the WebSocket is closed.'));
    }),
    upload: (frame) => new Promise((done, fail) => {
      if (channel.ws.readyState !== channel.ws.OPEN) return fail(new DjustError('DJUST_ERR_LIVE_TEST_CLOSED', 'liveTest: the WebSocket is closed.'));
      channel.ws.send(frame, { binary: true }, (err) => (err ? fail(err) : done()));
    }),
    async close() {
      if (leaving) return;
      leaving = true;
      await channel.close(1000, 'test done');
    },
  };
}
