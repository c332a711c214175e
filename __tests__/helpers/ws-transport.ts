import { WebSocketChannel, webSocketUrl } from '../../lib/testing/websocket';

type Handlers = { onOpen(): void; onMessage(m: unknown): void; onClose(opened: boolean): void };

/**
 * Transports for LiveClient over lib/testing's WebSocket channel, shaped like public/socket.js,
 * for tests that run the browser client under jsdom against a real server (jsdom's own
 * WebSocket would need the page URL to be the server's). `terminateAll()` ends every socket it opened.
 */
export function wsTransports(base: () => string) {
  const sockets: WebSocketChannel[] = [];
  function connect(prefix: string, handlers: Handlers) {
    let opened = false;
    let closing = false;
    const channel = new WebSocketChannel(webSocketUrl(base(), prefix), {
      message: (message) => handlers.onMessage(message),
      closed: () => closing || handlers.onClose(opened),
    });
    sockets.push(channel);
    channel.opened.then(() => {
      opened = true;
      handlers.onOpen();
    }, () => undefined); // 'closed' reports it
    return {
      send: (message: object) => channel.send(message),
      close() {
        closing = true;
        void channel.close();
      },
    };
  }
  return {
    connect,
    sockets,
    terminateAll() {
      for (const channel of sockets) channel.terminate();
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
