// @ts-check
import { CLEAR_FLASH_EVENT, FLASH_CONTAINER_ID, flashElement } from './contract.js';

/**
 * @typedef {{ type: 'flash', action: 'put', level: string, message: string }
 *   | { type: 'flash', action: 'clear', level?: string }} FlashMessage
 */

/** The flash container, created at the top of <body> when the layout has none. @param {Document} doc */
export function flashContainer(doc) {
  let box = doc.getElementById(FLASH_CONTAINER_ID);
  if (!box) {
    box = doc.createElement('div');
    box.id = FLASH_CONTAINER_ID;
    doc.body.prepend(box);
  }
  return box;
}

/** Shows or clears flash messages; one element per level, text only. @param {Document} doc @param {FlashMessage} msg */
export function applyFlash(doc, msg) {
  const box = flashContainer(doc);
  const items = /** @type {HTMLElement[]} */ ([...box.children]);
  if (msg.action === 'clear') {
    for (const el of items) if (msg.level === undefined || el.dataset.level === msg.level) el.remove();
    return;
  }
  if (msg.action !== 'put' || typeof msg.level !== 'string' || typeof msg.message !== 'string') return;
  let el = items.find((item) => item.dataset.level === msg.level);
  if (!el) {
    // A new level's element, as the server renders it (flashElement, shared with the server).
    const { tag, attrs } = flashElement(msg.level, msg.message);
    el = box.appendChild(doc.createElement(tag));
    for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, value);
  }
  el.textContent = msg.message;
}

/**
 * A click on a flash message (or inside it: a close button) removes it and tells the server,
 * which forgets it (CLEAR_FLASH_EVENT), so no later render shows it again.
 * @param {Document} doc @param {(event: string, params: Record<string, unknown>) => unknown} push
 * @returns {() => void} removes the listener
 * @example const off = bindFlashClear(document, (event, params) => client.pushEvent(event, params));
 */
export function bindFlashClear(doc, push) {
  /** @param {Event} ev */
  const onClick = (ev) => {
    const item = ev.target instanceof Element ? ev.target.closest(`#${FLASH_CONTAINER_ID} > [data-level]`) : null;
    if (!(item instanceof HTMLElement)) return;
    item.remove();
    push(CLEAR_FLASH_EVENT, { level: item.dataset.level });
  };
  doc.addEventListener('click', onClick);
  return () => doc.removeEventListener('click', onClick);
}
