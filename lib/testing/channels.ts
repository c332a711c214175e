import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { createParser } from 'eventsource-parser';
import WebSocket from 'ws';
import { DjustError } from '../errors';
import type { ServerMessage } from '../protocol';
import { request } from './page';

/** One live connection as the test client sees it: envelopes out, parsed messages in. */
export interface Channel {
  /** Sends one envelope (DESIGN §4). Resolves once the server took it. */
  send(message: object): Promise<void>;
  /** Leaves: the server ends the view now. */
  close(): Promise<void>;
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

function parse(data: string): ServerMessage | null {
  try {
    return JSON.parse(data) as ServerMessage;
  } catch {
    return null;
  }
}

/**
 * SSE: GET the stream (it mounts the view), POST envelopes one after the other (so they
 * arrive in order), DELETE to leave. The stream is parsed with eventsource-parser.
 */
export function openSse(target: ChannelTarget, on: ChannelEvents): Promise<Channel> {
  const base = `${target.origin}${target.prefix}/sse/${randomUUID()}`;
  const query = new URLSearchParams({ token: target.token, url: target.url });
  let leaving = false;
  let chain: Promise<unknown> = Promise.resolve();
  return new Promise((resolve, reject) => {
    const req = http.get(`${base}?${query}`, { agent: target.agent, headers: { accept: 'text/event-stream' } }, (res) => {
      res.setEncoding('utf8');
      if (res.statusCode !== 200) {
        let body = '';
        res.on('data', (chunk: string) => void (body += chunk));
        res.once('end', () => reject(new DjustError('DJUST_ERR_LIVE_TEST_CLOSED', `liveTest: the SSE stream was refused: ${res.statusCode ?? 0} ${body.trim()}`)));
        return;
      }
      const parser = createParser({
        onEvent(event) {
          const message = parse(event.data);
          if (message) on.message(message);
        },
      });
      res.on('data', (chunk: string) => parser.feed(chunk));
      res.once('close', () => leaving || on.closed('the server ended the SSE stream'));
      resolve({
        send(message) {
          const sent = chain.then(async () => {
            const answer = await request(`${base}/message`, {
              method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(message), agent: target.agent,
            });
            if (answer.status !== 202) throw new DjustError('DJUST_ERR_LIVE_TEST_CLOSED', `liveTest: POST refused: ${answer.status} ${answer.body.trim()}`);
          });
          chain = sent.catch(() => {});
          return sent;
        },
        async close() {
          if (leaving) return;
          leaving = true;
          await chain;
          await request(base, { method: 'DELETE', agent: target.agent }).catch(() => {});
          req.destroy();
        },
      });
    });
    req.once('error', (err) => (leaving ? undefined : reject(err)));
  });
}

/** WebSocket: connect to `${prefix}/ws`, send `mount`, then JSON text frames. */
export function openWebSocket(target: ChannelTarget, on: ChannelEvents): Promise<Channel> {
  const ws = new WebSocket(`${target.origin.replace(/^http/, 'ws')}${target.prefix}/ws`);
  let leaving = false;
  return new Promise((resolve, reject) => {
    ws.once('unexpected-response', (_req, res) => reject(new DjustError('DJUST_ERR_LIVE_TEST_CLOSED', `liveTest: the WebSocket upgrade was refused: ${res.statusCode ?? 0}`)));
    ws.once('error', reject);
    ws.on('message', (data) => {
      const message = parse(data.toString());
      if (message) on.message(message);
    });
    ws.once('close', (code, reason) => leaving || on.closed(`the server closed the WebSocket (${code} ${reason.toString()})`));
    ws.once('open', () => {
      ws.off('error', reject);
      ws.on('error', () => {}); // 'close' follows
      ws.send(JSON.stringify({ type: 'mount', token: target.token, url: target.url }));
      resolve({
        send: (message) => new Promise((done, fail) => {
          if (ws.readyState !== WebSocket.OPEN) return fail(new DjustError('DJUST_ERR_LIVE_TEST_CLOSED', 'liveTest: the WebSocket is closed.'));
          ws.send(JSON.stringify(message), (err) => (err ? fail(err) : done()));
        }),
        async close() {
          if (leaving) return;
          leaving = true;
          if (ws.readyState === WebSocket.CLOSED) return;
          await new Promise<void>((done) => {
            const timer = setTimeout(() => ws.terminate(), target.timeoutMs);
            ws.once('close', () => {
              clearTimeout(timer);
              done();
            });
            ws.close(1000, 'test done');
          });
        },
      });
    });
  });
}
