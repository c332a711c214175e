/**
 * A browser WebSocket the test drives, for jsdom tests of public/socket.js: install it as
 * `globalThis.WebSocket`, then `ScriptedWebSocket.last` is the socket the client opened;
 * `open()` and `frame(text)` play the server, `sent` is what the client sent.
 */
export class ScriptedWebSocket {
  static last: ScriptedWebSocket | null = null;
  readyState = 0;
  readonly sent: string[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((ev: { data: string }) => void) | null = null;
  onclose: (() => void) | null = null;

  constructor(readonly url: string) {
    ScriptedWebSocket.last = this;
  }

  send(text: string): void {
    this.sent.push(text);
  }

  close(): void {
    this.readyState = 3;
  }

  open(): void {
    this.readyState = 1;
    this.onopen?.();
  }

  frame(data: string): void {
    this.onmessage?.({ data });
  }
}
