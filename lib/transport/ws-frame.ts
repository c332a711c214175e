// The server's text frames, framed here rather than by `ws`'s `send`: the same bytes in one
// Buffer and one socket write (lib/transport/websocket-sink.ts).

/**
 * One WebSocket text frame (RFC 6455 §5.2: FIN, opcode 1, unmasked as a server's frames are,
 * no extension bits) holding `text` as UTF-8, header and payload in one Buffer: byte for byte
 * what `ws`'s `send(text)` writes with compression off, which writes the header and the text as
 * two chunks (two `write` calls, a `writev` of a Buffer and a string) and allocates an options
 * object, a frame array and the header per message. A click's answer then costs one pooled
 * allocation and, with the turn's write batch, one `write` of one Buffer.
 *
 * Only for a socket whose `ws` negotiated no extension (perMessageDeflate off, as our
 * transport sets it): a frame of ours must never carry RSV1.
 *
 * @example
 * socket.write(textFrame('{"type":"pong"}')); // what ws.send('{"type":"pong"}') writes
 */
export function textFrame(text: string): Buffer {
  const length = Buffer.byteLength(text, 'utf8');
  // ws's limits: a 7-bit length up to 125, 16 bits up to 65535, else 64 bits (of which ws writes 48).
  const header = length <= 125 ? 2 : length < 65536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(header + length);
  frame[0] = 0x81;
  if (header === 2) {
    frame[1] = length;
  } else if (header === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame[2] = 0;
    frame[3] = 0;
    frame.writeUIntBE(length, 4, 6);
  }
  // The UTF-8 writer `write(text, offset, length, 'utf8')` itself calls (a Buffer method Node's
  // own `write` relies on, not in @types/node), without its argument checks: ~0.1 µs a frame.
  (frame as Buffer & { utf8Write(text: string, offset: number, length: number): number }).utf8Write(text, header, length);
  return frame;
}
