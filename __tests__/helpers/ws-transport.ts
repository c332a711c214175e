import WebSocket from 'ws';

type Handlers = { onOpen(): void; onMessage(m: unknown): void; onClose(opened: boolean): void };

/**
 * Transports for LiveClient over the `ws` package, shaped like public/socket.js, for tests
 * that run the browser client under jsdom against a real server (jsdom's own WebSocket
 * would need the page URL to be the server's). `terminateAll()` ends every socket it opened.
 */
export function wsTransports(base: () => string) {
  const sockets: WebSocket[] = [];
  function connect(prefix: string, handlers: Handlers) {
    const ws = new WebSocket(`${base().replace('http', 'ws')}${prefix}/ws`);
    sockets.push(ws);
    let opened = false;
    ws.on('open', () => {
      opened = true;
      handlers.onOpen();
    });
    ws.on('message', (data) => handlers.onMessage(JSON.parse(data.toString())));
    ws.on('close', () => handlers.onClose(opened));
    ws.on('error', () => undefined);
    return {
      send(message: object) {
        if (ws.readyState !== WebSocket.OPEN) return false;
        ws.send(JSON.stringify(message));
        return true;
      },
      close() {
        ws.removeAllListeners('close');
        ws.close();
      },
    };
  }
  return {
    connect,
    sockets,
    terminateAll() {
      for (const ws of sockets) ws.terminate();
    },
  };
}

/** Resolves once `cond()` is true, polling every 5 ms; rejects after `timeoutMs`. */
export function waitFor(cond: () => boolean, timeoutMs = 4000): Promise<void> {
  return new Promise((resolve, reject) => {
    const end = Date.now() + timeoutMs;
    const tick = () => {
      if (cond()) return resolve();
      if (Date.now() > end) return reject(new Error('condition not met in time'));
      setTimeout(tick, 5);
    };
    tick();
  });
}
