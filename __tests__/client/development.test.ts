/**
 * The browser client and the development messages (lib/render/development.ts), under jsdom against a
 * real server started in development: the whole-page notice reaches the console, and a changed
 * template reloads the page.
 * @jest-environment jsdom
 * @jest-environment-options {"customExportConditions": ["node", "node-addons"]}
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LiveClient } from '../../public/client.js';
import { LiveView } from '../../lib';
import { wholePageNotice } from '../../lib/render/development';
import { fetchPage } from '../../lib/testing/page';
import { startApp, type TestApp } from '../helpers/server';
import { waitFor, wsTransports } from '../helpers/ws-transport';

class NoteView extends LiveView {
  static override template = 'note.njk';
  text = 'hello';
}

const TEMPLATE = '<html><head><title>Note</title></head><body><main dj-root><p id="text">{{ text }}</p></main>{% djust_scripts %}</body></html>';

let app: TestApp;
let views: string;
const transports = wsTransports(() => app.base);

beforeAll(async () => {
  views = fs.mkdtempSync(path.join(os.tmpdir(), 'djust-dev-client-'));
  fs.writeFileSync(path.join(views, 'note.njk'), TEMPLATE);
  const previous = process.env.NODE_ENV;
  delete process.env.NODE_ENV; // development, as a newcomer's shell has it
  try {
    app = await startApp((live) => live.route('/note', NoteView), { views, secret: 'a-client-development-secret-0123456789', logger: { debug() {}, warn() {}, error() {} } });
  } finally {
    process.env.NODE_ENV = previous;
  }
});
afterAll(async () => {
  transports.terminateAll();
  await app.close();
  fs.rmSync(views, { recursive: true, force: true });
});

describe('LiveClient in development', () => {
  it('writes the whole-page notice to the console, and reloads when the template changes', async () => {
    const { html, token } = await fetchPage(app.base, '/note');
    document.documentElement.innerHTML = html.replace(/^<html>/i, '').replace(/<\/html>\s*$/, '');
    const client = new LiveClient(document, { token, prefix: '/djust', transport: 'websocket' }, { websocket: transports.connect });
    let reloads = 0;
    client.reload = () => void (reloads += 1);
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      client.start();
      await waitFor(() => warn.mock.calls.length > 0);
      expect(warn.mock.calls).toEqual([[wholePageNotice('note.njk')]]);
      expect(reloads).toBe(0);
      fs.writeFileSync(path.join(views, 'note.njk'), TEMPLATE.replace('{{ text }}', '{{ text }}!'));
      await waitFor(() => reloads === 1);
    } finally {
      warn.mockRestore();
      client.stop();
    }
  });
});
