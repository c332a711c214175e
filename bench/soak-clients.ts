/**
 * The soak's clients on the main thread, all over lib/testing's protocol client: the flooder
 * (one abusive WebSocket that reconnects when the server cuts it off, so a flood is sustained)
 * and the fan-out subscribers. Every loop here is bounded in frames, in reconnects and in time.
 */
import type { ServerMessage } from '../lib/contract/protocol';
import { envelope } from '../lib/testing/messages';
import { fetchPage } from '../lib/testing/page';
import { WebSocketChannel, webSocketUrl } from '../lib/testing/websocket';

/** A page's token for the EchoView (`/echo?c=<c>`) or the ChatView (`/chat`). */
export async function pageToken(base: string, url: string): Promise<string> {
  return (await fetchPage(base, url, { agent: false })).token;
}

export interface FloodSpec {
  base: string;
  /** Token and URL the flooder mounts with on each (re)connection. */
  token: string;
  url: string;
  /** One frame of the flood (a string is a text frame, a Buffer a binary one). */
  frame: () => string | Buffer;
  /** Frames sent right after `mount` on each connection (e.g. a `hold` event). */
  setup?: object[];
  /** Frames per second; Infinity: as fast as the socket takes them. */
  ratePerSec: number;
  durationMs: number;
  maxFrames: number;
  maxReconnects: number;
}

export interface FloodResult {
  /** Frames handed to an open socket. */
  frames: number;
  connections: number;
  /** Times the server closed the flooder with 1008 (rate limit) or 1009 (size). */
  cutOff: number;
  closeCodes: Record<string, number>;
  /** Error codes the flooder was answered with, counted. */
  errors: Record<string, number>;
  elapsedMs: number;
}

/** Frames per turn at most, and how much may wait in the client's socket before it pauses. */
const BATCH = 256;
const HIGH_WATER = 1 << 20;

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Floods one WebSocket at `ratePerSec` for `durationMs` (or `maxFrames`), mounting first. When
 * the server closes it, it reconnects at once (at most `maxReconnects` times) and goes on.
 */
export async function flood(spec: FloodSpec): Promise<FloodResult> {
  const result: FloodResult = { frames: 0, connections: 0, cutOff: 0, closeCodes: {}, errors: {}, elapsedMs: 0 };
  const started = performance.now();
  const elapsed = (): number => performance.now() - started;
  let channel: WebSocketChannel | null = null;
  const connect = async (): Promise<WebSocketChannel | null> => {
    result.connections += 1;
    const next = new WebSocketChannel(webSocketUrl(spec.base), {
      message: (m: ServerMessage) => {
        if (m.type === 'error') result.errors[m.code] = (result.errors[m.code] ?? 0) + 1;
      },
      closed: (code) => {
        result.closeCodes[code] = (result.closeCodes[code] ?? 0) + 1;
        if (code === 1008 || code === 1009) result.cutOff += 1;
      },
    }, { timeoutMs: 5000 });
    try {
      await next.opened;
    } catch {
      return null;
    }
    next.send(envelope.mount(spec.token, spec.url));
    for (const frame of spec.setup ?? []) next.send(frame);
    return next;
  };
  while (result.frames < spec.maxFrames && elapsed() < spec.durationMs) {
    if (!channel || !channel.open) {
      if (result.connections > spec.maxReconnects) break;
      channel = await connect();
      if (!channel) await sleep(10);
      continue;
    }
    const target = spec.ratePerSec === Infinity ? Infinity : Math.floor((spec.ratePerSec * elapsed()) / 1000);
    let due = Math.min(BATCH, target - result.frames, spec.maxFrames - result.frames);
    if (due <= 0 || channel.ws.bufferedAmount > HIGH_WATER) {
      await (due <= 0 ? sleep(1) : tick());
      continue;
    }
    while (due-- > 0 && channel.open) {
      const frame = spec.frame();
      channel.ws.send(frame, { binary: typeof frame !== 'string' });
      result.frames += 1;
    }
    await tick();
  }
  result.elapsedMs = elapsed();
  await channel?.close(1000, 'flood over');
  return result;
}

/** Chat subscribers: mounted on `/chat`, counting the pushes they receive. */
export interface Subscribers {
  received(): number;
  /** Messages applied so far, summed over the subscribers: each view's latest title `Chat (n)`. */
  applied(): number;
  close(): Promise<void>;
}

/** Opens `count` WebSockets on `/chat` (subscribed to `chat:lobby` once mounted), `parallel` at a time. */
export async function subscribe(base: string, token: string, count: number, parallel = 20): Promise<Subscribers> {
  const channels: WebSocketChannel[] = [];
  let received = 0;
  const counts: number[] = [];
  const mounted: Promise<void>[] = [];
  for (let i = 0; i < count; i += parallel) {
    const batch = Array.from({ length: Math.min(parallel, count - i) }, async () => {
      const slot = counts.push(0) - 1;
      let settle!: () => void;
      const isMounted = new Promise<void>((resolve) => (settle = resolve));
      const channel = new WebSocketChannel(webSocketUrl(base), {
        message: (m) => {
          if (m.type === 'mounted') settle();
          else if (m.type === 'patch') received += 1;
          else if (m.type === 'page_metadata' && m.action === 'title') counts[slot] = Number(/\((\d+)\)/.exec(m.value)?.[1] ?? counts[slot]);
        },
        closed: () => settle(),
      }, { timeoutMs: 10000 });
      channels.push(channel);
      await channel.opened;
      channel.send(envelope.mount(token, '/chat'));
      mounted.push(isMounted);
      await isMounted;
    });
    await Promise.all(batch);
  }
  return {
    received: () => received,
    applied: () => counts.reduce((a, b) => a + b, 0),
    close: async () => {
      await Promise.all(channels.map((c) => c.close(1000, 'soak done')));
    },
  };
}
