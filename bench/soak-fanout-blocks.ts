/**
 * Issue 23, row 3 measured in alternating blocks: the subscribers stay mounted, and the
 * broadcaster is switched on and off every `blockMs` (quiet block, fan-out block, quiet, …)
 * while the neighbour clicks; the neighbour's round trips of all quiet blocks are pooled and
 * set against those of all fan-out blocks. On a machine whose other load drifts from second
 * to second (a shared 2-core VM), the sequential windows of bench/soak-fanout.ts compare a
 * quiet 5 s with a busy 5 s taken at another moment; here both sides sample the same moments
 * of the machine, so the ratio is the fan-out's, not the drift's. Printed beside the sequential
 * figure, never instead of it.
 */
import { envelope } from '../lib/testing/messages';
import { WebSocketChannel, webSocketUrl } from '../lib/testing/websocket';
import { pageToken, subscribe, type Subscribers } from './soak-clients';
import { startNeighbour } from './soak-probes';
import { subscribeInChild } from './soak-subscribers';
import type { ServerProcess } from './spawn';

export interface BlocksSpec {
  /** Quiet/fan-out pairs. */
  blocks: number;
  blockMs: number;
  subscribers: number;
  subscribersIn: 'harness' | 'child';
}

export interface Pooled {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

export interface BlocksResult {
  blocks: number;
  blockMs: number;
  quiet: Pooled;
  fanOut: Pooled;
  /** Broadcasts sent in the fan-out blocks. */
  broadcasts: number;
  /** Round trips that failed or timed out (both kinds of block). */
  errors: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function pool(latencies: number[]): Pooled {
  const sorted = [...latencies].sort((a, b) => a - b);
  const q = (p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
  return { count: sorted.length, p50: q(0.5), p99: q(0.99), max: sorted.at(-1) ?? 0 };
}

/** Quiet and fan-out blocks in turn (`spec.blocks` of each); the broadcaster says 100 messages/s during fan-out blocks. */
export async function fanOutBlocks(server: ServerProcess, spec: BlocksSpec): Promise<BlocksResult> {
  const chatToken = await pageToken(server.base, '/chat');
  const neighbour = await startNeighbour(server.base);
  let subs: Subscribers | null = null;
  let broadcaster: WebSocketChannel | null = null;
  let timer: NodeJS.Timeout | null = null;
  try {
    subs = spec.subscribersIn === 'child' ? await subscribeInChild(server.base, chatToken, spec.subscribers) : await subscribe(server.base, chatToken, spec.subscribers);
    const channel = new WebSocketChannel(webSocketUrl(server.base), { message: () => {} }, { timeoutMs: 5000 });
    broadcaster = channel;
    await channel.opened;
    channel.send(envelope.mount(chatToken, '/chat'));
    let on = false;
    let broadcasts = 0;
    const say = JSON.stringify(envelope.event(null, 'say', { text: 'hello' }));
    timer = setInterval(() => {
      if (!on || !channel.open) return;
      channel.ws.send(say);
      broadcasts += 1;
    }, 10);
    await neighbour.measure(300); // warm-up
    const quiet: number[] = [];
    const fanOut: number[] = [];
    let errors = 0;
    for (let b = 0; b < spec.blocks; b += 1) {
      const q = await neighbour.measure(spec.blockMs, true);
      quiet.push(...(q.latencies ?? []));
      on = true;
      await sleep(100); // the fan-out under way before the block starts
      const f = await neighbour.measure(spec.blockMs, true);
      fanOut.push(...(f.latencies ?? []));
      on = false;
      await sleep(100); // the last broadcasts delivered before the next quiet block
      errors += q.errors + f.errors;
    }
    return { blocks: spec.blocks, blockMs: spec.blockMs, quiet: pool(quiet), fanOut: pool(fanOut), broadcasts, errors };
  } finally {
    if (timer) clearInterval(timer);
    await broadcaster?.close(1000, 'soak done');
    await subs?.close();
    await neighbour.stop();
  }
}
