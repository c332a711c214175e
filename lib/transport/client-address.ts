import type { IncomingMessage } from 'node:http';
import proxyaddr from 'proxy-addr';

/** Express's compiled `trust proxy` setting (`app.get('trust proxy fn')`): may hop `i`, at `address`, be trusted? */
export type TrustFunction = (address: string, hop: number) => boolean;

/** The setting when the app sets none: no proxy is trusted, X-Forwarded-For is ignored. */
const TRUST_NONE: TrustFunction = () => false;

/** What an Express app looks like from here: its settings, read with one-argument `get`. */
interface ExpressApp {
  get(setting: 'trust proxy fn'): unknown;
}

function isExpressApp(value: unknown): value is ExpressApp {
  return typeof value === 'function' && typeof (value as { get?: unknown }).get === 'function'
    && typeof (value as { settings?: unknown }).settings === 'object';
}

/**
 * The client address of `req` as Express computes `req.ip`: the socket's address, or — when
 * `trust` trusts the socket's peer — the nearest X-Forwarded-For hop not trusted. Without
 * `trust` (no `trust proxy`), X-Forwarded-For is ignored. `''` for a socket already gone.
 *
 * @example
 * clientAddress(req, app.get('trust proxy fn')); // '203.0.113.7' behind a trusted proxy
 */
export function clientAddress(req: IncomingMessage, trust: TrustFunction = TRUST_NONE): string {
  if (req.socket.remoteAddress === undefined) return '';
  return proxyaddr(req, trust);
}

/**
 * The client addresses of live traffic, under the Express app's `trust proxy` setting. WebSocket
 * upgrades (and SSE after `attach()`) never pass through Express, so the app is remembered
 * from the first request the middleware sees (`req.app`) or from the server `attach()` is
 * given (`app.listen()` makes the app its request listener). The setting is read again for
 * every new connection, so `app.set('trust proxy', …)` after `djustLite()` still applies.
 * Before an app is known, no proxy is trusted.
 *
 * @example
 * const addresses = new ClientAddresses();
 * addresses.learnFrom(req.app);
 * addresses.of(req); // what req.ip is
 */
export class ClientAddresses {
  #app: ExpressApp | null = null;

  /** Whether an app is known (its `trust proxy` setting applies). */
  get known(): boolean {
    return this.#app !== null;
  }

  /** Remembers `candidate` if it is an Express app and none is known yet. */
  learnFrom(candidate: unknown): void {
    if (this.#app === null && isExpressApp(candidate)) this.#app = candidate;
  }

  /** The app's compiled trust function, or the one that trusts nothing. */
  get trust(): TrustFunction {
    const fn = this.#app?.get('trust proxy fn');
    return typeof fn === 'function' ? (fn as TrustFunction) : TRUST_NONE;
  }

  of(req: IncomingMessage): string {
    return clientAddress(req, this.trust);
  }
}
