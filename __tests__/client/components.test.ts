/**
 * LiveComponents in the browser client (public/client.js, events.js, patch.js) in jsdom with a
 * scripted transport: an element's dj-target goes with its event, an op whose path starts
 * with a dj-cid applies from that component's element, hooks inside a
 * component see its update, and loading states work as on the view's own elements.
 * @jest-environment jsdom
 */
import path from 'node:path';
import { LiveClient } from '../../public/client.js';
import { applyPatch } from '../../public/patch.js';
import type { Hook, HookInstance } from '../../public/hooks.js';
import { scriptedTransports } from '../helpers/scripted-transport';

const { opened, transports, last } = scriptedTransports();
const JS_URL = path.join(__dirname, '..', '..', 'public', 'js-commands.js');
let client: LiveClient;

const ROWS = '<table><tbody><tr dj-cid="1" id="row-1"><td>one</td><td class="n">0</td><td><button dj-click="bump" dj-target="1" dj-value-by="2">+</button></td></tr>'
  + '<tr dj-cid="2" id="row-2"><td>two</td><td class="n">0</td><td><button dj-click="bump" dj-target="2">+</button></td></tr></tbody></table>'
  + '<button id="own" dj-click="save">Save</button>';

function start(hooks: Record<string, Hook> = {}) {
  document.body.innerHTML = `<main dj-root>${ROWS}</main>`;
  client = new LiveClient(document, { token: 't.1', prefix: '/djust', transport: 'websocket', announce: false }, transports);
  Object.assign(client.hooks, hooks);
  client.start();
  last().open();
  last().mounted(ROWS);
  return last();
}

const $ = (selector: string) => document.querySelector(selector) as HTMLElement;

beforeEach(() => {
  opened.length = 0;
  sessionStorage.clear();
});
afterEach(() => client.stop());

describe('dj-target', () => {
  it("sends the element's dj-target with its event, and none for the view's own elements", () => {
    const conn = start();
    $('#row-2 button').click();
    $('#row-1 button').click();
    $('#own').click();
    expect(conn.events().map(({ event, params, ...rest }) => ({ event, params, target: (rest as { target?: number }).target }))).toEqual([
      { event: 'bump', params: {}, target: 2 },
      { event: 'bump', params: { by: '2' }, target: 1 },
      { event: 'save', params: {}, target: undefined },
    ]);
  });

  it("shows the component's button loading until the answer, as a view's", async () => {
    const conn = start();
    $('#row-1 button').click();
    expect($('#row-1 button').classList.contains('dj-click-loading')).toBe(true);
    conn.receive({ type: 'patch', ref: conn.events()[0]?.ref, ops: [['t', ['1', 1, 0], '2']] });
    await new Promise((resolve) => setTimeout(resolve, 0)); // the answer settles the event's promise
    expect($('#row-1 button').classList.contains('dj-click-loading')).toBe(false);
    expect($('#row-1 .n').textContent).toBe('2');
  });
});

describe('pushes from scripts', () => {
  it("a hook's pushEventTo(el) goes to the component holding el; pushEvent to the view", async () => {
    let hook: HookInstance | undefined;
    const Grab: Hook = { mounted(this: HookInstance) { hook = this; } };
    document.body.innerHTML = '<main dj-root></main>';
    client = new LiveClient(document, { token: 't.1', prefix: '/djust', transport: 'websocket', announce: false }, transports);
    Object.assign(client.hooks, { Grab });
    client.start();
    const conn = last();
    conn.open();
    conn.mounted('<div dj-cid="5" id="c5"><canvas id="chart" dj-hook="Grab"></canvas></div><p id="outside"></p>');
    const h = hook as HookInstance;
    void h.pushEventTo(h.el, 'point', { x: 1 });
    void h.pushEventTo('#c5', 'zoom');
    void h.pushEventTo('#outside', 'plain');
    void h.pushEvent('view');
    expect(conn.events().map((m) => [m.event, (m as { target?: number }).target])).toEqual([['point', 5], ['zoom', 5], ['plain', undefined], ['view', undefined]]);
  });

  it("a JS push command on an element with dj-target goes to that component", async () => {
    const push = JSON.stringify([['push', { event: 'bump', value: { by: 3 } }]]).replace(/"/g, '&quot;');
    const html = `<div dj-cid="2"><button id="js" dj-click="${push}" dj-target="2">+</button></div>`;
    document.body.innerHTML = `<main dj-root>${html}</main>`;
    client = new LiveClient(document, { token: 't.1', prefix: '/djust', transport: 'websocket', announce: false, jsUrl: JS_URL }, transports);
    client.start();
    const conn = last();
    conn.open();
    conn.mounted(html);
    await client.commands();
    $('#js').click();
    await client.commands();
    for (let i = 0; i < 3; i++) await Promise.resolve();
    expect(conn.events().map((m) => [m.event, m.params, (m as { target?: number }).target])).toEqual([['bump', { by: 3 }, 2]]);
  });
});

describe('ops addressed to a component', () => {
  it('applies an op whose path starts with a dj-cid from that element, leaving the others', () => {
    document.body.innerHTML = `<main dj-root>${ROWS}</main>`;
    const root = $('main');
    expect(applyPatch(root, { ops: [['t', ['2', 1, 0], '7'], ['a', ['2'], 'class', 'hot']] })).toBe(true);
    expect($('#row-2 .n').textContent).toBe('7');
    expect($('#row-2').className).toBe('hot');
    expect($('#row-1 .n').textContent).toBe('0');
  });

  it("replaces the component's element with its whole HTML (r at its id)", () => {
    document.body.innerHTML = `<main dj-root>${ROWS}</main>`;
    applyPatch($('main'), { ops: [['r', ['1'], '<tr dj-cid="1" id="row-1"><td>uno</td></tr>']] });
    expect($('#row-1').textContent).toBe('uno');
    expect(document.querySelectorAll('tbody tr')).toHaveLength(2);
    expect($('#row-2').textContent).toContain('two');
  });

  it('reports an op for a component the page does not show (false), applying the rest', () => {
    document.body.innerHTML = `<main dj-root>${ROWS}</main>`;
    expect(applyPatch($('main'), { ops: [['t', ['9', 0, 0], 'x'], ['t', ['1', 1, 0], '3']] })).toBe(false);
    expect($('#row-1 .n').textContent).toBe('3');
  });

  it('runs updated on a hook inside the component the patch changed', () => {
    const log: string[] = [];
    const Cell: Hook = {
      mounted(this: HookInstance) { log.push(`${this.el.id}:mounted`); },
      updated(this: HookInstance) { log.push(`${this.el.id}:updated`); },
    };
    document.body.innerHTML = '<main dj-root></main>';
    client = new LiveClient(document, { token: 't.1', prefix: '/djust', transport: 'websocket', announce: false }, transports);
    Object.assign(client.hooks, { Cell });
    client.start();
    const conn = last();
    conn.open();
    conn.mounted('<div dj-cid="4" id="c4"><span id="cell" dj-hook="Cell">a</span></div><span id="other" dj-hook="Cell">b</span>');
    log.length = 0;
    conn.receive({ type: 'patch', ref: null, ops: [['t', ['4', 0, 0], 'z']] });
    expect($('#cell').textContent).toBe('z');
    expect(log).toEqual(['cell:updated']);
  });
});
