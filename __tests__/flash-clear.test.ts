/**
 * Flash messages the user dismisses (CLEAR_FLASH_EVENT, Phoenix's lv:clear-flash) and putFlash
 * replacing a level's message, against a real server through liveTest over WebSocket.
 */
import express from 'express';
import { djustLite, DjustError, eventHandler, LiveView, type DjustLite } from '../lib';
import { CLEAR_FLASH_EVENT } from '../lib/contract/contract';
import { liveTest, type LiveTestView } from '../lib/testing';
import { memoryEnvironment } from './helpers/memory-templates';

const TEMPLATES: Record<string, string> = {
  'layout.njk': '<!doctype html><html><head>{% djust_head %}</head><body>{% djust_flash %}{% block content %}{% endblock %}{% djust_scripts %}</body></html>',
  // the region shows the flash too, so a re-render would show a message the server still holds
  'notes.njk': '{% extends "layout.njk" %}{% block content %}<main dj-root><p id="n">{{ n }}</p>' +
    '<p id="shown">{% for level, text in flash %}[{{ level }}:{{ text }}]{% endfor %}</p></main>{% endblock %}',
};

class NotesView extends LiveView {
  static template = 'notes.njk';
  n = 0;

  @eventHandler()
  save() {
    this.n += 1;
    this.putFlash('info', `Saved ${this.n}`);
  }

  @eventHandler()
  warn() {
    this.putFlash('error', 'Careful');
  }

  @eventHandler()
  bump() {
    this.n += 1;
  }
}

let live: DjustLite;
let app: express.Express;
const views: LiveTestView[] = [];

beforeAll(() => {
  live = djustLite({ env: memoryEnvironment(TEMPLATES), logger: { warn() {}, error() {} } });
  live.route('/notes', NotesView);
  app = express();
  app.use(live);
});
afterEach(async () => {
  await Promise.all(views.splice(0).map((v) => v.close()));
});
afterAll(() => live.close());

async function open(): Promise<LiveTestView> {
  const view = await liveTest(app, '/notes', { transport: 'websocket' });
  views.push(view);
  return view;
}
const shown = (view: LiveTestView) => /<p id="shown">(.*?)<\/p>/.exec(view.html())?.[1];

describe('flash messages', () => {
  it('putFlash replaces the message of its level: one message per level, never a stack', async () => {
    const view = await open();
    await view.event('save');
    await view.event('save');
    await view.event('warn');
    expect(view.flash).toEqual({ info: 'Saved 2', error: 'Careful' });
    expect(shown(view)).toBe('[info:Saved 2][error:Careful]');
  });

  it(`${CLEAR_FLASH_EVENT} forgets the level on the server: the answer and later renders no longer show it`, async () => {
    const view = await open();
    await view.event('save');
    await view.event('warn');
    const { messages } = await view.event(CLEAR_FLASH_EVENT, { level: 'info' });
    expect(messages.filter((m) => m.type === 'flash')).toEqual([{ type: 'flash', action: 'clear', level: 'info' }]);
    expect(view.flash).toEqual({ error: 'Careful' });
    expect(shown(view)).toBe('[error:Careful]');
    await view.event('bump');
    expect(shown(view)).toBe('[error:Careful]');
    expect(view.html()).toContain('<p id="n">2</p>');
  });

  it('without a level it clears every message, as clearFlash() does', async () => {
    const view = await open();
    await view.event('save');
    await view.event('warn');
    await view.event(CLEAR_FLASH_EVENT, {});
    expect(view.flash).toEqual({});
    expect(shown(view)).toBe('');
  });

  it('a level that is not a flash level is refused with invalid_flash; the view keeps its messages', async () => {
    const view = await open();
    await view.event('save');
    const refused = await view.event(CLEAR_FLASH_EVENT, { level: 'Not A Level' }).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(DjustError);
    expect((refused as DjustError).code).toBe('invalid_flash');
    expect(view.flash).toEqual({ info: 'Saved 1' });
  });
});
