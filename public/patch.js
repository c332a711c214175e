// @ts-check
/**
 * Applies a region update to the live root. `{html}` replaces the content; the focused
 * field keeps focus, caret and the value the user is typing.
 * @param {Element} root @param {{ html?: string, ops?: unknown[] }} patch
 */
export function applyPatch(root, patch) {
  if (typeof patch.html !== 'string') return;
  const doc = root.ownerDocument;
  const active = /** @type {HTMLInputElement | null} */ (doc.activeElement && root.contains(doc.activeElement) ? doc.activeElement : null);
  const key = active && (active.id ? `#${CSS.escape(active.id)}` : active.name ? `[name="${CSS.escape(active.name)}"]` : null);
  const value = active?.value;
  const start = active?.selectionStart ?? null;
  const end = active?.selectionEnd ?? null;
  root.innerHTML = patch.html;
  if (!key) return;
  const next = /** @type {HTMLInputElement | null} */ (root.querySelector(key));
  if (!next) return;
  if (value !== undefined && 'value' in next) next.value = value;
  next.focus();
  if (start !== null && typeof next.setSelectionRange === 'function') {
    try { next.setSelectionRange(start, end); } catch { /* type without selection */ }
  }
}
