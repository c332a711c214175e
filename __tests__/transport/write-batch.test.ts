import net from 'node:net';
import { WriteBatch } from '../../lib/transport/write-batch';

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

describe('WriteBatch', () => {
  it('holds every write of the turn, corks a stream once, and flushes them in order after the turn', async () => {
    const pair = await socketPair();
    const writes = new WriteBatch();
    try {
      writes.cork(pair.near);
      pair.near.write('one,');
      writes.cork(pair.near);
      pair.near.write('two');
      expect(pair.near.writableCorked).toBe(1);
      expect(pair.near.writableLength).toBe('one,two'.length);
      expect(writes.backlogOf(pair.near)).toBe(0); // held on purpose: not a slow reader's backlog
      await nextTurn();
      expect(pair.near.writableCorked).toBe(0);
      expect(writes.backlogOf(pair.near)).toBe(pair.near.writableLength);
      for (let i = 0; i < 100 && pair.received() !== 'one,two'; i += 1) await new Promise((r) => setTimeout(r, 5));
      expect(pair.received()).toBe('one,two');
    } finally {
      await pair.close();
    }
  });

  it('flushes several streams in the same turn, and a stream destroyed meanwhile harms none', async () => {
    const a = await socketPair();
    const b = await socketPair();
    const writes = new WriteBatch();
    try {
      writes.cork(a.near);
      writes.cork(b.near);
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

describe('WriteBatch per instance', () => {
  it('two batches in one process hold and count their own streams only', async () => {
    const a = await socketPair();
    const b = await socketPair();
    const first = new WriteBatch();
    const second = new WriteBatch();
    try {
      first.cork(a.near);
      a.near.write('queued in this turn');
      expect(first.held).toBe(1);
      expect(second.held).toBe(0);
      // The second batch knows nothing of a's held writes: it sees them as a backlog.
      expect(second.backlogOf(a.near)).toBe('queued in this turn'.length);
      expect(first.backlogOf(a.near)).toBe(0);
      second.cork(b.near);
      expect(first.held).toBe(1);
      expect(second.held).toBe(1);
      await nextTurn();
      expect([first.held, second.held]).toEqual([0, 0]);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe('WriteBatch flush', () => {
  it('lets held writes go at once; later writes of the turn are held again and flushed at its end', async () => {
    const pair = await socketPair();
    const writes = new WriteBatch();
    try {
      writes.cork(pair.near);
      pair.near.write('now,');
      writes.flush();
      expect(pair.near.writableCorked).toBe(0);
      expect(writes.held).toBe(0);
      writes.cork(pair.near);
      pair.near.write('later');
      expect(pair.near.writableCorked).toBe(1);
      await nextTurn();
      expect(pair.near.writableCorked).toBe(0);
      for (let i = 0; i < 100 && pair.received() !== 'now,later'; i += 1) await new Promise((r) => setTimeout(r, 5));
      expect(pair.received()).toBe('now,later');
    } finally {
      await pair.close();
    }
  });
});
