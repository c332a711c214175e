// @ts-check
// dj-debounce and dj-throttle: when a binding's call goes out. The last trigger's call always does.
import { DEBOUNCE_ATTR, THROTTLE_ATTR } from './constants.js';

/** @typedef {{ el: Element, key: string, debounce: boolean, fn?: () => void, timer?: ReturnType<typeof setTimeout> }} Wait  a call held back for `key` (the binding attribute) of `el` */

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
     * `flush`) or dj-throttle (now, then the window's last trigger at its end) say.
     * @param {Element} el @param {string} key @param {() => void} fn
     */
    run(el, key, fn) {
      const debounce = el.getAttribute(DEBOUNCE_ATTR);
      const ms = Number(debounce);
      const throttle = Number(el.getAttribute(THROTTLE_ATTR));
      let w = [...waits].find((w) => w.el == el && w.key == key);
      if (debounce == 'blur' || ms > 0) {
        if (!w) waits.add((w = { el, key, debounce: true }));
        const wait = w;
        wait.fn = fn;
        clearTimeout(wait.timer);
        if (ms > 0) wait.timer = setTimeout(() => flush(wait), ms);
      } else if (!(throttle > 0)) fn();
      else if (w) w.fn = fn;
      else {
        fn();
        /** @type {Wait} */
        const wait = { el, key, debounce: false, timer: setTimeout(function end() {
          const held = wait.fn;
          if (!held) return void waits.delete(wait);
          wait.fn = undefined;
          held();
          wait.timer = setTimeout(end, throttle);
        }, throttle) };
        waits.add(wait);
      }
    },
    /** Makes now the held calls `which` picks (a field's debounce on blur, a form's changes before its submit). @param {(w: Wait) => boolean} which */
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
