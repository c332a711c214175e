import type { IncomingMessage } from 'node:http';

/** Mount paths remembered at most; a `/:tenant` mount adds one per tenant seen. */
export const MAX_MOUNT_PATHS = 64;

/**
 * Where the middleware is mounted (`app.use('/app', live)`, `router.use(live)` under any
 * path). Express strips the mount path from `req.url` and keeps it in `req.baseUrl`, so the
 * middleware learns each mount path from the requests Express routes to it (`learn`).
 * WebSocket upgrades and attached SSE requests never pass through Express: they arrive with
 * the whole path, and `enter()` takes a learned mount path off their URL so the transports
 * see `${prefix}/…` exactly as at the root. The root ('') is always served.
 */
export class MountPaths {
  readonly #prefix: string;
  /** Learned mount paths, longest first (a mount path never ends with '/'). */
  #bases: string[] = [];
  readonly #known = new Set<string>();
  readonly #full: () => void;

  /** `full` is called once when MAX_MOUNT_PATHS are known and another one arrives. */
  constructor(prefix: string, full: () => void) {
    this.#prefix = prefix;
    let told = false;
    this.#full = () => {
      if (told) return;
      told = true;
      full();
    };
  }

  /** Remembers `base` (a request's `req.baseUrl`). Cheap for a base already known. */
  learn(base: string): void {
    if (base === '' || this.#known.has(base)) return;
    if (this.#known.size >= MAX_MOUNT_PATHS) return this.#full();
    this.#known.add(base);
    this.#bases = [...this.#known].sort((a, b) => b.length - a.length);
  }

  /** The learned mount path `url` starts with, directly followed by `${prefix}/`; '' at the root; null for none. */
  baseOf(url: string): string | null {
    const prefix = this.#prefix;
    if (url.startsWith(prefix) && url.charCodeAt(prefix.length) === 47 /* / */) return '';
    for (const base of this.#bases) {
      if (url.startsWith(base) && url.startsWith(prefix, base.length) && url.charCodeAt(base.length + prefix.length) === 47) return base;
    }
    return null;
  }

  /**
   * Runs `take(req, arg)` with `req.url` seen from the mount path (`/app/djust/ws` →
   * `/djust/ws`) when the URL is under a learned one, and puts the URL back when `take`
   * declines; false without calling it otherwise. `guess` (the upgrade path, when no other
   * listener could want the request): any path ending with it counts as under a mount path,
   * so a browser reconnecting to a restarted server finds its WebSocket before any page was
   * served. (`take` and `arg` apart: no closure per request.)
   */
  enter<A>(req: IncomingMessage, take: (req: IncomingMessage, arg: A) => boolean, arg: A, guess?: string): boolean {
    const url = req.url ?? '';
    let base = this.baseOf(url);
    if (base === null && guess !== undefined) {
      const path = url.split('?', 1)[0] as string;
      const cut = path.length - this.#prefix.length - guess.length;
      if (cut > 0 && path.endsWith(`${this.#prefix}${guess}`) && path.charCodeAt(0) === 47) base = path.slice(0, cut);
    }
    if (base === null) return false;
    if (base === '') return take(req, arg);
    req.url = url.slice(base.length);
    if (take(req, arg)) return true;
    req.url = url;
    return false;
  }
}
