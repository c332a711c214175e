import http from 'node:http';
import { Parser } from 'htmlparser2';
import { DjustError } from '../errors';
import { findRegion } from '../html';

/** What a server-rendered live page carries: the token and prefix, and what it shows. */
export interface RenderedPage {
  /** Path + query the page was served at (after redirects). */
  url: string;
  token: string;
  prefix: string;
  title: string | undefined;
  meta: Record<string, string>;
  /** `<link rel>` tags: rel → href (the first of each rel). */
  links: Record<string, string>;
  flash: Record<string, string>;
  /** Inner HTML of the live region. */
  region: string;
  /** Tag name of the dj-root element (the parsing context of the region). */
  rootTag: string;
}

interface Response {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One request; the whole response body as text. */
export function request(url: string, init: { method?: string; headers?: Record<string, string>; body?: string; agent?: http.Agent } = {}): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: init.method ?? 'GET', headers: init.headers, agent: init.agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.once('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.once('error', reject);
    });
    req.once('error', reject);
    req.end(init.body);
  });
}

/** Title, meta tags, flash messages and the djust script tag of a page. */
function scan(html: string): Omit<RenderedPage, 'url' | 'region' | 'rootTag' | 'token'> & { token: string | undefined } {
  const found = {
    token: undefined as string | undefined, prefix: '/djust', title: undefined as string | undefined,
    meta: {} as Record<string, string>, links: {} as Record<string, string>, flash: {} as Record<string, string>,
  };
  let text: { into: 'title' } | { into: 'flash'; level: string } | null = null;
  let buffer = '';
  const parser = new Parser({
    onopentag(name, attrs) {
      if (name === 'script' && attrs['data-djust-token'] !== undefined) {
        found.token = attrs['data-djust-token'];
        found.prefix = attrs['data-djust-prefix'] ?? found.prefix;
      } else if (name === 'title' && found.title === undefined) {
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

/** GETs a live page (following same-origin redirects) and reads what liveTest needs from it. */
export async function fetchPage(origin: string, path: string, headers: Record<string, string>, agent: http.Agent): Promise<RenderedPage> {
  let url = path;
  for (let hops = 0; hops < 5; hops += 1) {
    const res = await request(`${origin}${url}`, { headers: { accept: 'text/html', ...headers }, agent });
    const location = res.headers.location;
    if (res.status >= 300 && res.status < 400 && location) {
      const next = new URL(location, `${origin}${url}`);
      if (next.origin !== origin) throw new DjustError('DJUST_ERR_LIVE_TEST_PAGE', `liveTest: GET ${url} redirects to another origin (${next.origin}); open a path that stays on this app.`);
      url = next.pathname + next.search;
      continue;
    }
    if (res.status !== 200) throw new DjustError('DJUST_ERR_LIVE_TEST_PAGE', `liveTest: GET ${url} answered ${res.status} (a live page answers 200): ${res.body.slice(0, 300)}`);
    const page = scan(res.body);
    if (page.token === undefined) {
      throw new DjustError('DJUST_ERR_LIVE_TEST_PAGE', `liveTest: GET ${url} is not a live page: no script tag with data-djust-token (is {% djust_scripts %} in the template?).`);
    }
    const bounds = findRegion(res.body);
    if (!bounds) throw new DjustError('DJUST_ERR_LIVE_TEST_PAGE', `liveTest: GET ${url} has no element with the dj-root attribute (is the page rendered through a LiveView route?).`);
    const rootTag = (/^<([A-Za-z][^\s/>]*)/.exec(res.body.slice(bounds.tagStart))?.[1] ?? 'div').toLowerCase();
    return { ...page, token: page.token, url, region: res.body.slice(bounds.start, bounds.end), rootTag };
  }
  throw new DjustError('DJUST_ERR_LIVE_TEST_PAGE', `liveTest: GET ${path}: more than 5 redirects in a row.`);
}
