import request from 'supertest';
import { isLocalPath } from '../../lib/contract/urls';
import { paramsForPatch, pathInMount } from '../../lib/view/navigation';
import { compilePath, DEFAULT_ROUTING } from '../../lib/routes/express-paths';
import { viewParams } from '../../lib/routes/route-table';
import { ItemView, SHOP, ShopView } from '../fixtures/head-views';
import { fire, headOf, mountAt, roundTrip, sideChannel } from '../helpers/head';
import { fetchPage } from '../../lib/testing/page';
import { startApp, WsClient, type TestApp } from '../helpers/server';

let app: TestApp;
/** Handler failures are expected here; keep them out of the test output. */
const quiet = { warn: () => undefined, error: () => undefined };
const clients: WsClient[] = [];

async function mount(path: string, url?: string): Promise<WsClient> {
  const client = await mountAt(app.base, path, url ?? path);
  clients.push(client);
  return client;
}

beforeAll(async () => {
  app = await startApp((live) => live.route('/shop', ShopView).route('/items/:id', ItemView), { logger: quiet });
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});
afterAll(() => app.close());

const title = (value: string) => ({ type: 'page_metadata', action: 'title', value });
const meta = (name: string, content: string) => ({ type: 'page_metadata', action: 'meta', name, content });
const link = (rel: string, href: string) => ({ type: 'page_metadata', action: 'link', rel, href });
const mugHead = [
  title('Stoneware Mug | Shop'),
  meta('description', SHOP.mug?.description as string),
  meta('og:image', '/img/mug.png'),
  link('canonical', '/shop?product=mug'),
];
const patchTo = (client: WsClient, url: string, pop?: boolean) => roundTrip(client, { type: 'params', url, ...(pop === undefined ? {} : { pop }) });

type Head = ReturnType<typeof headOf>;
/** The head a browser ends with: the HTML's, then every page_metadata message applied. */
function applied(start: Head, messages: WsClient['messages']): Head {
  const head: Head = { title: start.title, meta: { ...start.meta }, links: { ...start.links } };
  for (const m of messages) {
    if (m.type !== 'page_metadata') continue;
    const msg = m as Record<string, unknown>;
    if (msg.action === 'title') head.title = msg.value as string;
    const [bag, key, value] = msg.action === 'meta' ? [head.meta, msg.name, msg.content] : [head.links, msg.rel, msg.href];
    if (msg.action === 'title') continue;
    if (msg.remove) delete bag[key as string];
    else bag[key as string] = value as string;
  }
  return head;
}

describe('Live navigation', () => {
  describe('URL rules', () => {
    it.each(['/', '/shop', '/shop?product=mug', '/shop?q=%20a#top', '/items/7'])('accepts the local path %j', (url) => {
      expect(isLocalPath(url)).toBe(true);
    });

    it.each(['', 'shop', '//evil.example/', '/\\evil.example', 'https://evil.example/', 'javascript:alert(1)', '/a b', '/a\tb', `/${'a'.repeat(2048)}`, 42, null])(
      'refuses %j',
      (url) => {
        expect(isLocalPath(url)).toBe(false);
      },
    );

    /** The route's matcher as RouteEntry.match gives it (Express's default settings). */
    const matcherOf = (pattern: string) => (path: string) => {
      const params = compilePath(pattern, DEFAULT_ROUTING)(path);
      return params === null ? null : viewParams(params);
    };

    it('keeps the current params when only the query changes', () => {
      const current = { url: '/files/a/b?x=1', params: { path: 'a/b' } };
      expect(paramsForPatch(matcherOf('/files/*path'), current, '/files/a/b?x=2')).toBe(current.params);
      expect(paramsForPatch(matcherOf('/files/*path'), current, '/docs/c')).toBeNull();
    });

    it('matches the route from the mount path on; a URL outside the mount path matches nothing', () => {
      expect(pathInMount('/app', '/app/store/1')).toBe('/store/1');
      expect(pathInMount('/app', '/app')).toBe('/');
      expect(pathInMount('/app', '/apple/store')).toBeNull();
      expect(pathInMount('/app', '/store/1')).toBeNull();
      expect(pathInMount('', '/store/1')).toBe('/store/1');
      const current = { url: '/app/store/1', params: { id: '1' }, base: '/app' };
      expect(paramsForPatch(matcherOf('/store/:id'), current, '/app/store/2?x=1')).toEqual({ id: '2' });
      expect(paramsForPatch(matcherOf('/store/:id'), current, '/store/2')).toBeNull();
      expect(paramsForPatch(matcherOf('/'), { url: '/app/?a', params: {}, base: '/app' }, '/app?b')).toEqual({});
    });
  });

  describe('params message (dj-patch, back/forward)', () => {
    it('runs handleParams with route params, url and query, then sends the patch and the new head', async () => {
      const client = await mount('/shop');
      const [response, ...rest] = await patchTo(client, '/shop?product=mug');
      expect(response).toMatchObject({ type: 'patch' });
      expect(rest).toEqual(mugHead);
      expect(ShopView.handleParamsCalls.at(-1)).toEqual({ params: {}, url: '/shop?product=mug', query: { product: 'mug' } });
    });

    it('passes repeated query keys as arrays', async () => {
      const client = await mount('/shop');
      await patchTo(client, '/shop?tag=a&tag=b');
      expect(ShopView.handleParamsCalls.at(-1)?.query).toEqual({ tag: ['a', 'b'] });
    });

    it('ends with the head a direct GET of the URL renders (SEO)', async () => {
      for (const [from, to] of [['/shop', '/shop?product=mug'], ['/shop?product=mug', '/shop?product=lamp'], ['/shop?product=lamp', '/shop']] as const) {
        const { html } = await fetchPage(app.base, from);
        const client = await mount(from);
        const mountCount = client.messages.length;
        await patchTo(client, to);
        const live = applied(headOf(html), [...client.messages.slice(0, mountCount), ...client.messages.slice(mountCount)]);
        expect(live).toEqual(headOf((await request(app.server).get(to)).text));
      }
    });

    it('sends only the response when the URL shows what the client already has', async () => {
      const client = await mount('/shop?product=mug');
      expect(await patchTo(client, '/shop?product=mug')).toEqual([{ type: 'reply', ref: expect.any(Number) }]);
    });

    it('with pop: true forgets what the client was sent (it restored a snapshot) and sends the head again', async () => {
      const client = await mount('/shop?product=mug');
      expect((await patchTo(client, '/shop?product=mug', true)).slice(1)).toEqual(mugHead);
    });

    it('moves route params within the route', async () => {
      const client = await mount('/items/1');
      expect(sideChannel(await patchTo(client, '/items/2'))).toEqual([title('Item 2')]);
    });

    it('answers a path outside every live route with unknown_route for its ref (the client loads it as a page)', async () => {
      const client = await mount('/shop');
      const [error, ...rest] = await patchTo(client, '/nowhere/1');
      expect(error).toMatchObject({ type: 'error', code: 'unknown_route' });
      expect(error?.message).toContain('"/nowhere/1" is not a path of ShopView\'s route "/shop"');
      expect(rest).toEqual([]);
    });

    it.each([['https://evil.example/'], ['//evil.example/x'], ['/\\evil.example'], ['javascript:alert(1)'], [''], [42], [undefined]])(
      'refuses url %j with bad_message',
      async (url) => {
        const client = await mount('/shop');
        const [error] = await roundTrip(client, { type: 'params', url });
        expect(error).toMatchObject({ type: 'error', code: 'bad_message' });
        expect(error?.message).toContain('same-origin path');
      },
    );

    it('refuses params before mount with not_mounted', async () => {
      const client = await WsClient.open(app.base);
      clients.push(client);
      client.send({ type: 'params', ref: 1, url: '/shop' });
      expect(await client.waitFor((m) => m.type === 'error')).toMatchObject({ code: 'not_mounted', ref: 1 });
    });

    it('a handleParams that throws answers handler_failed and keeps the view and its head', async () => {
      const client = await mount('/shop?product=mug');
      const [error, ...rest] = await patchTo(client, '/shop?boom=1');
      expect(error).toMatchObject({ type: 'error', code: 'handler_failed' });
      expect(rest).toEqual([]);
      expect(await fire(client, 'titleSame')).toEqual([{ type: 'reply' }]);
    });
  });

  describe('pushPatch', () => {
    it('sends the response, then navigate, then the new head, then flash; handleParams ran for the URL', async () => {
      const client = await mount('/shop');
      const [response, ...rest] = await fire(client, 'choose', { id: 'mug' });
      expect(response).toMatchObject({ type: 'patch' });
      expect(rest).toEqual([
        { type: 'navigate', url: '/shop?product=mug', replace: false },
        ...mugHead,
        { type: 'flash', action: 'put', level: 'info', message: 'chosen' },
      ]);
      expect(ShopView.handleParamsCalls.at(-1)?.url).toBe('/shop?product=mug');
    });

    it('{ replace: true } sends navigate with replace', async () => {
      const client = await mount('/shop');
      expect((await fire(client, 'chooseReplace', { id: 'lamp' }))[1]).toEqual({ type: 'navigate', url: '/shop?product=lamp', replace: true });
    });

    it('coalesces two pushPatch calls in one handler into the last', async () => {
      const client = await mount('/shop');
      const calls = ShopView.handleParamsCalls.length;
      const navigates = (await fire(client, 'twoPatches')).filter((m) => m.type === 'navigate');
      expect(navigates).toEqual([{ type: 'navigate', url: '/shop?product=lamp', replace: false }]);
      expect(ShopView.handleParamsCalls.slice(calls).map((c) => c.url)).toEqual(['/shop?product=lamp']);
    });

    it('moves route params: /items/1 → /items/2', async () => {
      const client = await mount('/items/1');
      expect(sideChannel(await fire(client, 'next'))).toEqual([{ type: 'navigate', url: '/items/2', replace: false }, title('Item 2')]);
      expect(sideChannel(await fire(client, 'next'))).toEqual([{ type: 'navigate', url: '/items/3', replace: false }, title('Item 3')]);
    });

    it('a path outside the route fails the handler: error naming the route, nothing else sent, the view unchanged', async () => {
      const client = await mount('/shop');
      const [error, ...rest] = await fire(client, 'elsewhere');
      expect(error).toMatchObject({ type: 'error', code: 'handler_failed' });
      expect(error?.message).toContain('pushPatch("/items/1"): ShopView is served at route "/shop"');
      expect(rest).toEqual([]);
      expect(await fire(client, 'titleSame')).toEqual([{ type: 'reply' }]);
    });

    it('refuses a URL that is not a same-origin path', async () => {
      const client = await mount('/shop');
      const [error] = await fire(client, 'offsite');
      expect(error).toMatchObject({ type: 'error', code: 'handler_failed' });
      expect(error?.message).toContain('pushPatch(url): url must be a same-origin path');
    });

    it('stops a handleParams that keeps patching', async () => {
      const client = await mount('/shop');
      const [error] = await fire(client, 'loop');
      expect(error?.message).toMatch(/more than 8 in a row/);
    });

    it('in mount on connect: navigate follows mounted', async () => {
      const client = await mount('/shop', '/shop?patchOnMount=1');
      const types = client.messages.map((m) => m.type);
      expect(types.slice(0, 2)).toEqual(['mounted', 'navigate']);
      expect(client.messages[1]).toEqual({ type: 'navigate', url: '/shop?product=lamp', replace: true });
      expect(client.messages).toContainEqual(title('Desk Lamp | Shop'));
    });

    it('during the HTTP render answers 302 to the URL', async () => {
      const res = await request(app.server).get('/shop?patchOnMount=1').expect(302);
      expect(res.headers.location).toBe('/shop?product=lamp');
    });
  });

  describe('mount URL', () => {
    it('mounts at the client URL when it is a path of the rendered route (the page moved before a reconnect)', async () => {
      const client = await mount('/items/1', '/items/9');
      expect(client.messages).toContainEqual(title('Item 9'));
    });

    it('ignores a client URL outside the route', async () => {
      const client = await mount('/items/1', '/shop');
      expect(client.messages).toContainEqual(title('Item 1'));
    });
  });
});
