// @ts-check
// Streams (docs/streams.md): a patch's `streams` entries applied to the dj-update="stream"
// containers, whose children belong to the client (the server keeps no item).

export const STREAM = '[dj-update="stream"]';

/** @typedef {{ id?: string, reset?: boolean, deletes?: string[], inserts?: ([string, number, number | null, string] | string)[] }} StreamPatch */

/**
 * For each entry: `reset` removes the container's children, `deletes`
 * removes elements by DOM id, then each insert replaces the child with its DOM id in place
 * (`replace(old, html)`) or goes in at `at` (-1 end, 0 top, n before child n), then prunes to
 * `limit` (n keeps the first n children, -n the last n). An insert that is the HTML alone goes
 * at the end with no limit, its DOM id the element's.
 * @param {Element} root @param {StreamPatch[]} streams @param {(old: Element, html: string) => void} replace
 * @example applyStreams(root, [{ id: 'log', inserts: [['log-9', 0, 100, '<li id="log-9">…</li>']] }], swapIn);
 */
export function applyStreams(root, streams, replace) {
  const doc = root.ownerDocument;
  /** @param {string} id */
  const find = (id) => {
    const el = root.isConnected ? doc.getElementById(id) : root.querySelector(`[id=${JSON.stringify(id)}]`);
    return el && root.contains(el) ? el : null;
  };
  /** @param {string} html */
  const parse = (html) => {
    const t = doc.createElement('template');
    t.innerHTML = html;
    return t.content.firstElementChild;
  };
  for (const s of streams) {
    const box = s.id ? find(s.id) : null;
    const inserts = box?.matches(STREAM) ? s.inserts ?? [] : [];
    // a reset shows the inserts in their order: the container starts empty
    if (box && s.reset) box.replaceChildren();
    for (const id of s.deletes ?? []) {
      const el = find(id);
      if (el?.parentElement?.matches(STREAM)) el.remove();
    }
    for (const insert of inserts) {
      const [id, at, limit, html] = typeof insert == 'string' ? ['', -1, null, insert] : insert;
      /** @type {Element | null} */
      let el = null;
      if (!id) {
        el = parse(html);
        if (!el) continue;
      }
      const old = find(id || /** @type {Element} */ (el).id);
      if (old && old.parentNode == box) replace(old, html);
      else {
        el ??= parse(html);
        if (!el) continue;
        old?.remove();
        const kids = /** @type {Element} */ (box).children;
        /** @type {Element} */ (box).insertBefore(el, at < 0 ? null : kids[at] ?? null);
      }
      if (limit) {
        const kids = /** @type {Element} */ (box).children;
        for (let n = kids.length - Math.abs(limit); n-- > 0;) kids[limit > 0 ? kids.length - 1 : 0]?.remove();
      }
    }
  }
}
