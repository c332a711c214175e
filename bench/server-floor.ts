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
wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  ws.on('error', () => ws.terminate());
});
listenAndServeParent(server, wss);
