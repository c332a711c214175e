/**
 * The djust wire floor: a raw `ws` server (same ws version and settings as the floor and
 * djust-lite's transport: no compression) that speaks djust-lite's wire protocol for the
 * bench's counter and nothing else. Per click it parses the `event` envelope with JSON.parse and
 * answers the same frame, byte for byte, that djust-lite answers (a JSON array: the response,
 * then the `page_metadata` title). No templates, no diff, no djust-lite
 * code: the best any server could do speaking this protocol, driven by djust-lite's own
 * bench client (client-djust.ts) — so the gap between it and the echo floor is the cost of
 * the protocol (bigger JSON) to the load generator and the kernel, and the gap
 * between it and djust-lite is djust-lite's own work.
 */
import { createServer } from 'node:http';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { listenAndServeParent } from './server-child';

const PREFIX = '/djust';
/** Any fixed string: nothing here is signed, the token only has to come back on `mount`. */
const TOKEN = 'wire-floor-token';
/** The live region of bench/views/counter.njk at count 0, as djust-lite sends it on mount. */
const REGION0 = '<p id="count">0</p><p>clicks</p>';
/** Largest frame taken: djust-lite's default `maxMessageBytes`. */
const MAX_PAYLOAD = 64 * 1024;

const PAGE = `<!doctype html>
<html>
<head>
<meta charset="utf-8">
<title>Counter 0</title>
</head>
<body>
<h1>Counter</h1>
<main dj-root>${REGION0}</main>
<script type="module" src="${PREFIX}/djust.min.js" data-djust-token="${TOKEN}" data-djust-prefix="${PREFIX}" data-djust-transport="websocket"></script>
</body>
</html>
`;

/** What a client frame may hold (only the fields this server reads). */
interface Incoming {
  type?: unknown;
  ref?: unknown;
  event?: unknown;
  token?: unknown;
}

/** Per-socket state of the counter view. */
interface Counter {
  mounted: boolean;
  count: number;
  titles: number;
}

const title = (value: string): string => `{"type":"page_metadata","action":"title","value":"${value}"}`;
const error = (ref: string, code: string, message: string): string => `{"type":"error","ref":${ref},"code":"${code}","message":"${message}"}`;

/** Sends the envelopes of one answer as djust-lite does: one alone, several as one JSON-array frame. */
function sendAll(ws: WebSocket, first: string, second?: string): void {
  ws.send(second === undefined ? first : `[${first},${second}]`);
}

function handle(ws: WebSocket, state: Counter, text: string): void {
  let m: Incoming;
  try {
    m = JSON.parse(text) as Incoming;
  } catch {
    ws.send(error('null', 'bad_json', 'Frame is not valid JSON.'));
    return;
  }
  if (typeof m !== 'object' || m === null) {
    ws.send(error('null', 'bad_message', 'Frame must be a JSON object with a type field.'));
    return;
  }
  const ref = typeof m.ref === 'number' && Number.isSafeInteger(m.ref) ? String(m.ref) : 'null';
  switch (m.type) {
    case 'event': {
      if (!state.mounted) {
        ws.send(error(ref, 'not_mounted', 'Send mount first.'));
        return;
      }
      switch (m.event) {
        case 'inc':
          state.count += 1;
          sendAll(ws, `{"type":"patch","ref":${ref},"ops":[["t",[0,0],"${state.count}"]]}`, title(`Counter ${state.count}`));
          return;
        case 'retitle':
          state.titles += 1;
          sendAll(ws, `{"type":"reply","ref":${ref}}`, title(`Counter ${state.count} (${state.titles})`));
          return;
        case 'bump':
          state.count += 1;
          ws.send(`{"type":"patch","ref":${ref},"ops":[["t",[0,0],"${state.count}"]]}`);
          return;
        default:
          ws.send(error(ref, 'unknown_event', 'The counter has no such event handler.'));
          return;
      }
    }
    case 'mount':
      if (m.token !== TOKEN) {
        ws.send(error('null', 'bad_token', 'Token is not the one the page carries.'));
        return;
      }
      if (state.mounted) {
        ws.send(error('null', 'already_mounted', 'This connection is already mounted.'));
        return;
      }
      state.mounted = true;
      sendAll(ws, `{"type":"mounted","html":${JSON.stringify(REGION0)}}`, title('Counter 0'));
      return;
    case 'ping':
      ws.send('{"type":"pong"}');
      return;
    default:
      ws.send(error(ref, 'bad_message', 'Unknown message type.'));
  }
}

function text(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

const server = createServer((req, res) => {
  if (req.method === 'GET' && (req.url ?? '').split('?', 1)[0] === '/counter') {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(PAGE) });
    res.end(PAGE);
    return;
  }
  res.statusCode = 404;
  res.end();
});
const wss = new WebSocketServer({ server, path: `${PREFIX}/ws`, perMessageDeflate: false, maxPayload: MAX_PAYLOAD });
wss.on('connection', (ws) => {
  const state: Counter = { mounted: false, count: 0, titles: 0 };
  ws.on('message', (data: RawData, isBinary: boolean) => {
    if (isBinary) ws.send(error('null', 'bad_message', 'Binary frames are not accepted.'));
    else handle(ws, state, text(data));
  });
  ws.on('error', () => ws.terminate());
});
listenAndServeParent(server, wss);
