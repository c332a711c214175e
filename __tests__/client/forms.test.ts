/**
 * Form recovery (public/recover.js through LiveClient) under jsdom against a real server: after
 * a reconnect the fresh view gets each recoverable form's values back, and the fields keep them.
 * @jest-environment jsdom
 * @jest-environment-options {"customExportConditions": ["node", "node-addons"]}
 */
import { LiveClient } from '../../public/client.js';
import { eventHandler, LiveView } from '../../lib';
import { fetchPage } from '../../lib/testing/page';
import { FORMS_VIEWS } from '../e2e/support/forms-app';
import { startApp, type TestApp } from '../helpers/server';
import { waitFor, wsTransports } from '../helpers/ws-transport';

let mounts = 0;

/** Logs every event it gets, in the region. */
class RecoveryView extends LiveView {
  static template = 'recovery.njk';
  title = '';
  body = '';
  version = 0;
  log: string[] = [];

  mount() {
    this.version = (mounts += 1);
  }

  #record(name: string, params: Record<string, unknown>) {
    this.log.push(`${name} ${JSON.stringify(params)}`);
  }

  @eventHandler()
  edit(params: Record<string, unknown>) {
    this.#record('edit', params);
    this.title = String(params.title ?? '');
    this.body = String(params.body ?? '');
  }

  @eventHandler()
  save(params: Record<string, unknown>) {
    this.#record('save', params);
  }

  @eventHandler()
  restore(params: Record<string, unknown>) {
    this.#record('restore', params);
  }
}

let app: TestApp;
const transports = wsTransports(() => app.base);
let client: LiveClient;

beforeAll(async () => {
  app = await startApp((live) => live.route('/recovery', RecoveryView), { views: FORMS_VIEWS });
});
afterEach(() => client?.stop());
afterAll(async () => {
  transports.terminateAll();
  await app.close();
});

const $ = <T extends Element = HTMLInputElement>(selector: string) => document.querySelector(selector) as T;
const root = () => $<HTMLElement>('[dj-root]');
const log = () => ($('#log').textContent ?? '').split('\n').filter(Boolean);

async function livePage(): Promise<void> {
  const { html, token } = await fetchPage(app.base, '/recovery');
  document.documentElement.innerHTML = html.replace(/^<!doctype html>\s*<html>/i, '').replace(/<\/html>\s*$/, '');
  client = new LiveClient(document, { token, prefix: '/djust', transport: 'websocket', announce: false }, { websocket: transports.connect }).start();
  await waitFor(() => root().classList.contains('dj-connected'));
}

/** What the user typed, set without events (as if the events were lost with the old server). */
function fillForms(): void {
  $('#change [name=title]').value = 'Hello';
  $<HTMLTextAreaElement>('#change [name=body]').value = 'Dear <world>';
  $('#change [value=a]').checked = false;
  $('#change [value=b]').checked = true;
  $<HTMLSelectElement>('#change [name=size]').value = 'm';
  const lines = document.querySelectorAll<HTMLInputElement>('#change [name=line]');
  (lines[0] as HTMLInputElement).value = 'one';
  (lines[1] as HTMLInputElement).value = 'two';
  $('#submit-only [name=note]').value = 'a note';
  $('#opted-out [name=secret]').value = 'hunter2';
  $('[name=draft]').value = 'a draft';
}

/** Drops the socket; waits for the re-mount and for the view to have logged `count` events. */
async function reconnect(count: number): Promise<void> {
  transports.sockets.at(-1)?.terminate();
  await waitFor(() => root().classList.contains('dj-disconnected'));
  await waitFor(() => root().classList.contains('dj-connected'));
  await waitFor(() => log().length >= count);
}

describe('form recovery', () => {
  it('sends nothing on the first mount', async () => {
    await livePage();
    await new Promise((r) => setTimeout(r, 50));
    expect(log()).toEqual([]);
  });

  it('after a reconnect: the dj-change form sends its change event with all its fields and no _target; dj-recover names the event; the fields keep their values', async () => {
    await livePage();
    fillForms();
    const version = $('#change [name=version]').value;
    await reconnect(2);
    const fresh = String(Number(version) + 1); // a hidden field keeps the new view's value
    expect(log()).toEqual([
      `edit ${JSON.stringify({ title: 'Hello', body: 'Dear <world>', tags: 'b', size: 'm', line: ['one', 'two'], version: fresh })}`,
      `restore ${JSON.stringify({ draft: 'a draft', step: '2' })}`,
    ]);
    expect($('#change [name=title]').value).toBe('Hello');
    expect($<HTMLTextAreaElement>('#change [name=body]').value).toBe('Dear <world>');
    expect([$('#change [value=a]').checked, $('#change [value=b]').checked]).toEqual([false, true]);
    expect($<HTMLSelectElement>('#change [name=size]').value).toBe('m');
    expect([...document.querySelectorAll<HTMLInputElement>('#change [name=line]')].map((f) => f.value)).toEqual(['one', 'two']);
    // dj-submit only: the values come back, no event (submitting is the user's call)
    expect($('#submit-only [name=note]').value).toBe('a note');
    // dj-no-recover: the new view's form, as rendered
    expect($('#opted-out [name=secret]').value).toBe('');
    expect($('[name=draft]').value).toBe('a draft');
  });

  it('sends the recovered values before the events queued while disconnected', async () => {
    await livePage();
    transports.sockets.at(-1)?.terminate();
    await waitFor(() => root().classList.contains('dj-disconnected'));
    $('#change [name=title]').value = 'offline';
    client.pushEvent('save', { clicked: 'while offline' });
    await waitFor(() => root().classList.contains('dj-connected'));
    await waitFor(() => log().length >= 3);
    expect(log().map((line) => line.split(' ')[0])).toEqual(['edit', 'restore', 'save']);
    expect(log()[0]).toContain('"title":"offline"');
  });
});
