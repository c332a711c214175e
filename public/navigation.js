// @ts-check
// dj-patch / dj-navigate / navigate → pushState; back/forward restore each entry's head with no round trip.
// Snapshots: in memory by history.state.djust.id, and in the left entry's history.state on push.
import { PATCH_ATTR } from './constants.js';
import { applySnapshot, snapshotHead } from './page-metadata.js';

/** `<a href="/other" dj-navigate>`: as dj-patch on the client; the server mounts the URL's view when it is another route of the same layout. */
const NAVIGATE_ATTR = 'dj-navigate';
const here = () => location.pathname + location.search;
const newId = () => Math.random().toString(36).slice(2);

/**
 * @param {Document} doc
 * @param {(url: string, pop: boolean) => boolean} visit  handleParams on the server; false when offline
 * @param {(title: string) => void} onTitle  a restore changed the title
 */
export function bindNavigation(doc, visit, onTitle) {
  /** @type {Map<string, import('./page-metadata.js').HeadSnapshot>} */
  const heads = new Map();
  let url = here();
  /** @param {object} [head] */
  const save = (head) => history.replaceState({ ...(typeof history.state == 'object' ? history.state : {}), djust: { id, head } }, '');
  /** @type {string} */
  let id = history.state?.djust?.id ?? newId();
  save();

  /** `to` the URL shown already (a server `navigate` answering a click or back/forward) replaces. @param {string} to @param {boolean} [replace] */
  const go = (to, replace) => {
    if (replace || to == here()) history.replaceState(history.state, '', to);
    else {
      heads.set(id, snapshotHead(doc));
      save(heads.get(id));
      history.pushState({ djust: { id: (id = newId()) } }, '', to);
    }
    url = here();
  };

  /** @param {PopStateEvent} ev */
  const onPop = (ev) => {
    heads.set(id, snapshotHead(doc));
    const entry = ev.state?.djust;
    id = entry?.id ?? newId(); // an entry others pushed (#hash): adopt it
    const head = entry && (heads.get(id) ?? entry.head);
    if (head && applySnapshot(doc, head)) onTitle(doc.title);
    if (!entry) save();
    if (here() != url) visit((url = here()), true);
  };

  /** @param {MouseEvent} ev */
  const onClick = (ev) => {
    const el = ev.target instanceof Element && ev.target.closest(`[${PATCH_ATTR}],[${NAVIGATE_ATTR}]`);
    if (!el || ev.defaultPrevented || ev.button || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
    const to = new URL(el.getAttribute(PATCH_ATTR) || el.getAttribute(NAVIGATE_ATTR) || el.getAttribute('href') || '', location.href);
    if (to.origin != location.origin) return;
    ev.preventDefault();
    const path = to.pathname + to.search;
    if (!visit(path, false)) return location.assign(to.href); // offline: a page load
    go(path + to.hash, to.href == location.href);
  };

  addEventListener('popstate', onPop);
  doc.addEventListener('click', onClick);
  return {
    go,
    stop() {
      removeEventListener('popstate', onPop);
      doc.removeEventListener('click', onClick);
    },
  };
}
