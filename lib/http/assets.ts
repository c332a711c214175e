import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { DjustError } from '../core/errors';

/** Folder of the browser client modules. */
export const PUBLIC_DIR = path.resolve(__dirname, '..', '..', 'public');
/** The bundled, minified client that pages load (built by scripts/build-client.js). */
export const BUNDLE_NAME = 'djust.min.js';
/** The JS commands module the bundle imports beside itself, on demand, with its own `?v=` (built with it). */
export const JS_COMMANDS_NAME = 'djust-js.min.js';
/** The uploads module the bundle imports beside itself on pages with a `dj-upload` (docs/uploads.md). */
export const UPLOADS_NAME = 'djust-up.min.js';
/** The SSE transport the bundle imports beside itself when a page connects over SSE (configured, or the WebSocket fallback). */
export const SSE_NAME = 'djust-sse.min.js';
/** The built files: the bundle, then the modules it imports on demand; all share the bundle's `?v=`. */
const BUILT = [BUNDLE_NAME, JS_COMMANDS_NAME, UPLOADS_NAME, SSE_NAME];

interface Asset {
  body: Buffer;
  etag: string;
}

function asset(file: string): Asset {
  const body = readFileSync(file);
  return { body, etag: `"${createHash('sha1').update(body).digest('base64url').slice(0, 16)}"` };
}

/**
 * The browser client, read once into memory: the bundle pages load (`djust.min.js`), the
 * modules it imports on demand under its URL with its query (JS commands, uploads, SSE) and the
 * source modules they are built from (for debugging). Served with an ETag; a request carrying
 * the current version (`?v=…`, as `{% djust_scripts %}` writes it, a hash of every built file)
 * may be cached for good.
 */
export class ClientAssets {
  readonly #files = new Map<string, Asset>();
  readonly #version: string;

  constructor(dir: string = PUBLIC_DIR) {
    for (const name of readdirSync(dir)) {
      if (name.endsWith('.js')) this.#files.set(name, asset(path.join(dir, name)));
    }
    const hash = createHash('sha1');
    for (const name of BUILT) {
      const file = path.join(dir, 'build', name);
      if (!existsSync(file)) {
        throw new DjustError('DJUST_ERR_CLIENT_MISSING', `djust-lite: the client file ${file} is missing; run \`npm run build:client\`.`);
      }
      this.#files.set(name, asset(file));
      hash.update((this.#files.get(name) as Asset).body);
    }
    this.#version = hash.digest('base64url').slice(0, 8);
  }

  /** The version of the built files (the bundle and the modules it loads on demand), for cache-busting URLs. */
  get version(): string {
    return this.#version;
  }

  /** Serves `name` if it is a client file; returns false otherwise. */
  serve(name: string, req: IncomingMessage, res: ServerResponse): boolean {
    const file = this.#files.get(name);
    if (!file) return false;
    const versioned = BUILT.includes(name) && (req.url ?? '').endsWith(`?v=${this.version}`);
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
