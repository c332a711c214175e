/**
 * The demo's seed patterns, driven with the headless client (`djust-lite/testing`) over both
 * transports — the way users test their own views.
 */
import http from 'node:http';
import { createDemoApp } from '../demo/app';
import { SEARCH_DELAY_MS } from '../demo/search';
import { liveTest, type LiveTestView } from '../lib/testing';
import type { DjustLite } from '../lib';

describe.each(['sse', 'websocket'] as const)('demo over %s', (transport) => {
  let server: http.Server;
  let live: DjustLite;
  const open: LiveTestView[] = [];

  beforeAll(async () => {
    const demo = createDemoApp({ sseLingerMs: 200 });
    live = demo.live;
    server = http.createServer(demo.app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });

  afterEach(async () => {
    await Promise.all(open.splice(0).map((view) => view.close()));
  });

  afterAll(async () => {
    await live.close();
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  });

  async function view(path: string): Promise<LiveTestView> {
    const v = await liveTest(server, path, { transport });
    open.push(v);
    return v;
  }

  test('chat: a message from one view makes the other "Chat (N unread)" via pub/sub', async () => {
    const alice = await view('/chat');
    const bob = await view('/chat');
    expect(bob.title).toBe('Chat');
    await alice.event('send', { text: 'hello' });
    await bob.waitFor((v) => v.title === 'Chat (1 unread)');
    await alice.event('send', { text: 'again' });
    await bob.waitFor((v) => v.title === 'Chat (2 unread)');
    expect(bob.html()).toContain('again');
    expect(alice.title).toBe('Chat');
    const read = await bob.event('markRead');
    expect(bob.title).toBe('Chat');
    expect(read.messages.map((m) => m.type)).toEqual(['patch', 'page_metadata']);
  });

  test('inbox: "Inbox (N)" while unread, "Inbox" once read', async () => {
    const inbox = await view('/inbox');
    expect(inbox.title).toBe('Inbox');
    for (let i = 1; i <= 3; i += 1) {
      await inbox.event('receive');
      expect(inbox.title).toBe(`Inbox (${i})`);
    }
    expect(inbox.html()).toContain('3 unread');
    await inbox.event('readAll');
    expect(inbox.title).toBe('Inbox');
    expect(inbox.html()).toContain('0 unread');
  });

  test('studio: "● REC - Studio" while recording, "◼ Stopped - Studio" after', async () => {
    const studio = await view('/studio');
    expect(studio.title).toBe('◼ Stopped - Studio');
    await studio.event('toggle');
    expect(studio.title).toBe('● REC - Studio');
    expect(studio.html()).toContain('Recording');
    await studio.event('toggle');
    expect(studio.title).toBe('◼ Stopped - Studio');
  });

  test('store: choosing a product sets "Name | Store", description/og:* meta and the canonical link', async () => {
    const store = await view('/store');
    expect(store.title).toBe('Store');
    expect(store.meta('description')).toBe('Hand-made goods for home and work.');
    const result = await store.event('select', { id: 'mug' });
    expect(store.title).toBe('Stoneware Mug | Store');
    expect(store.meta('description')).toBe('Hand-glazed mug, 350 ml, "dishwasher-safe" & sturdy.');
    expect(store.meta('og:title')).toBe('Stoneware Mug');
    expect(store.meta('og:description')).toBe('Hand-glazed mug, 350 ml, "dishwasher-safe" & sturdy.');
    expect(store.meta('og:image')).toBe('/img/mug.png');
    expect(store.link('canonical')).toBe('/store?product=mug');
    expect(store.url).toBe('/store?product=mug');
    await store.expectPatch('/store?product=mug'); // the handler's pushPatch
    expect(store.html()).toContain('Stoneware Mug');
    // The response first, then the side channel.
    expect(result.messages[0]?.type).toBe('patch');
    expect(result.messages.slice(1).map((m) => m.type)).not.toContain('patch');
    expect(result.messages.some((m) => m.type === 'page_metadata')).toBe(true);
    // A dj-patch link: live navigation runs handleParams.
    const lamp = await store.element('nav a', 'Desk Lamp').click();
    await store.expectPatch('/store?product=lamp');
    expect(lamp.html).toContain('<h2>Desk Lamp</h2>');
    expect(store.title).toBe('Desk Lamp | Store');
    expect(store.meta('og:image')).toBe('/img/lamp.png');
    await store.event('select', { id: 'nope' });
    expect(store.flash.error).toBe('That product does not exist.');
  });

  test('store: a direct GET of a product page starts with its title and meta', async () => {
    const store = await view('/store?product=chair');
    expect(store.title).toBe('Oak Chair | Store');
    expect(store.meta('og:title')).toBe('Oak Chair');
    expect(store.link('canonical')).toBe('/store?product=chair');
  });

  test('settings: save shows "Changes saved!" and sets "Project - Saved"', async () => {
    const settings = await view('/settings');
    expect(settings.title).toBe('Project');
    const result = await settings.event('save', { project: 'Project' });
    expect(settings.title).toBe('Project - Saved');
    expect(settings.flash).toEqual({ success: 'Changes saved!' });
    await settings.event('save', { project: 'Apollo' });
    expect(settings.title).toBe('Apollo - Saved');
    expect(settings.html()).toContain('value="Apollo"');
    expect(result.messages.map((m) => m.type)).toEqual(['reply', 'page_metadata', 'flash']);
    await settings.event('save', { project: '  ' });
    expect(settings.flash.error).toBe('Project name cannot be empty.');
  });

  test('signup: errors for the fields reached, all on submit, then a flash and pushNavigate home', async () => {
    const signup = await view('/signup');
    expect(signup.title).toBe('Sign up');
    // Typed into the form and sent as the browser sends it: every field, and _target on a change.
    const typed = await signup.form('#signup', { name: 'A' }).change();
    expect(typed.sent).toEqual([{ event: 'validate', params: { name: 'A', email: '', age: '', bio: '', _target: 'name' } }]);
    expect(typed.html).toContain('Your name needs at least 2 characters.');
    expect(typed.html).not.toContain('Your age, please.'); // not reached yet
    const submitted = await signup.form('#signup', { name: 'Ada' }).submit();
    expect(submitted.html).not.toContain('Your name needs');
    expect(submitted.html).toContain('Your age, please.');
    expect(submitted.html).toContain('That is not an email address.');
    // Fields that are not strings never reach the handler.
    await expect(signup.event('validate', { name: 'A', email: '', age: 36, bio: '' })).rejects.toMatchObject({ code: 'bad_params' });
    await expect(signup.form('#signup', { nickname: 'Ada' }).submit()).rejects.toThrow(/the form has no field "nickname"; its fields: name, email, age, bio/);

    const saved = await signup.form('#signup', { name: 'Ada', email: 'ada@example.com', age: '36' }).submit('#signup-submit');
    await signup.expectNavigate('/');
    // The response (the errors go), the other view (title and meta in between), the carried flash.
    expect(saved.messages.map((m) => m.type).filter((type) => type !== 'page_metadata')).toEqual(['patch', 'navigate', 'flash']);
    expect(signup.url).toBe('/');
    expect(signup.title).toBe('djust-lite demo');
    expect(signup.flash).toEqual({ success: 'Welcome, Ada! You are signed up.' });
    expect(signup.html()).toContain('<h1>djust-lite demo</h1>');
  });

  test('search: results load off the queue while typing is answered; the newer search supersedes the older', async () => {
    const search = await view('/search');
    const started = performance.now();
    await search.event('search', { q: 'm', _target: 'q' });
    await search.event('search', { q: 'mug', _target: 'q' });
    expect(performance.now() - started).toBeLessThan(SEARCH_DELAY_MS); // neither keystroke waited for a search
    expect(search.html()).toContain('Searching for “mug”');
    await search.waitFor((v) => v.title === 'Search: 2 for "mug"', 'the results');
    expect(search.html()).toContain('<li>Mug stand</li>');
    expect(search.html()).not.toContain('Desk lamp'); // the "m" search was superseded: never shown
    expect(search.html()).toContain('data-shown="1"');
  });

  test('a handler error rejects event() with the wire code', async () => {
    const inbox = await view('/inbox');
    await expect(inbox.event('nope')).rejects.toMatchObject({ code: 'unknown_event' });
  });
});
