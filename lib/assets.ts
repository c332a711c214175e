import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import type { ServerResponse, IncomingMessage } from 'node:http';
import path from 'node:path';

/** Folder of the browser client modules. */
export const PUBLIC_DIR = path.resolve(__dirname, '..', 'public');

interface Asset {
  body: Buffer;
  etag: string;
}

/**
 * The browser client, read once into memory and served with an ETag (revalidated on each
 * load, so a deploy never leaves a browser on an old client).
 */
export class ClientAssets {
  readonly #files = new Map<string, Asset>();

  constructor(dir: string = PUBLIC_DIR) {
    for (const name of readdirSync(dir)) {
      if (!name.endsWith('.js')) continue;
      const body = readFileSync(path.join(dir, name));
      this.#files.set(name, { body, etag: `"${createHash('sha1').update(body).digest('base64url').slice(0, 16)}"` });
    }
  }

  /** Module file names, entry module first. */
  get names(): string[] {
    return [...this.#files.keys()].sort((a, b) => (a === 'client.js' ? -1 : b === 'client.js' ? 1 : a.localeCompare(b)));
  }

  /** Serves `name` if it is a client module; returns false otherwise. */
  serve(name: string, req: IncomingMessage, res: ServerResponse): boolean {
    const asset = this.#files.get(name);
    if (!asset) return false;
    res.setHeader('Content-Type', 'text/javascript; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache');
    res.setHeader('ETag', asset.etag);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    if (req.headers['if-none-match'] === asset.etag) {
      res.statusCode = 304;
      res.end();
    } else {
      res.setHeader('Content-Length', asset.body.length);
      res.end(req.method === 'HEAD' ? undefined : asset.body);
    }
    return true;
  }
}
