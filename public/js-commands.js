// @ts-check
// JS commands (docs/interactions.md#js-commands), as Phoenix's JS: a binding whose value is a
// JSON array (`dj-click='[["toggle",{"to":"#menu"}],["push",{"event":"open"}]]'`, what the
// server's `js` helper renders) runs these operations in the page. Loaded on demand by
// client.js (built as djust-js.min.js, beside the bundle) the first time commands run.
// What the commands changed on an element (classes, attributes, display) is remembered and put
// back after every server patch, on the element or on the one that replaced it (same id, else
// same place), until the element leaves the page.

import { TARGET_ATTR } from './contract.js';

/** @typedef {[string, Record<string, any>]} Command */
/** @typedef {string | [string, string, string]} Transition */
/** @typedef {{ add: Set<string>, remove: Set<string>, attrs: Map<string, string | null>, display?: string, id?: string, path?: number[] | null }} Kept */
/**
 * @typedef {object} Client  what of LiveClient the commands use
 * @property {Document} doc
 * @property {Element | null} root
 * @property {(event: string, params: Record<string, unknown>, target?: number) => Promise<unknown>} pushEvent  `target`: a LiveComponent's dj-cid
 * @property {(url: string, pop: boolean) => boolean} pushParams
 * @property {{ go(url: string, replace?: boolean): void }} nav
 * @property {boolean} stopped  its messages no longer concern us
 */

/** A transition's default length, in ms (Phoenix's). */
export const DEFAULT_TIME = 200;

/** @param {string | undefined} s */
const words = (s) => (s ?? '').split(/\s+/).filter(Boolean);
/** `"fade"` → `[["fade"], [], []]`; `[run, start, end]` → each split. @param {Transition | undefined} t @returns {string[][] | null} */
const classesOf = (t) => (t ? (Array.isArray(t) ? t : [t, '', '']).map(words) : null);

/**
 * The command runner of one client: `exec()` for a binding or `djust.execJS()`, `hook(el)` for a
 * hook's `this.js()`. Listens to the client's messages to put commands' effects back after patches.
 * @param {Client} client
 * @example const run = jsCommands(client); run.exec(button, '[["toggle",{"to":"#menu"}]]', {});
 */
// Over 60 lines: the commands share the kept effects and the running transitions.
export function jsCommands(client) {
  const doc = client.doc;
  /** @type {Map<Element, Kept>} */
  const kept = new Map();
  /** Transitions running, by element: finishing one at once. @type {Map<Element, () => void>} */
  const running = new Map();

  /** @param {Element} el @returns {Kept} */
  const keep = (el) => {
    let k = kept.get(el);
    if (!k) kept.set(el, (k = { add: new Set(), remove: new Set(), attrs: new Map() }));
    return k;
  };
  /** Puts `k`'s effects on `el` and notes where `el` is, to find its replacement after a patch. @param {Element} el @param {Kept} k */
  const apply = (el, k) => {
    el.classList.remove(...k.remove);
    el.classList.add(...k.add);
    for (const [name, value] of k.attrs) value == null ? el.removeAttribute(name) : el.setAttribute(name, value);
    if (k.display != null) /** @type {HTMLElement} */ (el).style.display = k.display;
    k.id = el.id;
    k.path = pathOf(client.root, el);
  };

  /** After a patch: effects back on their elements, or on the elements that replaced them; `fresh`: another view came. @param {boolean} fresh */
  const restore = (fresh) => {
    for (const [el, k] of [...kept]) {
      if (el.isConnected) {
        apply(el, k);
        continue;
      }
      kept.delete(el);
      const twin = fresh ? null : k.id ? doc.getElementById(k.id) : nodeAt(client.root, k.path);
      if (twin && twin.nodeName == el.nodeName && !kept.has(twin)) {
        kept.set(twin, k);
        apply(twin, k);
      }
    }
  };
  /** @param {Event} ev */
  const onMessage = (ev) => {
    const m = /** @type {CustomEvent} */ (ev).detail;
    if (client.stopped) doc.removeEventListener('djust:message', onMessage);
    else if (m?.type == 'patch' || m?.type == 'mounted' || (m?.type == 'navigate' && typeof m.html == 'string')) restore(m.type == 'navigate');
  };
  doc.addEventListener('djust:message', onMessage);

  /** @param {Element} el @param {string[]} adds @param {string[]} removes */
  const classes = (el, adds, removes) => {
    const k = keep(el);
    // as Phoenix: a class the server already gave (or never gave) is not kept by add (remove)
    for (const n of removes) {
      k.add.delete(n);
      if (el.classList.contains(n)) k.remove.add(n);
    }
    for (const n of adds) {
      k.remove.delete(n);
      if (!el.classList.contains(n)) k.add.add(n);
    }
    apply(el, k);
  };
  /** Classes held only while a transition runs (kept across patches meanwhile). @param {Element} el @param {string[]} adds @param {string[]} removes */
  const held = (el, adds, removes) => {
    const k = keep(el);
    for (const n of removes) k.add.delete(n), el.classList.remove(n);
    for (const n of adds) k.add.add(n);
    apply(el, k);
  };
  /** @param {Element} el @param {string} display */
  const display = (el, display) => {
    keep(el).display = display;
    apply(el, keep(el));
  };

  /**
   * Runs transition `t` on `el` for `time` ms: `run` and `start` classes, then `before()` (a show
   * makes the element visible), a style flush, `start` → `end`; at the end the classes go and
   * `after()` runs. A transition still running on `el` finishes at once first.
   * @param {Element} el @param {string[][] | null} t @param {number} time @param {() => void} before @param {() => void} after
   */
  const transition = (el, t, time, before, after) => {
    if (!t) return before(), after();
    running.get(el)?.();
    const [run = [], start = [], end = []] = t;
    held(el, [...run, ...start], []);
    before();
    getComputedStyle(el).opacity; // the start state is computed before `end` comes, so CSS transitions run
    held(el, end, start);
    const finish = () => {
      clearTimeout(timer);
      running.delete(el);
      held(el, [], [...run, ...end]);
      after();
    };
    const timer = setTimeout(finish, time);
    running.set(el, finish);
  };

  /** @param {Element} el @param {string} name */
  const emit = (el, name) => el.dispatchEvent(new Event(`dj:${name}`));
  /** @param {Element} el */
  const visible = (el) => getComputedStyle(el).display != 'none';
  /**
   * @param {Element} el @param {boolean} show @param {Record<string, any>} a the command's args
   * @param {Transition} [t] its transition
   */
  const showHide = (el, show, a, t) => {
    if (visible(el) == show) return;
    const kind = show ? 'show' : 'hide';
    emit(el, `${kind}-start`);
    const shown = a.display ?? ({ TR: 'table-row', TD: 'table-cell' }[el.nodeName] || 'block');
    transition(el, classesOf(t), a.time ?? DEFAULT_TIME, () => show && display(el, shown), () => {
      if (!show) display(el, 'none');
      emit(el, `${kind}-end`);
    });
  };

  /** @param {string} href @param {boolean} [replace] */
  const go = (href, replace) => {
    const to = new URL(href, location.href);
    const path = to.pathname + to.search;
    if (to.origin != location.origin || !client.pushParams(path, false)) return location.assign(to.href);
    client.nav.go(path + to.hash, replace);
  };

  /**
   * The element commands, each run on every element its `to` finds.
   * @type {Record<string, (el: Element, a: Record<string, any>, source: Element, depth?: number) => void>}
   */
  const ops = {
    show: (el, a) => showHide(el, true, a, a.transition),
    hide: (el, a) => showHide(el, false, a, a.transition),
    toggle: (el, a) => (visible(el) ? showHide(el, false, a, a.out) : showHide(el, true, a, a.in)),
    add_class: (el, a) => transition(el, classesOf(a.transition), a.time ?? DEFAULT_TIME, () => {}, () => classes(el, words(a.names), [])),
    remove_class: (el, a) => transition(el, classesOf(a.transition), a.time ?? DEFAULT_TIME, () => {}, () => classes(el, [], words(a.names))),
    toggle_class: (el, a) => transition(el, classesOf(a.transition), a.time ?? DEFAULT_TIME, () => {}, () => {
      const names = words(a.names);
      classes(el, names.filter((n) => !el.classList.contains(n)), names.filter((n) => el.classList.contains(n)));
    }),
    transition: (el, a) => transition(el, classesOf(a.transition), a.time ?? DEFAULT_TIME, () => {}, () => {}),
    set_attribute: (el, a) => (keep(el).attrs.set(a.attr[0], String(a.attr[1])), apply(el, keep(el))),
    remove_attribute: (el, a) => (keep(el).attrs.set(a.attr, null), apply(el, keep(el))),
    toggle_attribute: (el, { attr: [name, one, two] }) => {
      const value = el.getAttribute(name);
      keep(el).attrs.set(name, value == null ? one : two == null ? null : value == one ? two : one);
      apply(el, keep(el));
    },
    // the commands in an attribute of `el`, as `el`'s own (one level deep per exec, ten at most)
    exec: (el, a, _, depth = 0) => {
      if (depth > 9) throw new Error('exec nested more than 10 deep (an attribute that runs itself?)');
      const cmds = el.getAttribute(a.attr);
      if (cmds == null) throw new Error(`exec: the element has no ${a.attr} attribute`);
      exec(el, cmds, {}, depth + 1);
    },
    dispatch: (el, a, source) => el.dispatchEvent(new CustomEvent(a.event, { bubbles: a.bubbles ?? true, cancelable: true, detail: { ...a.detail, dispatcher: source } })),
  };

  /**
   * Runs `cmds` for `source` (the element with the binding), in order; one failing is logged and
   * the rest still run. Resolves when every `push` among them is answered.
   * @param {Element} source @param {string | Command[]} cmds @param {Record<string, unknown>} [params] the binding's params, for `push`
   * @param {number} [depth] how deep in `exec` commands this runs
   * @returns {Promise<unknown>}
   */
  const exec = (source, cmds, params = {}, depth = 0) => {
    /** @type {Promise<unknown>[]} */
    const pushes = [];
    /** @type {Command[]} */
    let list = [];
    try {
      list = typeof cmds == 'string' ? JSON.parse(cmds) : cmds;
      if (!Array.isArray(list)) throw new Error('not an array');
    } catch (err) {
      console.error(`djust-lite: JS commands must be a JSON array of [name, args] (what {{ js.… }} renders); got ${String(cmds).slice(0, 80)}`, err);
      list = [];
    }
    for (const cmd of list) {
      try {
        const [name, a = {}] = cmd;
        // to the LiveComponent of the binding's dj-target, as a click would (Phoenix: phx-target)
        if (name == 'push') pushes.push(client.pushEvent(a.event, { ...params, ...a.value }, Number(source.getAttribute(TARGET_ATTR)) || undefined));
        else if (name == 'navigate' || name == 'patch') go(a.href, a.replace);
        else if (name == 'focus') /** @type {HTMLElement | undefined} */ (targets(doc, source, a.to)[0])?.focus();
        else if (ops[name]) for (const el of targets(doc, source, a.to)) ops[name](el, a, source, depth);
        else throw new Error(`unknown command "${name}"`);
      } catch (err) {
        console.error('djust-lite: JS command', cmd, 'failed on', source, err);
      }
    }
    return Promise.all(pushes);
  };

  /**
   * A hook's `this.js()`, as Phoenix's: `show(el, opts)`, `hide`, `toggle`, `addClass(el, names, opts)`,
   * `removeClass`, `transition(el, classes, opts)`, `setAttribute(el, name, value)`,
   * `removeAttribute(el, name)`, and `exec(cmds)` (run as `el`'s binding would).
   * @param {Element} el the hook's element
   */
  const hook = (el) => ({
    /** @param {string | Command[]} cmds */
    exec: (cmds) => exec(el, cmds),
    /** @param {Element} to @param {Record<string, any>} [a] */
    show: (to, a = {}) => ops.show(to, a, el),
    /** @param {Element} to @param {Record<string, any>} [a] */
    hide: (to, a = {}) => ops.hide(to, a, el),
    /** @param {Element} to @param {Record<string, any>} [a] */
    toggle: (to, a = {}) => ops.toggle(to, a, el),
    /** @param {Element} to @param {string | string[]} names @param {Record<string, any>} [a] */
    addClass: (to, names, a = {}) => ops.add_class(to, { ...a, names: [names].flat().join(' ') }, el),
    /** @param {Element} to @param {string | string[]} names @param {Record<string, any>} [a] */
    removeClass: (to, names, a = {}) => ops.remove_class(to, { ...a, names: [names].flat().join(' ') }, el),
    /** @param {Element} to @param {string | string[]} names @param {Record<string, any>} [a] */
    toggleClass: (to, names, a = {}) => ops.toggle_class(to, { ...a, names: [names].flat().join(' ') }, el),
    /** @param {Element} to @param {string} name @param {string} value @param {string} [other] */
    toggleAttribute: (to, name, value, other) => ops.toggle_attribute(to, { attr: [name, value, other] }, el),
    /** @param {Element} to @param {Transition} t @param {Record<string, any>} [a] */
    transition: (to, t, a = {}) => ops.transition(to, { ...a, transition: t }, el),
    /** @param {Element} to @param {string} name @param {string} value */
    setAttribute: (to, name, value) => ops.set_attribute(to, { attr: [name, value] }, el),
    /** @param {Element} to @param {string} name */
    removeAttribute: (to, name) => ops.remove_attribute(to, { attr: name }, el),
  });

  return {
    exec,
    hook,
    /**
     * Runs the calls a hook chained on `this.js()` (client.js records them until this module is loaded).
     * @param {Element} el the hook's element @param {[string | symbol, any[]][]} calls
     */
    calls: (el, calls) => {
      const api = /** @type {Record<string | symbol, (...a: any[]) => unknown>} */ (hook(el));
      for (const [name, args] of calls) {
        try {
          if (!api[name]) throw new Error(`this.js().${String(name)}() does not exist; see docs/hooks.md#js-commands`);
          api[name](...args);
        } catch (err) {
          console.error('djust-lite: in a hook,', err);
        }
      }
    },
  };
}

/**
 * The elements a command's `to` names: a selector over the document, `{ inner }` inside
 * `source`, `{ closest }` from `source` up; none: `source` itself.
 * @param {Document} doc @param {Element} source @param {string | { inner?: string, closest?: string } | undefined} to
 * @returns {Element[]}
 */
function targets(doc, source, to) {
  if (!to) return [source];
  if (typeof to == 'string') return [...doc.querySelectorAll(to)];
  if (to.inner) return [...source.querySelectorAll(to.inner)];
  const up = to.closest ? source.closest(to.closest) : null;
  return up ? [up] : [];
}

/** Child indexes from `root` down to `el`; null when `el` is not inside `root`. @param {Element | null} root @param {Element} el */
function pathOf(root, el) {
  if (!root?.contains(el) || root == el) return null;
  const path = [];
  for (let n = /** @type {Node} */ (el); n != root && n.parentNode; n = n.parentNode) path.unshift([...n.parentNode.childNodes].indexOf(/** @type {ChildNode} */ (n)));
  return path;
}

/** The element at `path` under `root`. @param {Element | null} root @param {number[] | null | undefined} path @returns {Element | null} */
function nodeAt(root, path) {
  /** @type {Node | undefined} */
  let n = root ?? undefined;
  if (!path) return null;
  for (const i of path) n = n?.childNodes[i];
  return n?.nodeType == 1 ? /** @type {Element} */ (n) : null;
}
