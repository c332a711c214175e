import { fetchPage, readHead } from '../../lib/testing/page';
import { envelope } from '../../lib/testing/messages';
import { WsClient } from './server';

type Msg = WsClient['messages'][number];

/** GETs `path`, opens a `ws` client, mounts with the page's token and `url`, waits for everything mount sent. */
export async function mountAt(base: string, path: string, url: string | undefined = path): Promise<WsClient> {
  const { token } = await fetchPage(base, path);
  const client = await WsClient.open(base);
  client.send(envelope.mount(token, url));
  await client.waitFor((m) => m.type === 'mounted' || m.type === 'error');
  await new Promise((r) => setImmediate(r));
  return client;
}

let nextRef = 1000;

/**
 * Sends `message` with a fresh ref and returns the job's messages: its response (patch,
 * reply or error), then the navigate / page_metadata / flash messages that followed it.
 */
export async function roundTrip(client: WsClient, message: Record<string, unknown>): Promise<Msg[]> {
  const ref = nextRef++;
  const from = client.messages.length;
  client.send({ ...message, ref });
  const response = await client.waitFor((m) => 'ref' in m && m.ref === ref, { from });
  // One job's messages leave in one write, so the rest is already here.
  await new Promise((r) => setImmediate(r));
  const index = client.messages.indexOf(response);
  const out: Msg[] = [response];
  for (const m of client.messages.slice(index + 1)) {
    if (m.type !== 'navigate' && m.type !== 'page_metadata' && m.type !== 'flash') break;
    out.push(m);
  }
  return out;
}

/** `roundTrip` for an event; drops the ref from the response so results compare with toEqual. */
export async function fire(client: WsClient, event: string, params: Record<string, unknown> = {}): Promise<Msg[]> {
  const [response, ...rest] = await roundTrip(client, { type: 'event', event, params });
  const { ref: _ref, ...bare } = response as Msg & { ref?: unknown };
  return [bare as Msg, ...rest];
}

/** Only the side-channel messages of a result. */
export const sideChannel = (result: Msg[]) => result.filter((m) => m.type === 'page_metadata' || m.type === 'navigate');

/** `<title>`, meta and links of server-rendered HTML, as the client would see them (lib/testing's reader). */
export function headOf(html: string): { title: string | null; meta: Record<string, string>; links: Record<string, string> } {
  const { title, meta, links } = readHead(html);
  return { title: title ?? null, meta, links };
}
