/**
 * "Exactly once, in order": many EchoView connections, WebSocket and SSE mixed, each sending
 * `step {seq}` events (seq = ref = 1…N, up to `window` in flight). Each connection has its own
 * id `c` (in the page URL, so in its token): the server writes `<c>:<seq>` into the region and
 * `<c> #<seq>` into the title. Every message is checked by content as it arrives: `mounted`
 * shows `<c>:0`; then for each seq, in order, one `patch` with ref seq whose ops carry
 * `<c>:<seq>`, then one title `<c> #<seq>`. Anything else — a duplicate, a gap, a reorder, an
 * answer carrying another connection's id, an error — is a violation, counted and sampled.
 */
import http from 'node:http';
import type { ServerMessage } from '../lib/contract/protocol';
import { openSse, openWebSocket, type Channel } from '../lib/testing/channels';
import { envelope } from '../lib/testing/messages';
import { fetchPage } from '../lib/testing/page';

export interface OrderSpec {
  base: string;
  ws: number;
  sse: number;
  events: number;
  /** Events in flight per connection. */
  window: number;
  /** Connections opened at a time. */
  parallel: number;
  timeoutMs: number;
}

export interface OrderResult {
  connections: number;
  ws: number;
  sse: number;
  eventsSent: number;
  /** Responses (patch) and titles that arrived in order with the right content. */
  responsesOk: number;
  titlesOk: number;
  violations: number;
  /** Connections that did not get all their answers before the timeout. */
  incomplete: number;
  /** Up to 10 violations, described. */
  samples: string[];
  openMs: number;
  runMs: number;
}

type Expect = { kind: 'mounted' } | { kind: 'title'; seq: number } | { kind: 'patch'; seq: number };

class Checker {
  readonly c: string;
  #expect: Expect = { kind: 'mounted' };
  /** Last seq whose title arrived. */
  done = 0;
  responses = 0;
  titles = 0;
  readonly #violate: (text: string) => void;
  readonly #progress: () => void;

  constructor(c: string, violate: (text: string) => void, progress: () => void) {
    this.c = c;
    this.#violate = (text) => violate(`${c}: ${text}`);
    this.#progress = progress;
  }

  take(m: ServerMessage): void {
    const e = this.#expect;
    const text = JSON.stringify(m);
    const foreign = /(?:ws|sse)-\d+(?=[:# ])/.exec(text);
    if (foreign && foreign[0] !== this.c) return this.#violate(`message for ${foreign[0]}: ${text.slice(0, 120)}`);
    if (m.type === 'mounted') {
      if (e.kind !== 'mounted' || !m.html.includes(`${this.c}:0`)) return this.#violate(`unexpected mounted (expected ${e.kind})`);
      this.#expect = { kind: 'title', seq: 0 };
      return;
    }
    if (m.type === 'page_metadata' && m.action === 'title') {
      if (e.kind !== 'title' || m.value !== `${this.c} #${e.seq}`) return this.#violate(`title "${m.value}" while expecting ${JSON.stringify(e)}`);
      if (e.seq > 0) this.titles += 1;
      this.done = e.seq;
      this.#expect = { kind: 'patch', seq: e.seq + 1 };
      this.#progress();
      return;
    }
    if (m.type === 'patch') {
      if (e.kind !== 'patch' || m.ref !== e.seq || !text.includes(`${this.c}:${e.seq}`)) return this.#violate(`patch ref ${m.ref} while expecting ${JSON.stringify(e)}: ${text.slice(0, 120)}`);
      this.responses += 1;
      this.#expect = { kind: 'title', seq: e.seq };
      return;
    }
    this.#violate(`unexpected ${text.slice(0, 160)}`);
  }
}

/** Runs the scenario; resolves when every connection got all its answers, or at the timeout. */
export async function exactlyOnce(spec: OrderSpec): Promise<OrderResult> {
  const total = spec.ws + spec.sse;
  const result: OrderResult = { connections: total, ws: spec.ws, sse: spec.sse, eventsSent: 0, responsesOk: 0, titlesOk: 0, violations: 0, incomplete: 0, samples: [], openMs: 0, runMs: 0 };
  const violate = (text: string): void => {
    result.violations += 1;
    if (result.samples.length < 10) result.samples.push(text);
  };
  const agent = new http.Agent({ keepAlive: true, maxFreeSockets: 256 });
  const deadline = performance.now() + spec.timeoutMs;
  const conns: { checker: Checker; channel: Channel | null; sent: number; pump: () => void; finished: Promise<void> }[] = [];
  const started = performance.now();
  try {
    for (let i = 0; i < total; i += spec.parallel) {
      const batch = Array.from({ length: Math.min(spec.parallel, total - i) }, async (_, j) => {
        const index = i + j;
        const kind = index % total < spec.ws ? 'ws' : 'sse';
        const c = `${kind}-${index}`;
        const url = `/echo?c=${c}`;
        let finish!: () => void;
        const finished = new Promise<void>((resolve) => (finish = resolve));
        const conn = { checker: null as unknown as Checker, channel: null as Channel | null, sent: 0, pump: () => {}, finished };
        conn.checker = new Checker(c, violate, () => conn.pump());
        conn.pump = () => {
          const { channel, checker } = conn;
          if (checker.done >= spec.events) return finish();
          while (channel && conn.sent < spec.events && conn.sent - checker.done < spec.window) {
            conn.sent += 1;
            result.eventsSent += 1;
            channel.send(envelope.event(conn.sent, 'step', { seq: conn.sent })).catch((err: Error) => violate(`${c}: send failed: ${err.message}`));
          }
        };
        const page = await fetchPage(spec.base, url, { agent });
        const target = { origin: spec.base, prefix: page.prefix, token: page.token, url, agent, timeoutMs: 10000 };
        const on = { message: (m: ServerMessage) => conn.checker.take(m), closed: (reason: string) => { violate(`${c}: ${reason}`); finish(); } };
        conn.channel = kind === 'ws' ? await openWebSocket(target, on) : await openSse(target, on);
        conns.push(conn);
      });
      await Promise.all(batch);
      if (performance.now() > deadline) break;
    }
    result.openMs = performance.now() - started;
    const running = performance.now();
    for (const conn of conns) conn.pump();
    const timedOut = new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, deadline - performance.now())).unref());
    await Promise.race([Promise.all(conns.map((c) => c.finished)), timedOut]);
    result.runMs = performance.now() - running;
  } finally {
    for (const conn of conns) {
      result.responsesOk += conn.checker.responses;
      result.titlesOk += conn.checker.titles;
      if (conn.checker.done < spec.events) result.incomplete += 1;
    }
    result.incomplete += total - conns.length;
    for (let i = 0; i < conns.length; i += 50) await Promise.all(conns.slice(i, i + 50).map((c) => c.channel?.close()));
    agent.destroy();
  }
  return result;
}
