// @ts-check
/**
 * Demo only: a panel that shows what the side channel changes where a person cannot see it —
 * the live document.title, every <meta name|property> and every <link rel> of <head> —
 * updated by a MutationObserver on <head> the moment the client applies a page_metadata
 * message. What changed last is marked for a moment. Text only (textContent), like the client.
 */
(function headPanel() {
  const panel = document.getElementById('head-panel');
  if (!panel) return;
  const list = /** @type {HTMLElement} */ (panel.querySelector('dl'));
  /** @type {Map<string, string>} */
  let shown = new Map();

  /** Title, meta and links of the head now, label → value, in document order. */
  function read() {
    /** @type {Map<string, string>} */
    const rows = new Map([['title', document.title]]);
    for (const meta of document.head.querySelectorAll('meta[name], meta[property]')) {
      const key = meta.getAttribute('property') ?? meta.getAttribute('name') ?? '';
      if (key === 'viewport') continue;
      rows.set(`meta ${key}`, meta.getAttribute('content') ?? '');
    }
    for (const link of document.head.querySelectorAll('link[rel]')) {
      const rel = link.getAttribute('rel') ?? '';
      if (rel === 'icon' && link.getAttribute('href') === 'data:,') continue; // the demo's blank favicon
      rows.set(`link ${rel}`, link.getAttribute('href') ?? '');
    }
    return rows;
  }

  function render() {
    const rows = read();
    const items = [];
    for (const [key, value] of rows) {
      const term = document.createElement('dt');
      term.textContent = key;
      const detail = document.createElement('dd');
      detail.textContent = value;
      detail.dataset.key = key;
      if (shown.size > 0 && shown.get(key) !== value) {
        term.classList.add('changed');
        detail.classList.add('changed');
      }
      items.push(term, detail);
    }
    list.replaceChildren(...items);
    shown = rows;
  }

  render();
  new MutationObserver(render).observe(document.head, { subtree: true, childList: true, attributes: true, characterData: true });
})();
