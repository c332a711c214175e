import type { EventParams, EventMessage, MountMessage, ParamsMessage, PingMessage, ServerMessage } from '../contract/protocol';

/** Every `type` the server sends (lib/contract/protocol.ts `ServerMessage`). */
const SERVER_TYPES: ReadonlySet<string> = new Set<ServerMessage['type']>(['mounted', 'patch', 'reply', 'navigate', 'redirect', 'page_metadata', 'flash', 'push_event', 'error', 'pong', 'dev', 'upload']);

/**
 * Narrows one decoded JSON value to a `ServerMessage`: an object whose `type` is one the server
 * sends. Its other fields are the server's own and are not checked again here.
 */
export function toServerMessage(value: unknown): ServerMessage | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const type = (value as { type?: unknown }).type;
  return typeof type === 'string' && SERVER_TYPES.has(type) ? (value as ServerMessage) : null;
}

/** One SSE `data` (or a WebSocket frame holding one envelope) as a `ServerMessage`; null for text that is not one. */
export function parseServerMessage(text: string): ServerMessage | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  return toServerMessage(value);
}

/**
 * One WebSocket text frame as the messages it holds, in order: one envelope, or a job's
 * envelopes as a JSON array (docs/protocol.md, WebSocket, "Frames"). Null when the text is not JSON, or
 * is not an envelope or a non-empty array of envelopes.
 */
export function parseServerFrame(text: string): ServerMessage[] | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (!Array.isArray(value)) {
    const message = toServerMessage(value);
    return message ? [message] : null;
  }
  if (value.length === 0) return null;
  const messages: ServerMessage[] = [];
  for (const item of value) {
    const message = toServerMessage(item);
    if (!message) return null;
    messages.push(message);
  }
  return messages;
}

/**
 * The envelopes a client sends (docs/protocol.md), built typed.
 *
 * @example
 * channel.send(envelope.mount(page.token, '/counter'));
 * channel.send(envelope.event(1, 'inc', { by: 2 }));
 */
export const envelope = {
  mount: (token: string, url?: string): MountMessage => (url === undefined ? { type: 'mount', token } : { type: 'mount', token, url }),
  event: (ref: number | null, event: string, params: EventParams = {}, target?: number): EventMessage =>
    target === undefined ? { type: 'event', ref, event, params } : { type: 'event', ref, event, params, target },
  params: (ref: number | null, url: string, pop = false): ParamsMessage => ({ type: 'params', ref, url, pop }),
  ping: (): PingMessage => ({ type: 'ping' }),
};
