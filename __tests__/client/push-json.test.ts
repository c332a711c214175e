/**
 * LiveClient.pushEvent with params that cannot go out as JSON (issue 23, row 10): a BigInt or a
 * cycle rejects at the call with `not_json`, and the events after it are sent — over the real
 * public/socket.js (which JSON-encodes in its send), with a scripted WebSocket.
 * @jest-environment jsdom
 */
import { LiveClient } from '../../public/client.js';
import { connectWebSocket } from '../../public/socket.js';

class FakeWebSocket {
  static last: FakeWebSocket | null = null;
  readyState = 0;
  readonly sent: string[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((ev: { data: string }) => void) | null = null;
  onclose: (() => void) | null = null;
  constructor(readonly url: string) {
    FakeWebSocket.last = this;
  }
  send(text: string): void {
    this.sent.push(text);
  }
  close(): void {
    this.readyState = 3;
  }
}

const RealWebSocket = globalThis.WebSocket;
let client: LiveClient;
let error: jest.SpyInstance;
beforeEach(() => {
  Object.assign(globalThis, { WebSocket: FakeWebSocket });
  document.body.innerHTML = '<main dj-root><p>x</p></main>';
  error = jest.spyOn(console, 'error').mockImplementation(() => undefined);
});
afterEach(() => {
  client.stop();
  error.mockRestore();
  Object.assign(globalThis, { WebSocket: RealWebSocket });
});

/** A client mounted over the fake socket; returns the socket. */
function live(): FakeWebSocket {
  client = new LiveClient(document, { token: 't.1', prefix: '/djust', transport: 'websocket', announce: false }, { websocket: connectWebSocket }).start();
  const ws = FakeWebSocket.last as FakeWebSocket;
  ws.readyState = 1;
  ws.onopen?.();
  ws.onmessage?.({ data: JSON.stringify({ type: 'mounted', html: '<p>x</p>' }) });
  return ws;
}

const events = (ws: FakeWebSocket) => ws.sent.map((t) => JSON.parse(t) as { type: string; event?: string }).filter((m) => m.type === 'event').map((m) => m.event);

describe('LiveClient.pushEvent with params that are not JSON', () => {
  it.each([
    ['a BigInt', { n: 10n }],
    ['a cycle', (() => { const o: Record<string, unknown> = {}; o.self = o; return o; })()],
    ['a toJSON that throws', { toJSON() { throw new Error('nope'); } }],
  ])('rejects %s at the call with not_json, and the next events are sent', async (_name, params) => {
    const ws = live();
    const bad = client.pushEvent('bad', params as Record<string, unknown>);
    const err = (await bad.catch((e: unknown) => e)) as Error & { code: string };
    expect(err.code).toBe('not_json');
    expect(err.message).toMatch(/pushEvent\("bad"\): params cannot be sent as JSON/);
    expect(error).toHaveBeenCalled();
    const later = Array.from({ length: 5 }, (_, i) => client.pushEvent(`ok${i}`, { i }));
    expect(events(ws)).toEqual(['ok0', 'ok1', 'ok2', 'ok3', 'ok4']);
    expect(client.pending).toHaveLength(0);
    ws.onmessage?.({ data: JSON.stringify({ type: 'reply', ref: 2 }) });
    await expect(later[0]).resolves.toBeUndefined();
  });

  it('queued while offline: a bad event never blocks the ones behind it after the mount', () => {
    client = new LiveClient(document, { token: 't.1', prefix: '/djust', transport: 'websocket', announce: false }, { websocket: connectWebSocket }).start();
    const ws = FakeWebSocket.last as FakeWebSocket;
    void client.pushEvent('bad', { n: 1n } as unknown as Record<string, unknown>);
    void client.pushEvent('after', {});
    ws.readyState = 1;
    ws.onopen?.();
    ws.onmessage?.({ data: JSON.stringify({ type: 'mounted', html: '<p>x</p>' }) });
    expect(events(ws)).toEqual(['after']);
  });
});
