/**
 * liveTest's LiveViewTest-style helpers (lib/testing/live-element.ts, browser-actions.ts,
 * region-dom.ts, navigation-log.ts): element() actions, form() change/submit, has(), render(),
 * the page as each reply left it, and expectPatch/expectNavigate/expectRedirect — against a
 * real app, checking what the server's handlers received.
 */
import express from 'express';
import { djustLite, LiveView, type DjustLite, type JsonObject } from '../../lib';
import { liveTest, type LiveTestView } from '../../lib/testing';
import { memoryEnvironment } from '../helpers/memory-templates';

const TEMPLATES: Record<string, string> = {
  'layout.njk': '<!doctype html><html><head>{% djust_head %}</head><body>{% djust_flash %}{% block content %}{% endblock %}{% djust_scripts %}</body></html>',
  'todos.njk': `{% extends "layout.njk" %}{% block content %}<main dj-root>
<h1>Todos ({{ todos.length }})</h1>
<ul id="todos">{% for t in todos %}<li id="todo-{{ t.id }}" class="{{ 'done' if t.done }}"><span dj-click="toggle" dj-value-id="{{ t.id }}">{{ t.title }}</span> <button dj-click="delete" dj-value-id="{{ t.id }}" dj-value-kind="todo">Delete</button></li>{% endfor %}</ul>
<input id="search" name="q" value="{{ q }}" dj-keyup="search" dj-key="Enter" dj-focus="entered" dj-blur="left" dj-value-scope="all">
<form id="add" dj-change="validate" dj-submit="add" dj-value-list="home">
  <input name="title" value="">
  <select name="priority"><option value="low">Low</option><option value="high" selected>High</option></select>
  <input type="checkbox" name="tags" value="work"><input type="checkbox" name="tags" value="home" checked>
  <input type="hidden" name="list_id" value="7">
  <input name="locked" value="x" disabled>
  <textarea name="notes">
first line</textarea>
  <button name="save" value="draft" dj-click="drafting" dj-value-why="autosave">Draft</button>
  <button name="save" value="publish">Publish</button>
  <button type="button" dj-click="cancel">Cancel</button>
</form>
<input form="add" name="due" value="2026-12-07">
<button form="add" name="save" value="later" id="outside">Later</button>
<form id="plain"><input name="a"><button id="plain-go">Go</button></form>
<div id="chart" dj-hook="Chart"></div>
<a id="next" href="/todos?page=2" dj-patch>Next</a>
<a id="away" href="https://example.com/" dj-patch>Away</a>
<div id="shortcuts" dj-window-keydown="shortcut" dj-key="k"></div>
<button id="to-other" dj-click="go_other">Other</button>
<button id="to-login" dj-click="go_login">Login</button>
<button id="to-page3" dj-click="go_page3">Page 3</button>
<button id="save-toast" dj-click="save_toast">Save</button>
{% if toast %}<p class="toast">{{ toast }}</p>{% endif %}
<p id="page">page {{ page }}</p>
</main>{% endblock %}`,
  'other.njk': '{% extends "layout.njk" %}{% block content %}<main dj-root><h1>Other</h1></main>{% endblock %}',
};

interface Todo { id: number; title: string; done: boolean }

/** An app whose handlers record every event and params they receive in `received`. */
function makeApp(received: { event: string; params: JsonObject }[]): { app: express.Express; live: DjustLite } {
  class TodosView extends LiveView {
    static template = 'todos.njk';
    static events = ['toggle', 'delete', 'search', 'entered', 'left', 'validate', 'drafting', 'cancel', 'chart_point', 'shortcut', 'add', 'go_other', 'go_login', 'go_page3', 'save_toast'];
    toggle(params: JsonObject) {
      received.push({ event: 'toggle', params });
      const todo = this.todos.find((t) => t.id === Number(params.id));
      if (todo) todo.done = !todo.done;
    }
    delete(params: JsonObject) {
      received.push({ event: 'delete', params });
      this.todos = this.todos.filter((t) => t.id !== Number(params.id));
    }
    search(params: JsonObject) { received.push({ event: 'search', params }); }
    entered(params: JsonObject) { received.push({ event: 'entered', params }); }
    left(params: JsonObject) { received.push({ event: 'left', params }); }
    validate(params: JsonObject) { received.push({ event: 'validate', params }); }
    drafting(params: JsonObject) { received.push({ event: 'drafting', params }); }
    cancel(params: JsonObject) { received.push({ event: 'cancel', params }); }
    chart_point(params: JsonObject) { received.push({ event: 'chart_point', params }); }
    shortcut(params: JsonObject) { received.push({ event: 'shortcut', params }); }
    add(params: JsonObject) {
      received.push({ event: 'add', params });
      this.todos = [...this.todos, { id: this.todos.length + 1, title: String(params.title), done: false }];
    }
    go_other() { this.pushNavigate('/other'); }
    go_login() { this.redirect('/login'); }
    go_page3() { this.pushPatch('/todos?page=3'); }
    save_toast() {
      this.toast = 'Saved!';
      this.sendAfter('hide', 0); // a later push: it must not show in this reply's result
    }
    todos: Todo[] = [{ id: 1, title: 'Buy milk', done: false }, { id: 2, title: 'Walk the dog', done: false }, { id: 3, title: 'Buy bread', done: true }];
    q = 'milk';
    page = '1';
    toast = '';
    handleParams(_params: Record<string, string>, _url: string, query: Record<string, string | string[]>) {
      this.page = String(query.page ?? '1');
    }
    handleInfo(message: unknown) {
      if (message === 'hide') this.toast = '';
    }
  }
  class OtherView extends LiveView {
    static template = 'other.njk';
  }
  const live = djustLite({ env: memoryEnvironment(TEMPLATES), logger: { warn() {}, error() {} } });
  live.route('/todos', TodosView, { liveSession: 'app' });
  live.route('/other', OtherView, { liveSession: 'app' });
  const app = express();
  app.use(live);
  return { app, live };
}

describe('liveTest element helpers', () => {
  const received: { event: string; params: JsonObject }[] = [];
  let app: express.Express;
  let live: DjustLite;
  const views: LiveTestView[] = [];

  beforeAll(() => {
    ({ app, live } = makeApp(received));
  });
  afterEach(async () => {
    received.length = 0;
    await Promise.all(views.splice(0).map((v) => v.close()));
  });
  afterAll(async () => {
    await live.close();
  });

  async function open(transport: 'sse' | 'websocket' = 'sse', timeoutMs?: number): Promise<LiveTestView> {
    const view = await liveTest(app, '/todos', { transport, timeoutMs });
    views.push(view);
    return view;
  }

  describe.each(['sse', 'websocket'] as const)('over %s', (transport) => {
    it('element().click() sends the dj-click with its dj-value-*, and resolves with the page as its reply left it', async () => {
      const view = await open(transport);
      const result = await view.element('#todo-2 button', 'Delete').click();
      expect(result.sent).toEqual([{ event: 'delete', params: { id: '2', kind: 'todo' } }]);
      expect(received).toEqual([{ event: 'delete', params: { id: '2', kind: 'todo' } }]);
      expect(result.html).not.toContain('Walk the dog');
      expect(result.html).toContain('Todos (2)');
      expect(view.has('#todo-2')).toBe(false);
    });

    it('form().submit() sends the typed values as FormData would, with the form\'s dj-value-*', async () => {
      const view = await open(transport);
      const result = await view.form('#add', { title: 'Call mum', priority: 'low', tags: ['work', 'home'], notes: 'ring twice' }).submit();
      expect(result.sent).toEqual([{
        event: 'add',
        params: { title: 'Call mum', priority: 'low', tags: ['work', 'home'], list_id: '7', notes: 'ring twice', due: '2026-12-07', list: 'home' },
      }]);
      expect(received.map((r) => r.event)).toEqual(['add']);
      expect(view.element('#todos li', 'Call mum').render()).toContain('<span dj-click="toggle" dj-value-id="4">Call mum</span>');
    });
  });

  describe('element()', () => {
    it('finds by text filter (string or RegExp) and clicks the nearest dj-click ancestor', async () => {
      const view = await open();
      await view.element('#todos span', 'Walk the dog').click();
      // the li has no dj-click, nor its ancestors
      await expect(view.element('#todos li', /bread/).click()).rejects.toThrow(/sends nothing: no dj-click on it or an ancestor/);
      await view.element('#todo-1 span').click();
      expect(received.map((r) => r.params)).toEqual([{ id: '2' }, { id: '1' }]);
      expect(view.render('#todo-1')).toContain('class="done"');
    });

    it('throws a clear error when the selector matches nothing or several, naming selector and counts', async () => {
      const view = await open();
      await expect(view.element('#todos li').click()).rejects.toThrow(/selector "#todos li" matched 3 elements, it must match exactly one: <li id="todo-1"/);
      await expect(view.element('#nope').click()).rejects.toThrow(/element\("#nope"\)\.click\(\): selector "#nope" matched no element\. The region now: /);
      await expect(view.element('#todos li', 'Cheese').click()).rejects.toThrow(/with text "Cheese" matched no element\. 3 element\(s\) match the selector; their text: "Buy milk Delete"/);
      await expect(view.element('li[').click()).rejects.toMatchObject({ code: 'DJUST_ERR_LIVE_TEST_ELEMENT' });
      expect(() => view.element('#todos li').render()).toThrow(/matched 3 elements/);
      expect(() => view.element('' as string)).toThrow(/selector must be a CSS selector string/);
      expect(received).toEqual([]);
    });

    it('keyup() sends { key, value } when dj-key allows the key, and refuses one it filters out', async () => {
      const view = await open();
      const result = await view.element('#search').keyup('enter');
      expect(result.sent).toEqual([{ event: 'search', params: { key: 'enter', value: 'milk', scope: 'all' } }]);
      await expect(view.element('#search').keyup('a')).rejects.toThrow(/keyup\("a"\) sends nothing: the key "a" is not the dj-key of <input id="search"/);
      await expect(view.element('#search').keydown('Enter')).rejects.toThrow(/keydown\("Enter"\) sends nothing: no dj-keydown on it or an ancestor; the key "Enter" is not the dj-key of <div id="shortcuts"/);
      expect(received.map((r) => r.event)).toEqual(['search']);
    });

    it('keydown() reaches dj-window-keydown bindings as the browser does', async () => {
      const view = await open();
      const result = await view.element('#shortcuts').keydown('K');
      expect(result.sent).toEqual([{ event: 'shortcut', params: { key: 'K' } }]);
      await expect(view.element('#shortcuts').keydown('j')).rejects.toThrow(/not the dj-key of <div id="shortcuts"/);
    });

    it('focus() and blur() send the element\'s own binding with its value', async () => {
      const view = await open();
      expect((await view.element('#search').focus()).sent).toEqual([{ event: 'entered', params: { value: 'milk', scope: 'all' } }]);
      expect((await view.element('#search').blur()).sent).toEqual([{ event: 'left', params: { value: 'milk', scope: 'all' } }]);
      await expect(view.element('#todo-1').blur()).rejects.toThrow(/no dj-blur \(nor dj-window-blur\)/);
    });

    it('hook() pushes an event from the element\'s hook; an element without dj-hook is refused', async () => {
      const view = await open();
      const result = await view.element('#chart').hook('chart_point', { x: 3, y: [1, 2] });
      expect(result.sent).toEqual([{ event: 'chart_point', params: { x: 3, y: [1, 2] } }]);
      expect(received).toEqual([{ event: 'chart_point', params: { x: 3, y: [1, 2] } }]);
      await expect(view.element('#search').hook('chart_point')).rejects.toThrow(/has no dj-hook/);
    });

    it('a dj-patch link navigates live (handleParams runs) and counts as a patch; another origin is refused', async () => {
      const view = await open();
      const result = await view.element('#next').click();
      expect(result.navigatedTo).toBe('/todos?page=2');
      expect(result.html).toContain('page 2');
      expect(view.url).toBe('/todos?page=2');
      await expect(view.expectPatch('/todos?page=2')).resolves.toBe('/todos?page=2');
      await expect(view.element('#away').click()).rejects.toThrow(/leads to another origin \(https:\/\/example.com\)/);
    });
  });

  describe('form()', () => {
    it('change() sends the form with _target, the last value given by default', async () => {
      const view = await open();
      const byDefault = await view.form('#add', { title: 'Ab' }).change();
      expect(byDefault.sent[0]?.params).toEqual({ title: 'Ab', priority: 'high', tags: 'home', list_id: '7', notes: 'first line', due: '2026-12-07', _target: 'title', list: 'home' });
      const named = await view.form('#add', { title: 'Ab', tags: false }).change('due');
      expect(named.sent[0]?.params).toMatchObject({ _target: 'due' });
      expect(named.sent[0]?.params).not.toHaveProperty('tags');
      expect(received.map((r) => r.event)).toEqual(['validate', 'validate']);
    });

    it('submit(submitter) clicks it: its dj-click, then the submit with its name and value; a form= button works too', async () => {
      const view = await open();
      const draft = await view.form('#add', { title: 'X' }).submit('button[value="draft"]');
      expect(draft.sent.map((s) => s.event)).toEqual(['drafting', 'add']);
      expect(draft.sent[0]?.params).toEqual({ why: 'autosave' });
      expect(Object.entries(draft.sent[1]?.params ?? {})).toEqual([
        ['title', 'X'], ['priority', 'high'], ['tags', 'home'], ['list_id', '7'], ['notes', 'first line'], ['save', 'draft'], ['due', '2026-12-07'], ['list', 'home'],
      ]);
      const later = await view.form('#add', { title: 'Y' }).submit('#outside');
      expect(later.sent).toHaveLength(1);
      expect(later.sent[0]?.params).toMatchObject({ save: 'later' });
      // a click on a submit button is the same thing
      expect((await view.element('#add button', 'Publish').click()).sent[0]?.params).toMatchObject({ save: 'publish' });
    });

    it('refuses a field the form does not have, naming it and the fields it has', async () => {
      const view = await open();
      await expect(view.form('#add', { titel: 'x' }).submit()).rejects.toThrow(
        'liveTest: form("#add").submit(): the form has no field "titel"; its fields: title, priority, tags, list_id, notes, due.',
      );
      await expect(view.form('#add', { locked: 'y' }).submit()).rejects.toThrow(/field "locked" is disabled/);
      await expect(view.form('#add', { save: 'draft' }).submit()).rejects.toThrow(/it is a button: pass it as the submitter/);
      await expect(view.form('#add', { priority: 'urgent' }).submit()).rejects.toThrow(/select "priority" has no option "urgent"; its options: "low", "high"/);
      await expect(view.form('#add', { list_id: '8' }).submit()).rejects.toThrow(/field "list_id" is hidden \(value "7"\); a user cannot change it/);
      await expect(view.form('#add', { tags: 'play' }).submit()).rejects.toThrow(/no field "tags" can take "play"; its checkbox\/radio values: "work", "home"/);
      await expect(view.form('#add', { title: true }).submit()).rejects.toThrow(/true\/false is for a checkbox/);
      await expect(view.form('#add', {}).change()).rejects.toThrow(/name the field that changed/);
      await expect(view.form('#add', {}).change('nope')).rejects.toThrow(/the form has no field "nope" to change/);
      await expect(view.form('#add').submit('#todo-1 button')).rejects.toThrow(/is not a submit button of <form id="add"/);
      await expect(view.form('#plain', { a: '1' }).submit()).rejects.toThrow(/<form id="plain"> has no dj-submit/);
      await expect(view.element('#plain-go').click()).rejects.toThrow(/its form <form id="plain"> has no dj-submit/);
      await expect(view.form('#todos').submit()).rejects.toThrow(/matched <ul id="todos">, not a <form>/);
      await expect(view.form('#plain', { a: '1' }).change()).rejects.toThrow(/no dj-change on the field <input name="a" value="1">, an ancestor or its form/);
      expect(received).toEqual([]);
    });
  });

  describe('has() and render()', () => {
    it('has() tells whether an element (with text) exists now', async () => {
      const view = await open();
      expect(view.has('#todos li')).toBe(true);
      expect(view.has('#todos li', 'Walk the dog')).toBe(true);
      expect(view.has('#todos li', /^Cheese/)).toBe(false);
      expect(view.has('li.done', 'Buy bread')).toBe(true);
    });

    it('render() is the region, or the one element a selector matches', async () => {
      const view = await open();
      expect(view.render()).toBe(view.html());
      expect(view.render('#page')).toBe('<p id="page">page 1</p>');
      expect(() => view.render('li')).toThrow(/matched 3 elements/);
      expect(view.form('#plain').render()).toMatch(/^<form id="plain">/);
    });
  });

  describe('the page as each reply left it', () => {
    it('an action\'s result does not show a push that came after its reply', async () => {
      const view = await open();
      const result = await view.element('#save-toast').click();
      expect(result.html).toContain('<p class="toast">Saved!</p>');
      await view.waitFor((v) => !v.has('.toast'), 'the toast to hide');
      expect(result.html).toContain('Saved!'); // still the reply's page
      const plain = await view.event('toggle', { id: 1 });
      expect(plain.html).toContain('<li id="todo-1" class="done">');
      expect(plain.title).toBe(view.title);
      expect(plain.url).toBe('/todos');
    });
  });

  describe('expectPatch / expectNavigate / expectRedirect', () => {
    it('each takes the next navigation of its kind, with its URL', async () => {
      const view = await open();
      await view.element('#to-page3').click();
      await view.element('#to-login').click();
      await expect(view.expectRedirect('/login')).resolves.toBe('/login');
      await expect(view.expectPatch()).resolves.toBe('/todos?page=3');
      expect(view.navigations).toEqual([{ kind: 'patch', url: '/todos?page=3' }, { kind: 'redirect', url: '/login' }]);
    });

    it('expectNavigate sees a pushNavigate followed live', async () => {
      const view = await open();
      const result = await view.element('#to-other').click();
      expect(result.html).toContain('<h1>Other</h1>');
      await expect(view.expectNavigate('/other')).resolves.toBe('/other');
    });

    it('fails saying what came instead: another URL, or nothing within timeoutMs', async () => {
      const view = await open('sse', 200);
      await view.element('#to-page3').click();
      await expect(view.expectPatch('/todos?page=4')).rejects.toThrow('liveTest: expectPatch("/todos?page=4"): the patch went to "/todos?page=3".');
      await expect(view.expectRedirect()).rejects.toThrow(/expectRedirect\(\): no redirect within 200 ms \(option timeoutMs\); navigations seen: patch to "\/todos\?page=3" \(taken\)/);
      await expect(view.expectRedirect()).rejects.toMatchObject({ code: 'DJUST_ERR_LIVE_TEST_EXPECT' });
    });
  });
});
