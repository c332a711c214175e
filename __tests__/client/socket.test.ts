/**
 * public/socket.js with a scripted WebSocket: a frame holding one envelope, or a job's envelopes
 * as a JSON array (docs/protocol.md, WebSocket, "Frames"), reaches the client as one onMessage each, in order.
 * @jest-environment jsdom
 */
import { connectWebSocket } from '../../public/socket.js';
import { ScriptedWebSocket as FakeWebSocket } from '../helpers/scripted-websocket';

const RealWebSocket = globalThis.WebSocket;
beforeEach(() => Object.assign(globalThis, { WebSocket: FakeWebSocket }));
afterEach(() => Object.assign(globalThis, { WebSocket: RealWebSocket }));

function open(): { ws: FakeWebSocket; seen: unknown[]; transport: ReturnType<typeof connectWebSocket> } {
  const seen: unknown[] = [];
  const transport = connectWebSocket('/djust', { onOpen: () => {}, onMessage: (m) => void seen.push(m), onClose: () => {} });
  const ws = FakeWebSocket.last as FakeWebSocket;
  ws.open();
  return { ws, seen, transport };
}

describe('connectWebSocket', () => {
  it('opens the prefix\'s /ws on the page\'s host', () => {
    const { ws, transport } = open();
    expect(ws.url).toBe(`ws://${location.host}/djust/ws`);
    transport.close();
  });

  it('hands a frame holding one envelope to onMessage', () => {
    const { ws, seen, transport } = open();
    ws.frame('{"type":"pong"}');
    expect(seen).toEqual([{ type: 'pong' }]);
    transport.close();
  });

  it("unpacks a job's array into one onMessage per envelope, in order", () => {
    const { ws, seen, transport } = open();
    ws.frame('[{"type":"patch","ref":3,"ops":[]},{"type":"page_metadata","action":"title","value":"Counter 1"},{"type":"flash","action":"put","level":"info","message":"hi"}]');
    expect(seen).toEqual([
      { type: 'patch', ref: 3, ops: [] },
      { type: 'page_metadata', action: 'title', value: 'Counter 1' },
      { type: 'flash', action: 'put', level: 'info', message: 'hi' },
    ]);
    transport.close();
  });

  it('drops a frame that is not JSON and keeps reading', () => {
    const { ws, seen, transport } = open();
    ws.frame('{not json');
    ws.frame('[{"type":"pong"}]');
    expect(seen).toEqual([{ type: 'pong' }]);
    transport.close();
  });
});
