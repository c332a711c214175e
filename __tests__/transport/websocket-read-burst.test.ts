/**
 * Issue 23, row 2: a read burst of many small frames is handled one frame per turn of the event
 * loop, never all in one turn, so HTTP and other sockets are served in between — even with
 * `maxEventsPerSecond` raised out of the way (as the bench does).
 */
import { eventHandler, LiveView } from '../../lib';
import { FRAMES_PER_TURN } from '../../lib/transport/read-budget';
import { startApp, WsClient, type TestApp } from '../helpers/server';

/** Frames handled so far, across connections. */
let handled = 0;

class BurstView extends LiveView {
  static template = 'counter.njk';
  count = 0;
  label = 'burst';

  @eventHandler()
  ok() {
    handled += 1;
    this.count += 1;
  }
}

const BURST = 400;
let app: TestApp;
const clients: WsClient[] = [];

beforeAll(async () => {
  app = await startApp((live) => live.route('/burst', BurstView), { maxEventsPerSecond: 1_000_000, maxQueuedEvents: 1000 });
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});
afterAll(() => app.close());

/**
 * Counts frames handled per turn of the event loop: one setImmediate tick per turn, reading
 * `handled` each time, until `until()` or `maxTurns` turns.
 */
function perTurn(until: () => boolean, maxTurns: number): Promise<number[]> {
  return new Promise((resolve) => {
    const counts: number[] = [];
    let last = handled;
    const tick = (): void => {
      counts.push(handled - last);
      last = handled;
      if (until() || counts.length >= maxTurns) resolve(counts);
      else setImmediate(tick);
    };
    setImmediate(tick);
  });
}

describe('WebSocket transport: a read burst', () => {
  it(`handles ${BURST} frames sent in one burst over many turns, a few per turn, and answers every one`, async () => {
    const client = await WsClient.mount(app.base, '/burst');
    clients.push(client);
    handled = 0;
    const frame = JSON.stringify({ type: 'event', ref: null, event: 'ok', params: {} });
    // Written back to back in this turn: the server reads them in one or two reads.
    for (let i = 0; i < BURST; i += 1) client.ws.send(frame);
    const counts = await perTurn(() => handled >= BURST, 20 * BURST);
    expect(handled).toBe(BURST);
    // Without a budget, ws (allowSynchronousEvents: true) hands over a whole read in one turn:
    // hundreds at once. At most FRAMES_PER_TURN on arrival plus FRAMES_PER_TURN in the scheduler's slice.
    expect(Math.max(...counts)).toBeLessThanOrEqual(2 * FRAMES_PER_TURN);
    expect(counts.filter((n) => n > 0).length).toBeGreaterThanOrEqual(BURST / (2 * FRAMES_PER_TURN));
  });

  it('answers HTTP in between: a GET sent after the burst is answered before the burst is through', async () => {
    const client = await WsClient.mount(app.base, '/burst');
    clients.push(client);
    handled = 0;
    const frame = JSON.stringify({ type: 'event', ref: null, event: 'ok', params: {} });
    for (let i = 0; i < BURST; i += 1) client.ws.send(frame);
    const res = await fetch(`${app.base}/burst`);
    const seenAtAnswer = handled;
    expect(res.status).toBe(200);
    await res.text();
    expect(seenAtAnswer).toBeLessThan(BURST);
    await perTurn(() => handled >= BURST, 20 * BURST);
    expect(handled).toBe(BURST);
  });
});

describe('WebSocket transport: a read burst, in order', () => {
  it('answers every frame of a burst in the order sent, those past the first turn included', async () => {
    const client = await WsClient.mount(app.base, '/burst');
    clients.push(client);
    const n = 5 * FRAMES_PER_TURN;
    for (let ref = 1; ref <= n; ref += 1) client.ws.send(JSON.stringify({ type: 'event', ref, event: 'ok', params: {} }));
    await client.waitFor((m) => 'ref' in m && m.ref === n, { timeoutMs: 10_000 });
    const refs = client.messages.flatMap((m) => ('ref' in m && typeof m.ref === 'number' ? [m.ref] : []));
    expect(refs).toEqual(Array.from({ length: n }, (_, i) => i + 1));
  });
});
