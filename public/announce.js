// @ts-check
import { ANNOUNCE_MS, ANNOUNCER_ID } from './constants.js';

/**
 * Adds the hidden aria-live region #dj-announcer; announce(text) speaks at most once per `ms`, the latest text last.
 * @param {Document} doc @param {number} [ms] @returns {(text: string) => void}
 */
export function announcer(doc, ms = ANNOUNCE_MS) {
  const region = doc.body.appendChild(doc.createElement('div'));
  region.id = ANNOUNCER_ID;
  region.setAttribute('aria-live', 'polite');
  region.setAttribute('aria-atomic', 'true');
  region.style.cssText = 'position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap';
  let last = -ms;
  /** @type {string | undefined} */
  let next;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  const flush = () => {
    timer = undefined;
    if (next != null && next != region.textContent) (region.textContent = next), (last = Date.now());
    next = undefined;
  };
  return (text) => {
    next = text;
    timer ??= last + ms > Date.now() ? setTimeout(flush, last + ms - Date.now()) : void flush();
  };
}
