/** lib/transport/websocket-sink.ts handleFrame: binary frames are upload chunks, text frames are charged then handled. */
import type { Connection } from '../../lib/connection/connection';
import { handleFrame } from '../../lib/transport/websocket-sink';

function fakeConnection(admits = true) {
  const calls: string[] = [];
  const connection = {
    admit: (bytes: number) => (calls.push(`admit ${bytes}`), admits),
    refuse: (head: string) => void calls.push(`refuse ${head}`),
    handle: (text: string) => void calls.push(`handle ${text}`),
    upload: (frame: Buffer) => void calls.push(`upload ${frame.length}`),
    reject: () => void calls.push('reject'),
  };
  return { connection: connection as unknown as Connection, calls };
}

describe('handleFrame', () => {
  it('hands a binary frame to the upload channel whole (it charges chunks itself), fragments joined', () => {
    const { connection, calls } = fakeConnection();
    handleFrame(connection, Buffer.alloc(10), true);
    handleFrame(connection, [Buffer.alloc(3), Buffer.alloc(4)], true);
    handleFrame(connection, new ArrayBuffer(5), true);
    expect(calls).toEqual(['upload 10', 'upload 7', 'upload 5']);
  });

  it('charges a text frame by its size before it is handled, and refuses it with its head when over budget', () => {
    const ok = fakeConnection();
    handleFrame(ok.connection, Buffer.from('{"type":"ping"}'), false);
    expect(ok.calls).toEqual(['admit 15', 'handle {"type":"ping"}']);
    const over = fakeConnection(false);
    handleFrame(over.connection, Buffer.from('{"ref":3}'), false);
    expect(over.calls).toEqual(['admit 9', 'refuse {"ref":3}']);
  });
});
