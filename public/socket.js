// @ts-check
import { PING_MS } from './constants.js';

/**
 * @typedef {object} TransportHandlers
 * @property {() => void} onOpen
 * @property {(message: any) => void} onMessage   one parsed server envelope
 * @property {(opened: boolean, unsent?: any[]) => void} onClose  `opened`: whether it ever opened; `unsent`: envelopes it took that the server never did (SSE), to send after the next mount
 */
/**
 * @typedef {object} Transport
 * @property {(message: object) => boolean} send  false if it could not be sent now
 * @property {() => void} close
 * @property {(frame: Uint8Array) => boolean} [upload]  sends an upload chunk (docs/uploads.md); false if it could not be sent now
 */

/**
 * Opens a WebSocket to `${prefix}/ws`. A frame is one JSON envelope, or a job's envelopes as
 * a JSON array: one onMessage each, in order (docs/protocol.md, WebSocket, "Frames").
 * @param {string} prefix @param {TransportHandlers} handlers @returns {Transport}
 */
export function connectWebSocket(prefix, handlers) {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const ws = new WebSocket(`${scheme}://${location.host}${prefix}/ws`);
  let opened = false;
  /** @type {ReturnType<typeof setInterval> | undefined} */
  let ping;
  ws.onopen = () => {
    opened = true;
    ping = setInterval(() => ws.readyState === 1 && ws.send('{"type":"ping"}'), PING_MS);
    handlers.onOpen();
  };
  ws.onmessage = (ev) => {
    let data;
    try {
      data = JSON.parse(ev.data);
    } catch {
      return;
    }
    for (const message of Array.isArray(data) ? data : [data]) handlers.onMessage(message);
  };
  ws.onclose = (ev) => {
    // 1009: a frame over the server's maxMessageBytes (e.g. a pushEvent payload over 64 KiB).
    if (ev.code == 1009) console.error('djust-lite: the server closed the connection: a message was over its size limit (option maxMessageBytes); send less per event.');
    clearInterval(ping);
    handlers.onClose(opened);
  };
  return {
    send(message) {
      if (ws.readyState !== 1) return false;
      ws.send(JSON.stringify(message));
      return true;
    },
    upload(frame) {
      return ws.readyState === 1 && (ws.send(frame), true);
    },
    close() {
      ws.onclose = null;
      clearInterval(ping);
      ws.close();
    },
  };
}
