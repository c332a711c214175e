/**
 * lib/connection/info-batch.ts: a backlog of handleInfo messages runs in order and renders once.
 * Driven without sockets, as limits.test.ts: a recording Sink, the real renderer, signer and
 * pub/sub. A pending handler (`hold`) lets the backlog build; `release` lets the queue go.
 */
import { Connection, type Sink } from '../../lib/connection/connection';
import { INFO_BATCH_MAX, INFO_BATCH_MS } from '../../lib/connection/info-batch';
import { eventHandler, LiveView } from '../../lib';
import { type DjustLiteOptions } from '../../lib/config/options';
import type { ServerMessage } from '../../lib/contract/protocol';
import { MemoryPubSub } from '../../lib/pubsub/pubsub';
import { liveContext, mountFrame } from '../helpers/live-context';

/** The instance's clock (LiveContext.now): still, unless a handler moves it. */
const clock = { now: 1_000_000 };

/** A value whose rendering throws: a view holding it cannot render. */
const poison = { toString(): string { throw new Error('poisoned render'); } };

class BatchView extends LiveView {
  static template = 'counter.njk';
  static release: (() => void) | null = null;
  count = 0;
  label: unknown = '';
  /** Replaced, never mutated, so a rollback restores it. */
  seen: readonly unknown[] = [];
  params: string[] = [];
  started: string[] = [];

  mount() {
    if (this.connected) this.subscribe('batch');
  }

  handleParams(_params: Record<string, string>, url: string) {
    this.params = [...this.params, url];
  }

  handleAsync(name: string) {
    this.started = [...this.started, name];
    this.pageTitle = `started ${this.started.join(',')}`;
  }

  @eventHandler()
  hold() {
    return new Promise<void>((resolve) => {
      BatchView.release = resolve;
    });
  }

  @eventHandler()
  inc() {
    this.count += 1;
    this.pageTitle = `inc after ${this.seen.join(',')}`;
  }

  handleInfo(message: unknown): void | Promise<void> {
    this.seen = [...this.seen, message];
    this.count = this.seen.length;
    this.pageTitle = `seen ${this.seen.join(',')}`;
    if (message === 'boom') throw new Error('boom in handleInfo');
    if (message === 'poison') this.label = poison;
    if (message === 'redirect') this.redirect('/login');
    if (typeof message === 'string' && message.startsWith('patch:')) {
      const [, at, how] = message.split(':');
      this.pushPatch(`/batch?at=${at}`, { replace: how === 'replace' });
    }
    if (typeof message === 'object' && message !== null && 'tookMs' in message) clock.now += (message as { tookMs: number }).tookMs;
    if (typeof message === 'string' && message.startsWith('start:')) {
      const name = message.slice('start:'.length);
      this.startAsync(name, () => name);
      if (name.endsWith('!')) throw new Error(`boom after startAsync("${name}")`);
    }
    if (message === 'async') {
      return Promise.resolve().then(() => {
        this.label = 'async done';
      });
    }
  }
}

interface Harness {
  connection: Connection;
  sent: ServerMessage[];
  errors: string[];
  pubsub: MemoryPubSub;
  mount(): Promise<void>;
  /** Queues `messages` behind a pending handler, then lets the queue run; resolves once it is idle. */
  backlog(messages: readonly unknown[], after?: () => void): Promise<ServerMessage[]>;
}

function harness(options: DjustLiteOptions = {}): Harness {
  const errors: string[] = [];
  const pubsub = new MemoryPubSub();
  const ctx = liveContext({ logger: { warn: () => {}, error: (m) => void errors.push(m) }, maxEventsPerSecond: 1e6, ...options }, { now: () => clock.now, pubsub });
  ctx.routes.add('/batch', BatchView);
  const sent: ServerMessage[] = [];
  const sink: Sink = { send: (messages) => void sent.push(...messages), close: () => {}, bufferedBytes: () => 0 };
  const connection = new Connection(ctx, sink);
  return {
    connection, sent, errors, pubsub,
    async mount() {
      connection.receive(mountFrame(ctx, '/batch'));
      await until(() => sent.some((m) => m.type === 'mounted'));
    },
    async backlog(messages, after) {
      connection.receive(event(1, 'hold'));
      for (const message of messages) expect(pubsub.broadcast('batch', message)).toBe(1);
      after?.();
      const from = sent.length;
      (BatchView.release as () => void)();
      await until(() => sent.some((m) => m.type === 'reply' && m.ref === 1));
      await until(() => connection.queued === 0 && ctx.scheduler.waiting === 0);
      await new Promise((resolve) => setTimeout(resolve, 5)); // an async handler's render
      return sent.slice(from);
    },
  };
}

async function until(test: () => boolean, ms = 3000): Promise<void> {
  for (const end = Date.now() + ms; !test(); ) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

const event = (ref: number, name: string) => JSON.stringify({ type: 'event', ref, event: name, params: {} });
const titles = (sent: ServerMessage[]): string[] => sent.flatMap((m) => (m.type === 'page_metadata' && m.action === 'title' ? [m.value] : []));
/** Each message's type, with its ref when it has one, and the title's value. */
const shape = (sent: ServerMessage[]) => sent.map((m) => (m.type === 'page_metadata' && m.action === 'title' ? `title ${m.value}` : 'ref' in m ? `${m.type} ${m.ref}` : m.type));

afterEach(() => {
  BatchView.release = null;
});

describe('infoBatch', () => {
  describe('order', () => {
    it('runs a backlog of handleInfo messages in order and renders once; an event queued behind them is answered after the batch and sees its state', async () => {
      const h = harness();
      await h.mount();
      const sent = await h.backlog([1, 2, 3, 4, 5], () => h.connection.receive(event(2, 'inc')));
      expect(shape(sent)).toEqual(['reply 1', 'patch null', 'title seen 1,2,3,4,5', 'patch 2', 'title inc after 1,2,3,4,5']);
    });

    it('renders a message alone when nothing waits behind it', async () => {
      const h = harness();
      await h.mount();
      h.pubsub.broadcast('batch', 1);
      await until(() => titles(h.sent).length === 1);
      h.pubsub.broadcast('batch', 2);
      await until(() => titles(h.sent).length === 2);
      expect(titles(h.sent)).toEqual(['seen 1', 'seen 1,2']);
    });

    it('ends a batch at a message that calls pushPatch: its handleParams runs, then the render with its navigate; the rest follow', async () => {
      const h = harness();
      await h.mount();
      const sent = await h.backlog([1, 'patch:a:push', 'patch:b:replace', 4]);
      expect(shape(sent)).toEqual(['reply 1', 'patch null', 'navigate', 'title seen 1,patch:a:push', 'patch null', 'navigate', 'title seen 1,patch:a:push,patch:b:replace', 'patch null', 'title seen 1,patch:a:push,patch:b:replace,4']);
      expect(sent.filter((m) => m.type === 'navigate')).toEqual([{ type: 'navigate', url: '/batch?at=a', replace: false }, { type: 'navigate', url: '/batch?at=b', replace: true }]);
    });
  });

  describe('failures', () => {
    it('rolls back a message that throws alone: the ones before and after it keep their effect, and its error is sent before the patch', async () => {
      const h = harness();
      await h.mount();
      const sent = await h.backlog([1, 'boom', 3]);
      expect(shape(sent)).toEqual(['reply 1', 'error null', 'patch null', 'title seen 1,3']);
      expect(sent[1]).toMatchObject({ type: 'error', code: 'handler_failed', ref: null });
      expect(h.errors).toEqual(['djust-lite: BatchView.handleInfo failed']);
    });

    it('starts the async work of the messages that succeeded, not of the one that threw', async () => {
      const h = harness();
      await h.mount();
      await h.backlog(['start:a', 'start:b!', 'start:c']);
      await until(() => titles(h.sent).some((t) => t === 'started a,c'));
      expect(titles(h.sent).filter((t) => t.startsWith('started'))).toEqual(['started a', 'started a,c']);
    });

    it('rolls back the whole batch when its render fails, and the view renders again afterwards', async () => {
      const h = harness();
      await h.mount();
      const sent = await h.backlog([1, 'poison', 3]);
      expect(shape(sent)).toEqual(['reply 1', 'error null']);
      expect(sent[1]).toMatchObject({ code: 'render_failed', message: expect.stringMatching(/BatchView\.render after 3 handleInfo messages failed; the view keeps its last state/) });
      h.pubsub.broadcast('batch', 4);
      await until(() => titles(h.sent).length > 0);
      expect(titles(h.sent)).toEqual(['seen 4']);
    });
  });

  describe('where a batch ends', () => {
    it(`takes at most INFO_BATCH_MAX (${INFO_BATCH_MAX}) messages before it renders`, async () => {
      const h = harness();
      await h.mount();
      const n = INFO_BATCH_MAX + 8;
      const sent = await h.backlog(Array.from({ length: n }, (_, i) => i + 1));
      const seen = titles(sent).map((t) => t.split(',').length);
      expect(seen.length).toBeGreaterThanOrEqual(2);
      expect(seen[0]).toBeLessThanOrEqual(INFO_BATCH_MAX);
      expect(seen.at(-1)).toBe(n);
    });

    it('counts each message of a batch as one of the jobs a connection runs in one turn', async () => {
      const h = harness();
      await h.mount();
      const before = h.sent.length;
      for (let i = 1; i <= 40; i += 1) h.connection.deliver(i); // queued for a later turn
      expect(h.connection.queued).toBe(40);
      h.connection.resume(); // the turn the scheduler would run: synchronous handlers complete in it
      expect(h.connection.queued).toBe(40 - INFO_BATCH_MAX);
      expect(titles(h.sent.slice(before))).toEqual([`seen ${Array.from({ length: INFO_BATCH_MAX }, (_, i) => i + 1).join(',')}`]);
      await until(() => h.connection.queued === 0);
    });

    it(`stops taking messages once its handlers have run INFO_BATCH_MS (${INFO_BATCH_MS} ms)`, async () => {
      const h = harness();
      await h.mount();
      const sent = await h.backlog([{ tookMs: INFO_BATCH_MS - 1 }, 2, { tookMs: 1 }, 4, 5, { tookMs: INFO_BATCH_MS }, 7]);
      // The clock reaches the deadline in the third message's handler, and again in the sixth.
      expect(titles(sent).map((t) => t.split(',').length)).toEqual([3, 6, 7]);
    });

    it('ends after a message that redirects: its patch and redirect, then the rest as a new batch', async () => {
      const h = harness();
      await h.mount();
      const sent = await h.backlog([1, 'redirect', 3, 4]);
      expect(shape(sent)).toEqual(['reply 1', 'patch null', 'redirect', 'title seen 1,redirect', 'patch null', 'title seen 1,redirect,3,4']);
    });

    it('ends after a message whose handler returns a promise, rendered once it settles', async () => {
      const h = harness();
      await h.mount();
      const sent = await h.backlog([1, 'async', 3]);
      expect(titles(sent)).toEqual(['seen 1,async', 'seen 1,async,3']);
    });

    it('leaves an event between infos in its place: infos before it, the event, infos after it', async () => {
      const h = harness();
      await h.mount();
      h.connection.receive(event(1, 'hold'));
      h.pubsub.broadcast('batch', 1);
      h.pubsub.broadcast('batch', 2);
      h.connection.receive(event(2, 'inc'));
      h.pubsub.broadcast('batch', 3);
      h.pubsub.broadcast('batch', 4);
      const from = h.sent.length;
      (BatchView.release as () => void)();
      await until(() => titles(h.sent).length === 3);
      expect(shape(h.sent.slice(from))).toEqual(['reply 1', 'patch null', 'title seen 1,2', 'patch 2', 'title inc after 1,2', 'patch null', 'title seen 1,2,3,4']);
    });
  });
});
