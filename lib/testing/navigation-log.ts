import { DjustError } from '../core/errors';

/** How the page moved: `patch` (same view, new URL: pushPatch or a dj-patch link), `navigate` (another live view took the region: pushNavigate), `redirect` (a page load). */
export type NavigationKind = 'patch' | 'navigate' | 'redirect';

export interface Navigation {
  kind: NavigationKind;
  url: string;
}

const EXPECT_NAME: Record<NavigationKind, string> = { patch: 'expectPatch', navigate: 'expectNavigate', redirect: 'expectRedirect' };

/**
 * The navigations a view saw, in order, for `expectPatch` / `expectNavigate` / `expectRedirect`:
 * each expectation takes the first one of its kind not taken yet (others stay for theirs), as
 * LiveViewTest's assert_patch / assert_redirect receive their own message.
 */
export class NavigationLog {
  readonly #seen: (Navigation & { taken: boolean })[] = [];

  add(kind: NavigationKind, url: string): void {
    this.#seen.push({ kind, url, taken: false });
  }

  /** Every navigation seen, in order. */
  all(): Navigation[] {
    return this.#seen.map(({ kind, url }) => ({ kind, url }));
  }

  /**
   * The URL of the first untaken navigation of `kind` (now taken), or undefined when none came
   * yet. Throws DJUST_ERR_LIVE_TEST_EXPECT when it went to another URL than `url`.
   */
  take(kind: NavigationKind, url: string | undefined): string | undefined {
    const found = this.#seen.find((n) => !n.taken && n.kind === kind);
    if (!found) return undefined;
    found.taken = true;
    if (url !== undefined && found.url !== url) {
      throw new DjustError('DJUST_ERR_LIVE_TEST_EXPECT', `liveTest: ${EXPECT_NAME[kind]}(${JSON.stringify(url)}): the ${kind} went to ${JSON.stringify(found.url)}.`);
    }
    return found.url;
  }

  /** Why an expectation of `kind` failed after its wait: what did come. */
  missing(kind: NavigationKind, url: string | undefined, timeoutMs: number): DjustError {
    const seen = this.#seen.map((n) => `${n.kind} to ${JSON.stringify(n.url)}${n.taken ? ' (taken)' : ''}`);
    return new DjustError('DJUST_ERR_LIVE_TEST_EXPECT', `liveTest: ${EXPECT_NAME[kind]}(${url === undefined ? '' : JSON.stringify(url)}): no ${kind} within ${timeoutMs} ms (option timeoutMs); navigations seen: ${seen.join(', ') || 'none'}.`);
  }
}
