/**
 * dj-hook (public/hooks.js) run by LiveClient with a scripted transport: the lifecycle order
 * through mount, patches, a drop and reconnect, a navigate with html and stop(); handleEvent;
 * a hook's pushEvent; registration on the client, late, and before the bundle loads.
 * @jest-environment jsdom
 */
import { LiveClient } from '../../public/client.js';
import type { Hook, HookInstance } from '../../public/hooks.js';
import { scriptedTransports } from '../helpers/scripted-transport';



const { opened, transports, last } = scriptedTransports();
let client: LiveClient;
let log: string[];

/** A hook that logs `id:callback` for each lifecycle callback. */
const Log: Hook = Object.fromEntries(
  ['mounted', 'beforeUpdate', 'updated', 'destroyed', 'disconnected', 'reconnected'].map((cb) => [cb, function (this: HookInstance) {
    log.push(`${this.el.id}:${cb}`);
  }]),
);

/** A client with `hooks` registered, started; `html` is what the page was served with. */
function start(hooks: Record<string, Hook>, html = '') {
  document.body.innerHTML = `<main dj-root>${html}</main>`;
  client = new LiveClient(document, { token: 't.1', prefix: '/djust', transport: 'websocket', announce: false }, transports);
  Object.assign(client.hooks, hooks);
  client.start();
  last().h.onOpen();
  return last();
}

/** Takes the log so far. */
const took = () => log.splice(0);

let warn: jest.SpyInstance;
beforeEach(() => {
  jest.useFakeTimers();
  opened.length = 0;
  log = [];
  sessionStorage.clear();
  warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
});
afterEach(() => {
  client.stop();
  warn.mockRestore();
  jest.useRealTimers();
});

describe('dj-hook', () => {
  it('runs the lifecycle: mount → patches adding, updating, removing → drop → reconnect → navigate html → stop', () => {
    const t = start({ Log }, '<div id="a" dj-hook="Log">a</div>');
    expect(took()).toEqual([]); // the server-rendered page: nothing until the view is mounted
    t.mounted('<div id="a" dj-hook="Log">a</div><p>x</p>');
    expect(took()).toEqual(['a:mounted']);

    t.patch(['t', [0, 0], 'A']); // text inside a
    expect(took()).toEqual(['a:beforeUpdate', 'a:updated']);
    expect(document.getElementById('a')?.textContent).toBe('A');

    t.patch(['i', [], 2, '<div id="b" dj-hook="Log"><span>b</span></div>']);
    expect(took()).toEqual(['b:mounted']); // a untouched: neither beforeUpdate nor updated

    t.patch(['a', [2, 0], 'class', 'on']); // an attribute deep in b
    expect(took()).toEqual(['b:beforeUpdate', 'b:updated']);

    t.patch(['d', [], 0, 1]); // a removed
    expect(took()).toEqual(['a:destroyed']);

    t.drop();
    expect(took()).toEqual(['b:disconnected']);
    jest.advanceTimersByTime(12500);
    last().h.onOpen();
    // the re-mount re-renders the region: b is a new element, its hook a new instance
    last().mounted('<p>x</p><div id="b" dj-hook="Log">b</div>');
    expect(took()).toEqual(['b:destroyed', 'b:mounted', 'b:reconnected']);

    last().receive({ type: 'navigate', url: '/other', replace: false, html: '<div id="c" dj-hook="Log"></div>', token: 't.2' });
    expect(took()).toEqual(['b:destroyed', 'c:mounted']);

    client.stop();
    expect(took()).toEqual(['c:destroyed']);
  });

  it('keeps a hooked element the patch leaves in place: updated, not remounted, on a whole-region html patch', () => {
    const t = start({ Log });
    t.mounted('<div id="a" dj-hook="Log" dj-update="ignore">a</div>');
    const a = document.getElementById('a');
    took();
    t.receive({ type: 'patch', ref: null, html: '<div id="a" dj-hook="Log" dj-update="ignore" class="x">a</div><p>y</p>' });
    expect(document.getElementById('a')).toBe(a);
    expect(took()).toEqual(['a:beforeUpdate', 'a:updated']);
  });

  it('destroys the hook of an element that loses dj-hook, and mounts one that gains it', () => {
    const t = start({ Log });
    t.mounted('<div id="a" dj-hook="Log"></div><div id="b"></div>');
    took();
    t.patch(['a', [0], 'dj-hook', null], ['a', [1], 'dj-hook', 'Log']);
    expect(took()).toEqual(['a:beforeUpdate', 'a:destroyed', 'b:mounted']);
  });

  it('tells disconnected/reconnected when an SSE stream drops and resumes without a re-mount', () => {
    const t = start({ Log });
    t.mounted('<div id="a" dj-hook="Log"></div>');
    took();
    t.h.onLive?.(false);
    t.h.onLive?.(true);
    expect(took()).toEqual(['a:disconnected', 'a:reconnected']);
  });

  it('gives each instance its element, with the hook object as prototype', () => {
    const Chart: Hook = {
      mounted(this: HookInstance & { count?: number }) {
        this.count = 1;
        log.push(`${this.el.id}:${Object.getPrototypeOf(this) === Chart}`);
      },
    };
    const t = start({ Chart });
    t.mounted('<canvas id="c1" dj-hook="Chart"></canvas><canvas id="c2" dj-hook="Chart"></canvas>');
    expect(took()).toEqual(['c1:true', 'c2:true']);
    expect(Chart).not.toHaveProperty('count');
  });

  it('handleEvent gets the payload of each push_event of that name; removeHandleEvent and destroy stop it', () => {
    let self: HookInstance | undefined;
    let first: ReturnType<HookInstance['handleEvent']> | undefined;
    const Flash: Hook = {
      mounted(this: HookInstance) {
        self = this;
        first = this.handleEvent('flash', (p) => log.push(`first ${JSON.stringify(p)}`));
        this.handleEvent('flash', (p) => log.push(`second ${JSON.stringify(p)}`));
        this.handleEvent('other', () => log.push('other'));
      },
    };
    const t = start({ Flash });
    t.mounted('<div id="f" dj-hook="Flash"></div>');
    t.receive({ type: 'push_event', event: 'flash', payload: { n: 1 } });
    expect(took()).toEqual(['first {"n":1}', 'second {"n":1}']);

    self?.removeHandleEvent(first as NonNullable<typeof first>);
    t.receive({ type: 'push_event', event: 'flash', payload: { n: 2 } });
    expect(took()).toEqual(['second {"n":2}']);

    t.patch(['d', [], 0, 1]); // f removed: its callbacks go with it
    t.receive({ type: 'push_event', event: 'flash', payload: { n: 3 } });
    expect(took()).toEqual([]);
  });

  it('pushEvent from a hook sends the event and resolves with the reply payload', async () => {
    let answer: Promise<unknown> | undefined;
    const Save: Hook = {
      mounted(this: HookInstance) {
        answer = this.pushEvent('save', { id: this.el.id });
      },
    };
    const t = start({ Save });
    t.mounted('<div id="s" dj-hook="Save"></div>');
    expect(t.sent.at(-1)).toEqual({ type: 'event', ref: 1, event: 'save', params: { id: 's' } });
    t.receive({ type: 'reply', ref: 1, payload: { saved: true } });
    await expect(answer).resolves.toEqual({ saved: true });
  });

  it('mounts a hook registered after the page mounted at the next patch, and warns once per unknown name', () => {
    const t = start({});
    t.mounted('<div id="a" dj-hook="Late"></div><div id="b" dj-hook="Late"></div><p>x</p>');
    t.patch(['t', [2, 0], 'y']);
    expect(warn.mock.calls).toEqual([['djust-lite: no hook Late: set djust.hooks.Late = {…}']]);
    client.hooks.Late = Log;
    t.patch(['t', [2, 0], 'z']);
    expect(took()).toEqual(['a:mounted', 'b:mounted']);
  });

  it('logs a callback that throws and goes on with the other hooks and the patch', () => {
    const error = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const Bad: Hook = {
        mounted() {
          throw new Error('boom');
        },
      };
      const t = start({ Bad, Log });
      t.mounted('<div id="x" dj-hook="Bad"></div><div id="a" dj-hook="Log"></div>');
      expect(took()).toEqual(['a:mounted']);
      expect(error).toHaveBeenCalledWith('djust-lite: dj-hook', document.getElementById('x'), expect.objectContaining({ message: 'boom' }));
      expect(client.live).toBe(true);
    } finally {
      error.mockRestore();
    }
  });
});

describe('registration before the bundle loads', () => {
  afterEach(() => {
    delete (window as { djust?: unknown }).djust;
  });

  it('boot() takes window.djust.hooks; a second copy of the bundle keeps the running client', () => {
    document.body.innerHTML = '<main dj-root><div id="a" dj-hook="Log"></div></main><script data-djust-token="t.1" data-djust-transport="websocket"></script>';
    (window as { djust?: unknown }).djust = { hooks: { Log } };
    jest.isolateModules(() => require('../../public/client.js'));
    const running = (window as unknown as { djust: LiveClient }).djust;
    client = running;
    expect(typeof running.start).toBe('function');
    expect(running.hooks.Log).toBe(Log);
    running.handle({ type: 'mounted', html: '<div id="a" dj-hook="Log"></div>' });
    expect(took()).toEqual(['a:mounted']);

    jest.isolateModules(() => require('../../public/client.js'));
    expect((window as unknown as { djust: LiveClient }).djust).toBe(running);
  });
});
