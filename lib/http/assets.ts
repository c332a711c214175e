import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { DjustError } from '../core/errors';

/** Folder of the browser client modules. */
export const PUBLIC_DIR = path.resolve(__dirname, '..', '..', 'public');
/** The bundled, minified client that pages load (built by scripts/build-client.js). */
export const BUNDLE_NAME = 'djust.min.js';

interface Asset {
  body: Buffer;
  etag: string;
}

function asset(file: string): Asset {
  const body = readFileSync(file);
  return { body, etag: `"${createHash('sha1').update(body).digest('base64url').slice(0, 16)}"` };
}

/**
 * The browser client, read once into memory: the bundle pages load (`djust.min.js`) and the
 * source modules it is built from (for debugging). Served with an ETag; a request carrying the
 * bundle's current version (`?v=…`, as `{% djust_scripts %}` writes it) may be cached for good.
 */
export class ClientAssets {
  readonly #files = new Map<string, Asset>();

  constructor(dir: string = PUBLIC_DIR) {
    for (const name of readdirSync(dir)) {
      if (name.endsWith('.js')) this.#files.set(name, asset(path.join(dir, name)));
    }
    const bundle = path.join(dir, 'build', BUNDLE_NAME);
    if (!existsSync(bundle)) {
      throw new DjustError('DJUST_ERR_CLIENT_MISSING', `djust-lite: the client bundle ${bundle} is missing; run \`npm run build:client\`.`);
    }
    this.#files.set(BUNDLE_NAME, asset(bundle));
  }

  /** The bundle's version, for cache-busting URLs. */
  get version(): string {
    return (this.#files.get(BUNDLE_NAME) as Asset).etag.slice(1, 9);
  }

  /** Serves `name` if it is a client file; returns false otherwise. */
  serve(name: string, req: IncomingMessage, res: ServerResponse): boolean {
    const file = this.#files.get(name);
    if (!file) return false;
    const versioned = name === BUNDLE_NAME && (req.url ?? '').endsWith(`?v=${this.version}`);
    res.setHeader('Content-Type', 'text/javascript; charset=utf-8');
    res.setHeader('Cache-Control', versioned ? 'public, max-age=31536000, immutable' : 'no-cache');
    res.setHeader('ETag', file.etag);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    if (req.headers['if-none-match'] === file.etag) {
      res.statusCode = 304;
      res.end();
    } else {
      res.setHeader('Content-Length', file.body.length);
      res.end(req.method === 'HEAD' ? undefined : file.body);
    }
    return true;
  }
}
