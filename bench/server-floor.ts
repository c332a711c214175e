/**
 * The floor: a raw `ws` server (same ws version and settings as djust-lite's transport:
 * no compression) that echoes every text frame back unchanged. Nothing can answer faster
 * over a WebSocket in Node; every framework row is compared against this one.
 */
import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';
import { listenAndServeParent } from './server-child';

const server = createServer((_req, res) => {
  res.statusCode = 404;
  res.end();
});
const wss = new WebSocketServer({ server, path: '/echo', perMessageDeflate: false });
// FLOOR_SPIN_US (bench/indep.ts's "floor-spin"): busy-wait that long before each echo, as if
// the server did that much work per message — to see what the same pace costs the socket path.
const spinNs = BigInt(Math.round(Number(process.env.FLOOR_SPIN_US ?? 0) * 1000));
const spin = (): void => {
  const end = process.hrtime.bigint() + spinNs;
  while (process.hrtime.bigint() < end);
};
wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => {
    if (spinNs > 0n) spin();
    ws.send(data, { binary: isBinary });
  });
  ws.on('error', () => ws.terminate());
});
listenAndServeParent(server, wss);
