import * as http from 'node:http';
import { Parser } from 'htmlparser2';
import { findRegion } from '../render/html';
import { DjustError } from '../core/errors';

/** A whole HTTP response, its body as text. */
export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface RequestInit {
  /** Default `GET`. */
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** `false` for a fresh connection; default the global agent. */
  agent?: http.Agent | false;
  /** The request fails when no byte moves for this long, in ms. Default 10000. */
  timeoutMs?: number;
}

/**
 * One request over node:http (jsdom test environments have no fetch); the whole response
 * body as text.
 *
 * @example
 * const answer = await request(`${origin}/djust/sse/${session}/message`, { method: 'POST', body: '{"type":"ping"}' });
 */
export function request(url: string, init: RequestInit = {}): Promise<HttpResponse> {
  const { method = 'GET', headers, body, agent, timeoutMs = 10000 } = init;
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, agent, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.once('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.once('error', reject);
    });
    req.once('timeout', () => req.destroy(new DjustError('DJUST_ERR_LIVE_TEST_TIMEOUT', `${method} ${url}: no answer within ${timeoutMs} ms`)));
    req.once('error', reject);
    req.end(body);
  });
}

/** Attributes of the first element of `html` that `match` accepts (entities decoded), or undefined. */
export function findElement(html: string, match: (tag: string, attrs: Record<string, string>) => boolean): Record<string, string> | undefined {
  let found: Record<string, string> | undefined;
  const parser = new Parser({
    onopentag(name, attrs) {
      if (found === undefined && match(name, attrs)) found = attrs;
    },
  }, { decodeEntities: true });
  parser.end(html);
  return found;
}

/** What a live page's djust script tag carries. */
export interface LiveScript {
  /** `data-djust-token`: the signed token a `mount` sends. */
  token: string;
  /** `data-djust-prefix` (default `/djust`). */
  prefix: string;
  /** Every `data-djust-*` attribute of the tag, by the name after `data-djust-` (`token`, `prefix`, `transport`…). */
  data: Record<string, string>;
}

function liveScriptOf(tag: string, attrs: Record<string, string>): LiveScript | undefined {
  const token = attrs['data-djust-token'];
  if (tag !== 'script' || token === undefined) return undefined;
  const data: Record<string, string> = {};
  for (const [name, value] of Object.entries(attrs)) if (name.startsWith('data-djust-')) data[name.slice('data-djust-'.length)] = value;
  return { token, prefix: attrs['data-djust-prefix'] ?? '/djust', data };
}

/** The djust script tag of `html` (the first `<script data-djust-token>`), or undefined. */
export function readLiveScript(html: string): LiveScript | undefined {
  let script: LiveScript | undefined;
  findElement(html, (tag, attrs) => (script = liveScriptOf(tag, attrs)) !== undefined);
  return script;
}

/** A live page as `fetchPage` got it. */
export interface LivePage extends LiveScript, HttpResponse {
  html: string;
}

/**
 * GETs `path` of `base` (no redirects followed) and reads its djust script tag; throws when the
 * page has none.
 *
 * @example
 * const { token, prefix } = await fetchPage('http://127.0.0.1:3000', '/counter');
 */
export async function fetchPage(base: string, path: string, init: Omit<RequestInit, 'method' | 'body'> = {}): Promise<LivePage> {
  const res = await request(base + path, { ...init, headers: { accept: 'text/html', ...init.headers } });
  const script = readLiveScript(res.body);
  if (!script) throw new DjustError('DJUST_ERR_LIVE_TEST_PAGE', `no djust script tag (data-djust-token) in GET ${path} (status ${res.status}): ${res.body.slice(0, 300)}`);
  return { ...res, ...script, html: res.body };
}

/** What a server-rendered live page shows: title, meta and link tags, flash messages. */
export interface PageHead {
  title: string | undefined;
  /** `<meta name|property content>`: name → content. */
  meta: Record<string, string>;
  /** `<link rel href>`: rel → href (the first of each rel). */
  links: Record<string, string>;
  /** `.dj-flash[data-level]`: level → text. */
  flash: Record<string, string>;
}

/** Reads the title, meta and link tags and flash messages of a page as a browser shows them. */
export function readHead(html: string): PageHead {
  const found: PageHead = { title: undefined, meta: {}, links: {}, flash: {} };
  let text: { into: 'title' } | { into: 'flash'; level: string } | null = null;
  let buffer = '';
  const parser = new Parser({
    onopentag(name, attrs) {
      if (name === 'title' && found.title === undefined) {
        text = { into: 'title' };
        buffer = '';
      } else if (name === 'meta' && attrs.content !== undefined && (attrs.name ?? attrs.property) !== undefined) {
        found.meta[(attrs.name ?? attrs.property) as string] = attrs.content;
      } else if (name === 'link' && attrs.rel && attrs.href !== undefined) {
        found.links[attrs.rel] ??= attrs.href;
      } else if (attrs['data-level'] !== undefined && /(^|\s)dj-flash(\s|$)/.test(attrs.class ?? '')) {
        text = { into: 'flash', level: attrs['data-level'] };
        buffer = '';
      }
    },
    ontext(data) {
      if (text) buffer += data;
    },
    onclosetag(name) {
      const open = text as typeof text;
      if (!open) return;
      if (open.into === 'title' && name === 'title') found.title = buffer;
      else if (open.into === 'flash' && name !== 'br') found.flash[open.level] = buffer;
      else return;
      text = null;
    },
  }, { decodeEntities: true });
  parser.end(html);
  return found;
}

/** What liveTest reads from a live page: its script tag, what it shows, and its live region. */
export interface RenderedPage extends LiveScript, PageHead {
  /** Path + query the page was served at (after redirects). */
  url: string;
  /** Inner HTML of the live region. */
  region: string;
  /** Tag name of the dj-root element (the parsing context of the region). */
  rootTag: string;
}

/** GETs a live page (following same-origin redirects) and reads what liveTest needs from it. */
export async function openPage(origin: string, path: string, headers: Record<string, string>, agent: http.Agent): Promise<RenderedPage> {
  let url = path;
  for (let hops = 0; hops < 5; hops += 1) {
    const res = await request(`${origin}${url}`, { headers: { accept: 'text/html', ...headers }, agent });
    const location = res.headers.location;
    if (res.status >= 300 && res.status < 400 && location) {
      const next = new URL(location, `${origin}${url}`);
      if (next.origin !== origin) throw new DjustError('DJUST_ERR_LIVE_TEST_PAGE', `liveTest: GET ${url} redirects to another origin (${next.origin}).`);
      url = next.pathname + next.search;
      continue;
    }
    if (res.status !== 200) throw new DjustError('DJUST_ERR_LIVE_TEST_PAGE', `liveTest: GET ${url} answered ${res.status}: ${res.body.slice(0, 300)}`);
    const script = readLiveScript(res.body);
    if (!script) {
      throw new DjustError('DJUST_ERR_LIVE_TEST_PAGE', `liveTest: GET ${url} is not a live page: no script tag with data-djust-token (is {% djust_scripts %} in the template?).`);
    }
    const bounds = findRegion(res.body);
    if (!bounds) throw new DjustError('DJUST_ERR_LIVE_TEST_PAGE', `liveTest: GET ${url} has no element with the dj-root attribute.`);
    const rootTag = (/^<([A-Za-z][^\s/>]*)/.exec(res.body.slice(bounds.tagStart))?.[1] ?? 'div').toLowerCase();
    return { ...script, ...readHead(res.body), url, region: res.body.slice(bounds.start, bounds.end), rootTag };
  }
  throw new DjustError('DJUST_ERR_LIVE_TEST_PAGE', `liveTest: GET ${path}: too many redirects.`);
}
