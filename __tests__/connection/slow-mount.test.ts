/**
 * A mount slower than `handlerTimeoutMs`: the connection answers `handler_timeout` and closes
 * (1008) — the client reconnects and mounts again — and the view that finished mounting late
 * is unmounted, not left behind; neighbours carry on.
 */
import { LiveView, type MountContext } from '../../lib';
import { fetchPage } from '../../lib/testing/page';
import { CounterView } from '../fixtures/views';
import { startApp, WsClient, type TestApp } from '../helpers/server';

/** Views mounted on a live connection, and those unmounted. */
const mounted: string[] = [];
const unmounted: string[] = [];
/** Releases the slow mount that is waiting (set while one waits). */
let release: (() => void) | null = null;

class SlowMountView extends LiveView {
  static override template = 'counter.njk';
  count = 0;
  override async mount(ctx: MountContext): Promise<void> {
    if (!ctx.connected) return;
    mounted.push('slow');
    await new Promise<void>((resolve) => { release = resolve; });
  }
  override unmount(): void {
    unmounted.push('slow');
  }
}

let app: TestApp;
beforeAll(async () => {
  app = await startApp((live) => live.route('/slow', SlowMountView).route('/quick', CounterView), {
    handlerTimeoutMs: 200,
    logger: { debug() {}, warn() {}, error() {} },
  });
});
afterAll(() => app.close());

describe('a mount slower than handlerTimeoutMs', () => {
  it('answers handler_timeout, closes 1008, and unmounts the view when its mount ends later; a neighbour is unaffected', async () => {
    const neighbour = await WsClient.mount(app.base, '/quick');
    const { token } = await fetchPage(app.base, '/slow');
    const ws = await WsClient.open(app.base);
    ws.send({ type: 'mount', token });
    expect(await ws.waitForClose()).toBe(1008);
    expect(ws.closeReason).toBe('handler_timeout');
    expect(ws.messages).toEqual([expect.objectContaining({ type: 'error', code: 'handler_timeout', ref: null, message: expect.stringMatching(/mount ran over 200 ms \(option handlerTimeoutMs\)/) })]);
    expect(mounted).toEqual(['slow']);
    release?.();
    for (let i = 0; i < 50 && unmounted.length === 0; i += 1) await new Promise((r) => setTimeout(r, 10));
    expect(unmounted).toEqual(['slow']);
    neighbour.send({ type: 'event', ref: 1, event: 'inc' });
    expect((await neighbour.eventResult(1))[0]).toMatchObject({ type: 'patch', ref: 1 });
    await neighbour.close();
  });
});
