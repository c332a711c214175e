/**
 * LiveClient (public/client.js) with scripted transports: `pushEvent`'s promise (the answer's
 * payload, an error's code, `disconnected` when no answer can come), and the server messages of
 * issue 17 — `push_event` on window, `navigate` with the next view's html and token, `redirect` —
 * `dj-navigate` links (public/navigation.js), and the loading classes of public/events.js following
 * the real promise.
 * @jest-environment jsdom
 */
import { LiveClient } from '../../public/client.js';
import { ACK_TIMEOUT_MS, MAX_PENDING_EVENTS } from '../../public/constants.js';
import { scriptedTransports, type Scripted } from '../helpers/scripted-transport';



const { opened, transports, last } = scriptedTransports();
const root = () => document.querySelector('[dj-root]') as HTMLElement;
let client: LiveClient;

/** Starts a client and mounts it over its first connection. */
function live(): Scripted {
  client = new LiveClient(document, { token: 't.1', prefix: '/djust', transport: 'websocket', announce: false }, transports).start();
  const t = last();
  t.open();
  t.mounted();
  return t;
}

/** Past the longest reconnect backoff (10 s + 25%). */
const reconnectDelay = () => jest.advanceTimersByTime(12500);

/** How `p` settled: `['ok', value]` or `['error', err.code, err.message]`. */
const outcome = (p: Promise<unknown>) => p.then((v) => ['ok', v], (e: Error & { code?: string }) => ['error', e.code, e.message]);

let warn: jest.SpyInstance;
beforeEach(() => {
  jest.useFakeTimers();
  opened.length = 0;
  sessionStorage.clear();
  history.replaceState(null, '', '/counter');
  document.body.innerHTML = '<main dj-root><p>x</p></main>';
  warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
});
afterEach(() => {
  client.stop();
  warn.mockRestore();
  jest.useRealTimers();
});

describe('LiveClient.pushEvent', () => {
  it('resolves with the payload of the reply or patch answering its ref, undefined when there is none', async () => {
    const t = live();
    const [a, b, c] = [client.pushEvent('a', {}), client.pushEvent('b', {}), client.pushEvent('c', {})];
    t.receive({ type: 'patch', ref: 2, ops: [['t', [0, 0], 'y']], payload: { id: 7 } });
    t.receive({ type: 'reply', ref: 1, payload: { ok: true } });
    t.receive({ type: 'reply', ref: 3 });
    await expect(a).resolves.toEqual({ ok: true });
    await expect(b).resolves.toEqual({ id: 7 });
    await expect(c).resolves.toBeUndefined();
    expect(root().textContent).toBe('y');
    expect(client.waits.size).toBe(0);
  });

  it('rejects with an Error carrying the code, message and issues of the error answering its ref', async () => {
    const t = live();
    const p = client.pushEvent('save', { age: 'x' });
    const issues = [{ message: 'Expected number', path: ['age'] }];
    t.receive({ type: 'error', ref: 1, code: 'bad_params', message: 'params refused', issues });
    const err = await p.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err).toMatchObject({ code: 'bad_params', message: 'params refused', issues });
    expect(client.unacked.size).toBe(0);
  });

  it('rejects with code "disconnected" when the connection drops before the answer; an event queued while offline waits and settles after the re-mount', async () => {
    const t = live();
    const sent = outcome(client.pushEvent('a', {}));
    t.drop();
    const queued = outcome(client.pushEvent('b', { n: 1 }));
    expect(await sent).toEqual(['error', 'disconnected', 'djust-lite: disconnected']);
    reconnectDelay();
    const t2 = last();
    t2.open();
    t2.mounted();
    expect(t2.events()).toEqual([{ type: 'event', ref: 2, event: 'b', params: { n: 1 } }]);
    t2.receive({ type: 'reply', ref: 2, payload: { n: 2 } });
    expect(await queued).toEqual(['ok', { n: 2 }]);
  });

  it('rejects with code "disconnected" when no answer comes in time (the page re-syncs)', async () => {
    const error = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      live();
      const p = outcome(client.pushEvent('slow', {}));
      jest.advanceTimersByTime(ACK_TIMEOUT_MS);
      expect(await p).toEqual(['error', 'disconnected', 'djust-lite: disconnected']);
    } finally {
      error.mockRestore();
    }
  });

  it(`rejects the oldest queued event with code "disconnected" when more than ${MAX_PENDING_EVENTS} wait offline`, async () => {
    client = new LiveClient(document, { token: 't.1', prefix: '/djust', transport: 'websocket', announce: false }, transports).start();
    const first = outcome(client.pushEvent('e0', {}));
    for (let i = 1; i <= MAX_PENDING_EVENTS; i += 1) void client.pushEvent(`e${i}`, {});
    expect(warn).toHaveBeenCalledWith('djust-lite: queue full, dropped "e0"');
    expect(await first).toEqual(['error', 'disconnected', 'djust-lite: disconnected']);
    expect(client.waits.size).toBe(MAX_PENDING_EVENTS);
  });

  it('rejects every unsettled promise, sent or queued, on stop()', async () => {
    const t = live();
    const sent = outcome(client.pushEvent('a', {}));
    t.drop();
    const queued = outcome(client.pushEvent('b', {}));
    client.stop();
    expect(await Promise.all([sent, queued])).toEqual([
      ['error', 'disconnected', 'djust-lite: disconnected'],
      ['error', 'disconnected', 'djust-lite: disconnected'],
    ]);
    expect(client.waits.size).toBe(0);
  });

  it('reports no unhandled rejection to callers that ignore the promise', async () => {
    const t = live();
    void client.pushEvent('a', {});
    void client.pushEvent('b', {});
    t.receive({ type: 'error', ref: 1, code: 'unknown_event', message: 'no such event' });
    t.drop();
    jest.useRealTimers();
    // jest fails the test on an unhandled rejection seen by then
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(client.waits.size).toBe(0);
  });
});

describe('loading states (events.js) on the real promise', () => {
  it('dj-click-loading stays until the reply, and goes when the connection drops unanswered', async () => {
    const t = live();
    root().insertAdjacentHTML('beforeend', '<button id="b" dj-click="save">Save</button>');
    const button = document.getElementById('b') as HTMLElement;
    button.click();
    expect(button.classList.contains('dj-click-loading')).toBe(true);
    t.receive({ type: 'reply', ref: 1 });
    await Promise.resolve();
    expect(button.classList.contains('dj-click-loading')).toBe(false);
    button.click();
    expect(button.classList.contains('dj-click-loading')).toBe(true);
    t.drop();
    await Promise.resolve();
    expect(button.classList.contains('dj-click-loading')).toBe(false);
  });
});

describe('push_event', () => {
  it('is dispatched on window as a "dj:" + event CustomEvent with the payload as detail', () => {
    const t = live();
    const seen: unknown[] = [];
    const listener = (e: Event) => void seen.push((e as CustomEvent).detail);
    window.addEventListener('dj:highlight', listener);
    try {
      t.receive({ type: 'push_event', event: 'highlight', payload: { id: 3 } });
      t.receive({ type: 'push_event', event: 'other', payload: {} });
      expect(seen).toEqual([{ id: 3 }]);
    } finally {
      window.removeEventListener('dj:highlight', listener);
    }
  });
});

describe('navigate', () => {
  it('with html: pushes the URL, shows the next view, and the next mount uses its token', () => {
    const t = live();
    const length = history.length;
    t.receive({ type: 'navigate', url: '/other?x=1', replace: false, html: '<h1>Other</h1>', token: 't.2' });
    expect(location.pathname + location.search).toBe('/other?x=1');
    expect(history.length).toBe(length + 1);
    expect(root().innerHTML).toBe('<h1>Other</h1>');
    expect(client.config.token).toBe('t.2');
    t.drop();
    reconnectDelay();
    last().open();
    expect(last().sent).toEqual([{ type: 'mount', token: 't.2', url: '/other?x=1' }]);
  });

  it('with html and replace: replaces the history entry', () => {
    const t = live();
    const length = history.length;
    t.receive({ type: 'navigate', url: '/other', replace: true, html: '<p>o</p>', token: 't.2' });
    expect(location.pathname).toBe('/other');
    expect(history.length).toBe(length);
  });

  it('without html: moves the URL only (pushPatch), the region and token stay', () => {
    const t = live();
    t.receive({ type: 'navigate', url: '/counter?page=2', replace: false });
    expect(location.search).toBe('?page=2');
    expect(root().innerHTML).toBe('<p>x</p>');
    expect(client.config.token).toBe('t.1');
  });

  it('to the URL shown already (answering a dj-navigate click) adds no history entry', () => {
    const t = live();
    history.pushState(null, '', '/other');
    const length = history.length;
    t.receive({ type: 'navigate', url: '/other', replace: false, html: '<p>o</p>', token: 't.2' });
    expect(history.length).toBe(length);
  });
});

describe('dj-navigate', () => {
  it('sends params for the link URL and pushes it, as dj-patch does', () => {
    const t = live();
    root().insertAdjacentHTML('beforeend', '<a id="go" href="/other?y=2" dj-navigate>other</a>');
    const length = history.length;
    (document.getElementById('go') as HTMLElement).click();
    expect(t.events()).toEqual([{ type: 'params', ref: 1, url: '/other?y=2', pop: false }]);
    expect(location.pathname + location.search).toBe('/other?y=2');
    expect(history.length).toBe(length + 1);
  });

  it('takes the URL from dj-navigate="/url" on any element', () => {
    const t = live();
    root().insertAdjacentHTML('beforeend', '<button id="go" dj-navigate="/other">other</button>');
    (document.getElementById('go') as HTMLElement).click();
    expect(t.events()).toEqual([{ type: 'params', ref: 1, url: '/other', pop: false }]);
  });
});

describe('redirect', () => {
  it('loads the URL with location.assign (a new history entry), or location.replace when replace', () => {
    const t = live();
    const length = history.length;
    // jsdom navigates within the document only: a fragment shows which of the two ran
    t.receive({ type: 'redirect', url: '#one', replace: false });
    expect(location.hash).toBe('#one');
    expect(history.length).toBe(length + 1);
    t.receive({ type: 'redirect', url: '#two', replace: true });
    expect(location.hash).toBe('#two');
    expect(history.length).toBe(length + 1);
  });

  it('goes through client.redirect(url, replace)', () => {
    const t = live();
    const redirect = jest.spyOn(client, 'redirect').mockImplementation(() => undefined);
    t.receive({ type: 'redirect', url: 'https://example.com/login', replace: true });
    expect(redirect).toHaveBeenCalledWith('https://example.com/login', true);
  });
});
