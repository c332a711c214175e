// @ts-check
import { FLASH_CONTAINER_ID, flashElement } from './contract.js';

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
