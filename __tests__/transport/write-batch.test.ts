import net from 'node:net';
import { backlogOf, corkUntilTurnEnds } from '../../lib/transport/write-batch';

/** A connected socket pair on 127.0.0.1; `received()` is what the far end has read so far. */
async function socketPair(): Promise<{ near: net.Socket; received: () => string; close: () => Promise<void> }> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  const far = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
  const near = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve) => near.once('connect', resolve));
  const farSocket = await far;
  let text = '';
  farSocket.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
  });
  return {
    near,
    received: () => text,
    close: async () => {
      near.destroy();
      farSocket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('corkUntilTurnEnds', () => {
  it('holds every write of the turn, corks a stream once, and flushes them in order after the turn', async () => {
    const pair = await socketPair();
    try {
      corkUntilTurnEnds(pair.near);
      pair.near.write('one,');
      corkUntilTurnEnds(pair.near);
      pair.near.write('two');
      expect(pair.near.writableCorked).toBe(1);
      expect(pair.near.writableLength).toBe('one,two'.length);
      expect(backlogOf(pair.near)).toBe(0); // held on purpose: not a slow reader's backlog
      await nextTurn();
      expect(pair.near.writableCorked).toBe(0);
      expect(backlogOf(pair.near)).toBe(pair.near.writableLength);
      for (let i = 0; i < 100 && pair.received() !== 'one,two'; i += 1) await new Promise((r) => setTimeout(r, 5));
      expect(pair.received()).toBe('one,two');
    } finally {
      await pair.close();
    }
  });

  it('flushes several streams in the same turn, and a stream destroyed meanwhile harms none', async () => {
    const a = await socketPair();
    const b = await socketPair();
    try {
      corkUntilTurnEnds(a.near);
      corkUntilTurnEnds(b.near);
      a.near.write('a');
      b.near.write('b');
      a.near.destroy();
      await nextTurn();
      expect(b.near.writableCorked).toBe(0);
      for (let i = 0; i < 100 && b.received() !== 'b'; i += 1) await new Promise((r) => setTimeout(r, 5));
      expect(b.received()).toBe('b');
    } finally {
      await a.close();
      await b.close();
    }
  });
});
