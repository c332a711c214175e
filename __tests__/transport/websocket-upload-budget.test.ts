/**
 * Issue 27, "never block other connections' events": one turn of the event loop handles at most
 * UPLOAD_BYTES_PER_TURN of upload chunks across WebSocket connections; the rest wait for later
 * turns (their sockets paused), and a text frame from another connection is handled in between.
 * Real server, real ws clients; the order of what the server handled, never how long it took.
 */
import { eventHandler, LiveView } from '../../lib';
import type { JsonObject } from '../../lib/contract/protocol';
import { uploadFrame } from '../../lib/testing/upload-driver';
import { UPLOAD_BYTES_PER_TURN } from '../../lib/transport/upload-budget';
import { startApp, WsClient, type TestApp } from '../helpers/server';

/** What the server handled, in order: each upload chunk is followed on its connection by a `mark`. */
const handled: string[] = [];

class UploaderView extends LiveView {
  static template = 'counter.njk';
  count = 0;
  label = 'uploader';

  mount(): void {
    this.allowUpload('file', { accept: 'any', maxEntries: ENTRIES, maxFileSize: 10_000_000, chunkSize: CHUNK });
  }

  /** Sent after each chunk on the uploader's connection: handled right after it (frames of a connection keep their order). */
  @eventHandler()
  mark() {
    handled.push('mark');
  }
}

class NeighbourView extends LiveView {
  static template = 'counter.njk';
  count = 0;
  label = 'neighbour';

  @eventHandler()
  inc() {
    handled.push('neighbour: inc');
    this.count += 1;
  }
}

/** 200,000-byte chunks: two fit a turn's budget (512 KiB), a third does not. */
const CHUNK = 200_000;
/** Entries of four chunks each (the window: all sent at once). */
const ENTRIES = 4;
const PER_ENTRY = 4;

let app: TestApp;
const clients: WsClient[] = [];

beforeAll(async () => {
  app = await startApp((live) => live.route('/uploader', UploaderView).route('/neighbour', NeighbourView), { maxEventsPerSecond: 1_000_000 });
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});
afterAll(() => app.close());

/** Marks handled per turn of the event loop (one setImmediate tick each) until `until()` or `maxTurns`. */
function marksPerTurn(until: () => boolean, maxTurns: number): Promise<number[]> {
  const marks = (): number => handled.filter((h) => h === 'mark').length;
  return new Promise((resolve) => {
    const counts: number[] = [];
    let last = marks();
    const tick = (): void => {
      const now = marks();
      counts.push(now - last);
      last = now;
      if (until() || counts.length >= maxTurns) resolve(counts);
      else setImmediate(tick);
    };
    setImmediate(tick);
  });
}

describe('WebSocket transport: the per-turn upload budget', () => {
  it('holds upload chunks past the turn budget for later turns and handles another connection’s click in between', async () => {
    expect(2 * CHUNK).toBeLessThanOrEqual(UPLOAD_BYTES_PER_TURN);
    expect(3 * CHUNK).toBeGreaterThan(UPLOAD_BYTES_PER_TURN);
    const uploader = await WsClient.mount(app.base, '/uploader');
    const neighbour = await WsClient.mount(app.base, '/neighbour');
    clients.push(uploader, neighbour);
    const entries = Array.from({ length: ENTRIES }, (_, i) => ({ ref: `r${i}`, name: `f${i}.bin`, size: PER_ENTRY * CHUNK, type: '' }));
    uploader.send({ type: 'event', ref: 1, event: 'dj:upload', params: { name: 'file', entries } });
    const answer = await uploader.waitFor((m) => 'ref' in m && m.ref === 1);
    const ids = ((answer.payload as JsonObject).entries as JsonObject[]).map((e) => String(e.id));
    expect(ids).toHaveLength(ENTRIES);
    handled.length = 0;

    // One burst: 16 chunks (3.2 MB, each entry's whole window), each followed by a mark; then the neighbour's click.
    const body = Buffer.alloc(CHUNK, 0x5a);
    let ref = 2;
    for (const id of ids) {
      for (let k = 0; k < PER_ENTRY; k += 1) {
        uploader.ws.send(uploadFrame(id, k * CHUNK, body));
        uploader.send({ type: 'event', ref: ref++, event: 'mark', params: {} });
      }
    }
    neighbour.send({ type: 'event', ref: 1, event: 'inc', params: {} });
    const total = ENTRIES * PER_ENTRY;
    const counts = await marksPerTurn(() => handled.filter((h) => h === 'mark').length >= total && handled.includes('neighbour: inc'), 100_000);

    // No turn handled more chunks than fit its budget: two on arrival or in the scheduler's
    // slice (a tick here may see one of each), never the read's whole burst.
    expect(handled.filter((h) => h === 'mark')).toHaveLength(total);
    expect(Math.max(...counts)).toBeLessThanOrEqual(4);
    // The click, sent last, was handled before the burst was through.
    const click = handled.indexOf('neighbour: inc');
    expect(click).toBeGreaterThanOrEqual(0);
    expect(click).toBeLessThan(total);
    // Every chunk was taken and answered, none refused: deferring is not dropping.
    await uploader.waitFor(() => uploader.messages.filter((m) => m.type === 'upload' && m.action === 'ack' && m.bytes === PER_ENTRY * CHUNK).length === ENTRIES, { timeoutMs: 20_000 });
    expect(uploader.messages.filter((m) => m.type === 'upload' && m.action === 'error')).toEqual([]);
  });
});
