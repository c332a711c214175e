// @ts-check
// dj-debounce and dj-throttle: when a binding's call goes out. The last trigger's call always does.
import { DEBOUNCE_ATTR, DEFAULT_RATE_MS, THROTTLE_ATTR } from './constants.js';

/** @typedef {{ el: Element, key: string, debounce: boolean, tag?: string, fn?: () => void, timer?: ReturnType<typeof setTimeout> }} Wait  a call held back for `key` (the binding attribute) of `el` */

/** An attribute's wait in ms: empty means the default, absent 0 (none). @param {Element} el @param {string} attr */
const waitOf = (el, attr) => {
  const value = el.getAttribute(attr);
  return value === '' ? DEFAULT_RATE_MS : Number(value);
};

/**
 * The waits of one bound document.
 * @example const rate = limiter(); rate.run(input, 'dj-change', () => push('search', params));
 */
export function limiter() {
  /** @type {Set<Wait>} */
  const waits = new Set();
  /** Ends a wait, making its held call now. @param {Wait} w */
  const flush = (w) => {
    clearTimeout(w.timer);
    waits.delete(w);
    w.fn?.();
  };
  return {
    /**
     * Calls `fn` now, or later as `el`'s dj-debounce (ms after the last trigger; `blur`: at
     * `flush`; empty: DEFAULT_RATE_MS) or dj-throttle (now, then the window's last trigger at its
     * end) say. A throttled trigger with another `tag` (a key binding's key) than the window's
     * sends the window's held call and goes at once, opening a new window.
     * @param {Element} el @param {string} key @param {() => void} fn @param {string} [tag]
     */
    run(el, key, fn, tag) {
      const debounce = el.getAttribute(DEBOUNCE_ATTR);
      const ms = waitOf(el, DEBOUNCE_ATTR);
      const throttle = waitOf(el, THROTTLE_ATTR);
      let w = [...waits].find((w) => w.el == el && w.key == key);
      if (debounce == 'blur' || ms > 0) {
        if (!w) waits.add((w = { el, key, debounce: true }));
        const wait = w;
        wait.fn = fn;
        clearTimeout(wait.timer);
        if (ms > 0) wait.timer = setTimeout(() => flush(wait), ms);
        return;
      }
      if (!(throttle > 0)) return fn();
      if (w && w.tag != tag) {
        flush(w);
        w = undefined;
      }
      if (w) w.fn = fn;
      else {
        fn();
        /** @type {Wait} */
        const wait = { el, key, tag, debounce: false, timer: setTimeout(function end() {
          const held = wait.fn;
          if (!held) return void waits.delete(wait);
          wait.fn = undefined;
          held();
          wait.timer = setTimeout(end, throttle);
        }, throttle) };
        waits.add(wait);
      }
    },
    /** Makes now the held calls `which` picks (a field's waits on blur, a form's changes before its submit). @param {(w: Wait) => boolean} which */
    flush(which) {
      for (const w of waits) if (which(w)) flush(w);
    },
    /** Drops every held call and timer. */
    stop() {
      for (const w of waits) clearTimeout(w.timer);
      waits.clear();
    },
  };
}
