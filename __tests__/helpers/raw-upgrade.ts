import http from 'node:http';

/** What a WebSocket upgrade got back: the status, the body of a refusal, and whether the server closed the socket. */
export interface UpgradeAnswer {
  status: number;
  body: string;
  closed: boolean;
}

/**
 * Sends a WebSocket upgrade for `${base}${path}` over plain node:http and reads the refusal
 * (any answer but 101) to its end, to see the status and reason as curl would. A 101 is
 * answered with status 101 and its socket destroyed at once. Fails after 5 s.
 */
export function rawUpgrade(base: string, headers: Record<string, string> = {}, path = '/djust/ws'): Promise<UpgradeAnswer> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}${path}`, {
      agent: false,
      headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==', ...headers },
    });
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`no answer to the upgrade of ${path} within 5 s`));
    }, 5000);
    req.on('upgrade', (res, socket) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ status: res.statusCode ?? 0, body: '', closed: false });
    });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => void (body += chunk));
      res.once('end', () => {
        res.socket?.once('close', () => {
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, body, closed: true });
        });
        if (res.socket?.destroyed) {
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, body, closed: true });
        }
      });
    });
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.end();
  });
}
