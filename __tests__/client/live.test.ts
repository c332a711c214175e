/**
 * The browser client's LiveClient under jsdom, talking to a real server through a real `ws`
 * socket (jsdom's own WebSocket would need the page URL to be the server's).
 * @jest-environment jsdom
 * @jest-environment-options {"customExportConditions": ["node", "node-addons"]}
 */
import { LiveClient } from '../../public/client.js';
import { CounterView } from '../fixtures/views';
import { fetchPage } from '../../lib/testing/page';
import { startApp, type TestApp } from '../helpers/server';
import { waitFor, wsTransports } from '../helpers/ws-transport';

let app: TestApp;
const transports = wsTransports(() => app.base);

beforeAll(async () => {
  app = await startApp((live) => live.route('/counter', CounterView));
});
afterAll(async () => {
  transports.terminateAll();
  await app.close();
});

async function loadPage(): Promise<LiveClient> {
  const { html, token } = await fetchPage(app.base, '/counter');
  document.documentElement.innerHTML = html.replace(/^<!doctype html>\s*<html>/i, '').replace(/<\/html>\s*$/, '');
  return new LiveClient(document, { token, prefix: '/djust', transport: 'websocket' }, { websocket: transports.connect });
}

describe('LiveClient', () => {
  it('shows the server-rendered title before connecting, then follows events live', async () => {
    const client = await loadPage();
    expect(document.title).toBe('Counter <0>');
    const root = document.querySelector('[dj-root]') as HTMLElement;
    client.start();
    expect(root.classList.contains('dj-disconnected')).toBe(true);
    await waitFor(() => root.classList.contains('dj-connected'));
    client.pushEvent('inc', { by: 3 });
    await waitFor(() => document.title === 'Counter (3)');
    expect(document.getElementById('count')?.textContent).toBe('3');
    expect(document.head.querySelectorAll('meta[property="og:title"]')).toHaveLength(1);
    expect(document.head.querySelector('meta[property="og:title"]')?.getAttribute('content')).toBe('Counter 3');
    expect(document.querySelector('#dj-flash-container [role="alert"]')?.textContent).toBe('Now 3');
    client.stop();
  });

  it('queues events fired before the connection is up and sends them after mount', async () => {
    const client = await loadPage();
    client.pushEvent('inc', {});
    client.pushEvent('inc', {});
    client.start();
    await waitFor(() => document.title === 'Counter (2)');
    expect(document.getElementById('count')?.textContent).toBe('2');
    client.stop();
  });

  it('wires dj-click in the page to the server', async () => {
    const client = await loadPage();
    const root = document.querySelector('[dj-root]') as HTMLElement;
    root.insertAdjacentHTML('afterend', '<button id="plus" dj-click="inc" dj-value-by="5">+</button>');
    client.start();
    await waitFor(() => root.classList.contains('dj-connected'));
    (document.getElementById('plus') as HTMLButtonElement).click();
    // dj-value-* params are strings; the view adds 1 for a non-number "by".
    await waitFor(() => document.title === 'Counter (1)');
    client.stop();
  });

  it('loads another route every time the user navigates to one (unknown_route answering params), and stays running', async () => {
    const client = await loadPage();
    const root = document.querySelector('[dj-root]') as HTMLElement;
    let reloads = 0;
    client.reload = () => void (reloads += 1);
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      client.start();
      await waitFor(() => root.classList.contains('dj-connected'));
      for (const url of ['/elsewhere', '/yet/another']) {
        const before = reloads;
        expect(client.pushParams(url, false)).toBe(true);
        await waitFor(() => reloads === before + 1);
      }
      expect(warn).toHaveBeenCalledWith(expect.stringMatching(/^djust-lite: unknown_route: /));
      expect(client.stopped).toBe(false);
      expect(client.unacked.size).toBe(0);
      expect(root.classList.contains('dj-connected')).toBe(true);
    } finally {
      warn.mockRestore();
      client.stop();
    }
  });

  it('reconnects and re-mounts after the socket drops', async () => {
    const client = await loadPage();
    const root = document.querySelector('[dj-root]') as HTMLElement;
    client.start();
    await waitFor(() => root.classList.contains('dj-connected'));
    transports.sockets.at(-1)?.terminate();
    await waitFor(() => root.classList.contains('dj-disconnected'));
    await waitFor(() => root.classList.contains('dj-connected'));
    client.pushEvent('inc', {});
    await waitFor(() => document.title === 'Counter (1)');
    client.stop();
  });
});
