/** lib/transport/ws-frame.ts: our text frames are the bytes ws's own sender writes for `send(text)`. */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import WebSocket, { WebSocketServer } from 'ws';
import { textFrame } from '../../lib/transport/ws-frame';

/** ws's frame writer (exported by ws, not listed by @types/ws). */
const { Sender } = WebSocket as unknown as { Sender: { frame(data: Buffer, options: { fin: boolean; opcode: number; mask: boolean; readOnly: boolean; rsv1: boolean }): Buffer[] } };

/** What ws writes for `ws.send(text)` on a server socket without compression (its two chunks joined). */
function wsFrame(text: string): Buffer {
  const data = Buffer.from(text, 'utf8');
  const chunks = Sender.frame(data, { fin: true, opcode: 1, mask: false, readOnly: false, rsv1: false });
  return Buffer.concat(chunks);
}

describe('textFrame', () => {
  it('frames a text as ws does around each length boundary (7-bit, 16-bit and 64-bit lengths)', () => {
    for (const length of [0, 1, 125, 126, 127, 65535, 65536, 70000]) {
      const text = 'x'.repeat(length);
      expect(textFrame(text).equals(wsFrame(text))).toBe(true);
    }
  });

  it('counts the length in UTF-8 bytes, not characters', () => {
    const text = 'é€😀'.repeat(30); // 2, 3 and 4 bytes: 270 bytes from 120 UTF-16 units
    const frame = textFrame(text);
    expect(frame[1]).toBe(126);
    expect(frame.readUInt16BE(2)).toBe(Buffer.byteLength(text));
    expect(frame.subarray(4).toString('utf8')).toBe(text);
  });

  it('gives the same bytes as ws for any text (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: 'binary', maxLength: 300 }), fc.string({ unit: fc.constantFrom('a', '\ud800', '\udc00', '😀'), maxLength: 80 }), fc.integer({ min: 65_500, max: 65_600 }).map((n) => 'y'.repeat(n))), (text) => {
        expect(textFrame(text).equals(wsFrame(text))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('is read by a real ws client as the text it holds', async () => {
    const server: Server = createServer();
    const wss = new WebSocketServer({ server, perMessageDeflate: false });
    const texts = ['{"type":"pong"}', 'é'.repeat(200), 'z'.repeat(70_000)];
    wss.on('connection', (_ws, req) => {
      for (const text of texts) req.socket.write(textFrame(text));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
    const got: string[] = [];
    try {
      await new Promise<void>((resolve, reject) => {
        client.on('message', (data, isBinary) => {
          got.push(isBinary ? 'binary!' : (data as Buffer).toString('utf8'));
          if (got.length === texts.length) resolve();
        });
        client.on('error', reject);
      });
    } finally {
      client.terminate();
      wss.close();
      server.close();
    }
    expect(got).toEqual(texts);
  });
});
