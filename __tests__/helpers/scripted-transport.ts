/**
 * Transports for LiveClient (public/client.js) in jsdom that the test drives by hand: each
 * connection the client opens is a Scripted the test opens, answers, drops or refuses. What is
 * under test is the client; these stand in for the browser's socket and the server.
 */
export type Handlers = { onOpen(): void; onMessage(m: unknown): void; onClose(opened: boolean): void; onLive?(live: boolean): void };
export type Sent = { type: string; ref?: number; event?: string; url?: string; token?: string; params?: unknown };

/** One connection: open() (the client then sends mount), mounted(), receive(), answer(), drop(), refuse(). */
export class Scripted {
  readonly sent: Sent[] = [];
  closed = false;
  constructor(readonly kind: 'websocket' | 'sse', readonly h: Handlers) {}
  send = (m: object) => !this.closed && this.sent.push(m as Sent) > 0;
  close = () => void (this.closed = true);
  open() {
    this.h.onOpen();
  }
  receive(m: object) {
    this.h.onMessage(m);
  }
  mounted(html = '<p>x</p>') {
    this.receive({ type: 'mounted', html });
  }
  /** A region patch not answering any event. */
  patch(...ops: unknown[]) {
    this.receive({ type: 'patch', ref: null, ops });
  }
  /** The answer to `ref`: a patch (with no ops), a reply or an error, with `extra` fields. */
  answer(type: 'patch' | 'reply' | 'error', ref: number, extra: object = {}) {
    this.receive({ type, ref, ...(type === 'patch' ? { ops: [] } : {}), ...extra });
  }
  drop() {
    this.h.onClose(true);
  }
  refuse() {
    this.h.onClose(false);
  }
  /** What the client sent besides its mount. */
  events() {
    return this.sent.filter((m) => m.type !== 'mount');
  }
}

/** The connections a client opened, in order (`opened.length = 0` between tests), and transports that record them. */
export function scriptedTransports() {
  const opened: Scripted[] = [];
  const open = (kind: Scripted['kind']) => (_prefix: string, h: Handlers) => opened[opened.push(new Scripted(kind, h)) - 1] as Scripted;
  return { opened, transports: { websocket: open('websocket'), sse: open('sse') }, last: () => opened.at(-1) as Scripted };
}
