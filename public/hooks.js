// @ts-check
// dj-hook="Name": the page's own JavaScript bound to an element of the region, as Phoenix's
// phx-hook (docs/hooks.md). A MutationObserver on the region tells which hooked elements a patch
// touched; what left or joined the region is found by looking after each patch.

import { applyPatch, ignored, preview } from './patch.js';
import { COMPONENT_ATTR } from './contract.js';

const HOOK_ATTR = 'dj-hook';

/** @typedef {[HookInstance, string, (payload: any) => void]} HandlerRef  what `handleEvent` returns */
/**
 * @typedef {object} HookInstance  `this` in a hook's callbacks: `Object.create(hook)` plus these
 * @property {Element} el  the element carrying `dj-hook`
 * @property {(event: string, params?: Record<string, unknown>) => Promise<unknown>} pushEvent  resolves with the handler's `pushReply` payload
 * @property {(target: Element | string, event: string, params?: Record<string, unknown>) => Promise<unknown>} pushEventTo  to the LiveComponent holding `target` (an element or a selector), else the view
 * @property {(event: string, cb: (payload: any) => void) => HandlerRef} handleEvent  `cb` gets the payload of each server `pushEvent(event, …)`
 * @property {(ref: HandlerRef) => void} removeHandleEvent
 * @property {() => any} js  JS commands on elements (docs/hooks.md#js-commands): `this.js().show(el).addClass(el, 'open')`
 */
/**
 * @typedef {{ [k: string]: unknown, mounted?: Callback, beforeUpdate?: (this: HookInstance & Record<string, any>, toEl: Element) => void, updated?: Callback, destroyed?: Callback, disconnected?: Callback, reconnected?: Callback }} Hook
 * @typedef {(this: HookInstance & Record<string, any>) => void} Callback
 */

/**
 * Runs the hooks of the `dj-hook` elements in `root`: the caller applies each patch with
 * `patch()`, calls `live(on)` when the connection drops or comes back, `emit()` for each server
 * `push_event`, `stop()` at the end.
 * @param {Element} root
 * @param {() => Record<string, Hook>} hooks  registered hooks by name, read at each mount (late registrations count)
 * @param {(event: string, params?: Record<string, unknown>, target?: number) => Promise<unknown>} push  `target`: a LiveComponent's dj-cid
 * @param {(el: Element) => any} [js]  what a hook's `this.js()` returns
 * @example const hooked = bindHooks(root, () => client.hooks, (e, p) => client.pushEvent(e, p));
 */
// Over 60 lines: the returned methods share the live hooks, their handlers and the observer.
export function bindHooks(root, hooks, push, js) {
  /** @type {Map<Element, HookInstance & Hook>} */
  const live = new Map();
  /** The hook name each live hook was mounted for: another name on its element is another hook. @type {Map<Element, string>} */
  const names = new Map();
  /** @type {Set<HandlerRef>} */
  const handlers = new Set();
  /** @type {Set<string>} */
  const warned = new Set();
  /** `disconnected` was called last: the next `live(true)` is a reconnect, not the first mount. */
  let down = false;
  const observer = new MutationObserver(() => {});
  observer.observe(root, { subtree: true, childList: true, attributes: true, characterData: true });

  /** A hook's code throwing must not stop the patch or the other hooks. @param {HookInstance} h @param {Function | undefined} fn @param {unknown} [arg] */
  const call = (h, fn, arg) => {
    try {
      fn?.call(h, arg);
    } catch (err) {
      console.error('djust-lite: dj-hook', h.el, err);
    }
  };
  /** @param {HookInstance & Hook} h */
  const destroy = (h) => {
    live.delete(h.el);
    names.delete(h.el);
    call(h, h.destroyed);
    for (const ref of handlers) if (ref[0] == h) handlers.delete(ref);
  };
  /** @param {Element} el */
  const mount = (el) => {
    const name = el.getAttribute(HOOK_ATTR) ?? '';
    const def = hooks()[name];
    if (!def) {
      // retried at each patch, so a hook registered later still mounts; said once
      if (!warned.has(name)) console.warn(`djust-lite: no hook ${name}: set djust.hooks.${name} = {…}`);
      warned.add(name);
      return;
    }
    /** @type {HookInstance & Hook} */
    const h = Object.assign(Object.create(def), {
      el,
      pushEvent: push,
      /** @type {HookInstance['pushEventTo']} */
      pushEventTo: (target, event, params) => {
        const at = typeof target == 'string' ? root.ownerDocument.querySelector(target) : target;
        return push(event, params, Number(at?.closest(`[${COMPONENT_ATTR}]`)?.getAttribute(COMPONENT_ATTR)) || undefined);
      },
      js: () => js?.(el),
      /** @type {HookInstance['handleEvent']} */
      handleEvent: (event, cb) => {
        /** @type {HandlerRef} */
        const ref = [h, event, cb];
        handlers.add(ref);
        return ref;
      },
      /** @param {HandlerRef} ref */
      removeHandleEvent: (ref) => handlers.delete(ref),
    });
    live.set(el, h);
    names.set(el, name);
    call(h, h.mounted);
  };

  return {
    /**
     * Applies a `{html}` or `{ops}` patch to `root`: first `beforeUpdate(toEl)` on each hook whose
     * element the patch changes (`toEl`: a detached copy as the patch leaves it; of a
     * dj-update="ignore" element only its attributes count), then `destroyed` for hooks whose
     * element left (or lost or changed `dj-hook`), `updated` for those the patch touched,
     * `mounted` for new ones.
     * @param {Parameters<typeof applyPatch>[1]} patch
     */
    patch(patch) {
      const before = [...live.values()].filter((h) => h.beforeUpdate);
      // the patch applied to a copy first, only when some hook asks (it costs a copy of the region)
      const next = before.length ? preview(root, patch, before.map((h) => h.el)) : [];
      before.forEach((h, i) => {
        const to = next[i];
        const [a, b] = ignored(h.el) ? [h.el.cloneNode(false), to?.cloneNode(false)] : [h.el, to];
        if (to && !a.isEqualNode(b ?? null)) call(h, h.beforeUpdate, to);
      });
      observer.takeRecords();
      applyPatch(root, patch);
      const changes = observer.takeRecords();
      const els = new Set(root.querySelectorAll(`[${HOOK_ATTR}]`));
      for (const [el, h] of live) {
        if (!els.has(el) || el.getAttribute(HOOK_ATTR) != names.get(el)) destroy(h);
        else if (changes.some((r) => el.contains(r.target))) call(h, h.updated);
      }
      for (const el of els) if (!live.has(el)) mount(el);
    },
    /**
     * The connection dropped (`disconnected` on every hook) or came back (`reconnected` on every
     * hook, after the re-mount's patch: those it mounted too, as Phoenix does). @param {boolean} on
     */
    live(on) {
      if (!on || down) for (const h of live.values()) call(h, on ? h.reconnected : h.disconnected);
      down = !on;
    },
    /** A server `pushEvent(event, payload)`: every `handleEvent(event, …)` callback gets `payload`. @param {string} event @param {unknown} payload */
    emit(event, payload) {
      for (const [h, name, cb] of handlers) if (name == event) call(h, cb, payload);
    },
    /** `destroyed` on every hook; no more callbacks. */
    stop() {
      observer.disconnect();
      for (const h of live.values()) destroy(h);
    },
  };
}
