import { eventHandler, LiveView, type AsyncOutcome } from '../lib';

/** How long the demo's catalogue takes to answer a search: slow on purpose. */
export const SEARCH_DELAY_MS = 800;

const CATALOGUE = ['Mug', 'Mug stand', 'Desk lamp', 'Floor lamp', 'Armchair', 'Office chair', 'Notebook', 'Pen', 'Pencil case', 'Tea towel'];

/** A slow backend: answers after SEARCH_DELAY_MS, or rejects at once when `signal` aborts (a newer search, or the user left). */
export function searchCatalogue(q: string, signal: AbortSignal): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', abort);
      const needle = q.toLowerCase();
      resolve(CATALOGUE.filter((name) => name.toLowerCase().includes(needle)));
    }, SEARCH_DELAY_MS);
    const abort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', abort, { once: true });
  });
}

/**
 * The slow search (docs/view-api.md#async-work): each keystroke starts a search with
 * startAsync, superseding the one before; the search box stays responsive while it runs.
 */
export class SearchView extends LiveView {
  static template = 'search.njk';
  query = '';
  searching = false;
  hits: string[] = [];
  /** Searches whose results were shown (superseded ones never are). */
  shown = 0;

  mount() {
    this.pageTitle = 'Search';
  }

  @eventHandler()
  search(params: { q?: unknown }) {
    const q = typeof params.q === 'string' ? params.q.trim().slice(0, 80) : '';
    this.query = q;
    this.searching = q !== '';
    if (q === '') {
      this.hits = [];
      this.pageTitle = 'Search';
      return;
    }
    this.startAsync('search', (signal) => searchCatalogue(q, signal));
  }

  handleAsync(name: string, result: AsyncOutcome) {
    if (name !== 'search') return;
    this.searching = false;
    if (!result.ok) {
      this.putFlash('error', 'The search failed; try again.');
      return;
    }
    this.hits = result.value as string[];
    this.shown += 1;
    this.pageTitle = `Search: ${this.hits.length} for "${this.query}"`;
  }
}
