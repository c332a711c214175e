import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { DjustError, invalidArgument } from '../core/errors';
import { UPLOAD_WINDOW, type JsonObject, type JsonValue } from '../contract/protocol';

/**
 * File uploads of one view, the LiveView way (docs/uploads.md): `allowUpload` declares a name,
 * the browser announces the files it picked (the `dj:upload` event, validated here before any
 * byte is stored), the connection's upload channel (lib/connection/upload-channel.ts) streams
 * their chunks to temp files, and `consumeUploadedEntries` hands each finished file over, then
 * deletes it. This module owns the state and the rules; it writes no file itself.
 */

/** The event the client sends when files are picked or dropped (`params: { name, entries }`); no handler can take it. */
export const UPLOAD_EVENT = 'dj:upload';
/** The event the client sends with an external upload's progress (`params: { name, ref, progress }`). */
export const UPLOAD_PROGRESS_EVENT = 'dj:upload-progress';

/** Where the browser sends an external entry: a presigned POST form (`fields` first, then `file`). */
export interface ExternalTarget {
  url: string;
  fields?: Record<string, string> | undefined;
}

/**
 * `allowUpload(name, options)`.
 *
 * @example
 * this.allowUpload('avatar', { accept: ['.png', 'image/jpeg'], maxEntries: 1, maxFileSize: 8_000_000 });
 */
export interface UploadOptions {
  /** Extensions (`.png`) and MIME types (`image/jpeg`, `image/*`) accepted, or `'any'`. Required. */
  accept: readonly string[] | 'any';
  /** Files at once. Default 1. */
  maxEntries?: number | undefined;
  /** Bytes per file. Default 8 000 000. */
  maxFileSize?: number | undefined;
  /** Start sending as soon as files are picked; else on the form's submit. Default false. */
  autoUpload?: boolean | undefined;
  /** Bytes per chunk. Default 256 000 (capped so a chunk fits the `maxUploadChunkBytes` option). */
  chunkSize?: number | undefined;
  /** The browser sends the entry straight to this URL (object storage) instead of to the server. */
  external?: ((entry: UploadEntry) => ExternalTarget | Promise<ExternalTarget>) | undefined;
  /**
   * Called (as a handler: what it changes is rendered) once each entry is done, as Phoenix's
   * `progress:` callback; the place to consume an `autoUpload` file.
   */
  progress?: ((name: string, entry: UploadEntry) => unknown) | undefined;
}

/** An entry's error codes, as Phoenix names them. */
export type UploadErrorCode = 'too_large' | 'not_accepted' | 'too_many_files' | 'external_failed';

const DEFAULTS = { maxEntries: 1, maxFileSize: 8_000_000, autoUpload: false, chunkSize: 256_000 } as const;
/** The most a chunk frame's header takes: length byte, 64-character id, ':', 15-digit offset. */
const FRAME_HEADER_MAX = 1 + 64 + 1 + 15;
const REF_RE = /^[A-Za-z0-9_-]{1,64}$/;
const NAME_RE = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;
/** Largest `maxFileSize` allowed (a sanity bound; files stream to disk). */
const MAX_FILE_SIZE = 2 ** 40;

/**
 * One file of an upload, as the template sees it (`uploads.avatar.entries`): what the browser
 * claimed (`name`, `size`, `type`), how far it is (`progress` 0–100, `done`), and whether it
 * passed the rules (`valid`, `errors`).
 */
export class UploadEntry {
  readonly ref: string;
  readonly name: string;
  readonly size: number;
  readonly type: string;
  progress = 0;
  done = false;
  valid = true;
  errors: UploadErrorCode[] = [];
  /** The upload channel's id for this entry's chunks (unguessable; empty for invalid entries). */
  readonly id: string;
  /** Where its bytes are (set by the upload channel once the first chunk lands). */
  path: string | null = null;
  /** Bytes stored so far. */
  bytes = 0;
  /** `external` uploads: where the browser sends it (the template may show `entry.meta`). */
  meta: ExternalTarget | null = null;
  /** Left the upload (consumed or cancelled): chunks for it are refused. */
  gone = false;
  /** Its `progress` callback ran for `done`. */
  notified = false;

  constructor(ref: string, name: string, size: number, type: string) {
    this.ref = ref;
    this.name = name;
    this.size = size;
    this.type = type;
    this.id = randomBytes(16).toString('base64url');
  }
}

/** One `allowUpload` name: its rules and entries; `uploads.<name>` in the template context. */
export class UploadConfig {
  readonly name: string;
  readonly ref: string;
  readonly accept: readonly string[] | 'any';
  readonly maxEntries: number;
  readonly maxFileSize: number;
  readonly autoUpload: boolean;
  readonly chunkSize: number;
  readonly external: UploadOptions['external'];
  readonly progress: UploadOptions['progress'];
  entries: UploadEntry[] = [];
  /** Errors of the upload as a whole (`too_many_files`). */
  errors: UploadErrorCode[] = [];

  constructor(name: string, options: UploadOptions) {
    const where = `allowUpload("${name}", options)`;
    const { accept, maxEntries = DEFAULTS.maxEntries, maxFileSize = DEFAULTS.maxFileSize, autoUpload = DEFAULTS.autoUpload, chunkSize = DEFAULTS.chunkSize, external } = options;
    if (accept !== 'any' && (!Array.isArray(accept) || accept.length === 0 || !accept.every((a) => typeof a === 'string' && /^(\.[\w.+-]+|[\w.+-]+\/(\*|[\w.+-]+))$/.test(a)))) {
      throw invalidArgument(where, 'accept', "'any' or a non-empty array of extensions ('.png') and MIME types ('image/jpeg', 'image/*')", accept);
    }
    if (!Number.isInteger(maxEntries) || maxEntries < 1 || maxEntries > 1000) throw invalidArgument(where, 'maxEntries', 'an integer from 1 to 1000', maxEntries);
    if (!Number.isInteger(maxFileSize) || maxFileSize < 1 || maxFileSize > MAX_FILE_SIZE) throw invalidArgument(where, 'maxFileSize', `an integer number of bytes from 1 to ${MAX_FILE_SIZE}`, maxFileSize);
    if (!Number.isInteger(chunkSize) || chunkSize < 1024 || chunkSize > 16 * 1024 * 1024) throw invalidArgument(where, 'chunkSize', 'an integer number of bytes from 1024 to 16 MiB', chunkSize);
    if (typeof autoUpload !== 'boolean') throw invalidArgument(where, 'autoUpload', 'true or false', autoUpload);
    if (external !== undefined && typeof external !== 'function') throw invalidArgument(where, 'external', 'a function (entry) => ({ url, fields })', external);
    if (options.progress !== undefined && typeof options.progress !== 'function') throw invalidArgument(where, 'progress', 'a function (name, entry) => …', options.progress);
    this.progress = options.progress;
    this.name = name;
    this.ref = `dj-upload-${name}`;
    this.accept = accept === 'any' ? 'any' : accept.map((a) => a.toLowerCase());
    this.maxEntries = maxEntries;
    this.maxFileSize = maxFileSize;
    this.autoUpload = autoUpload;
    this.chunkSize = chunkSize;
    this.external = external;
  }

  /** Whether a file of this name and MIME type passes `accept` (extension or MIME type, `image/*` wildcards). */
  accepts(fileName: string, type: string): boolean {
    if (this.accept === 'any') return true;
    const lower = fileName.toLowerCase();
    const mime = type.toLowerCase();
    const ext = lower.lastIndexOf('.') > 0 ? lower.slice(lower.lastIndexOf('.')) : '';
    return this.accept.some((a) => (a.startsWith('.') ? a === ext : a.endsWith('/*') ? mime.startsWith(a.slice(0, -1)) : a === mime));
  }
}

/** What the client announced for one file (`dj:upload` params), before it is trusted. */
interface Claimed {
  ref: string;
  name: string;
  size: number;
  type: string;
}

/** A client's announcement that breaks the protocol (forged refs, bad names): refused whole. */
function refuse(message: string): DjustError {
  return new DjustError('bad_params', `${UPLOAD_EVENT}: ${message}`);
}

function claimedOf(value: JsonValue | undefined): Claimed {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw refuse('each entry must be an object { ref, name, size, type }.');
  const { ref, name, size, type } = value;
  if (typeof ref !== 'string' || !REF_RE.test(ref)) throw refuse(`entry ref must be 1-64 characters of A-Z a-z 0-9 _ -, got ${JSON.stringify(ref)}.`);
  if (typeof name !== 'string' || name.length === 0 || name.length > 255 || /[/\\\0-\x1f]/.test(name) || name === '.' || name === '..') {
    throw refuse(`entry "${ref}": the file name must be 1-255 characters without "/", "\\" or control characters (a file name, not a path), got ${JSON.stringify(String(name).slice(0, 80))}.`);
  }
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) throw refuse(`entry "${ref}": size must be a whole number of bytes, got ${JSON.stringify(size)}.`);
  if (typeof type !== 'string' || type.length > 255) throw refuse(`entry "${ref}": type must be a MIME type string.`);
  return { ref, name, size, type };
}

/** What the client is told for each announced entry: where to send it, or why not. */
export interface EntryAnswer extends JsonObject {
  ref: string;
  valid: boolean;
  errors: UploadErrorCode[];
}

/**
 * A view's uploads: its `allowUpload` names and their entries. Held by the view's internals;
 * the template sees `uploads` (see `templateData`).
 */
export class ViewUploads {
  readonly configs = new Map<string, UploadConfig>();
  /** The largest frame the connection takes (option maxMessageBytes, set on connect): chunks are cut to fit it with their header. */
  frameLimit = Number.POSITIVE_INFINITY;
  /** Entry id → entry, for the upload channel. */
  readonly #byId = new Map<string, { config: UploadConfig; entry: UploadEntry }>();

  allow(name: string, options: UploadOptions): void {
    if (typeof name !== 'string' || !NAME_RE.test(name)) throw invalidArgument('allowUpload(name, options)', 'name', 'a name like "avatar" (a letter or "_", then letters, digits, "_" or "-")', name);
    if (typeof options !== 'object' || options === null) throw invalidArgument(`allowUpload("${name}", options)`, 'options', 'an object with at least { accept }', options);
    const previous = this.configs.get(name);
    if (previous) this.#drop(previous, previous.entries);
    this.configs.set(name, new UploadConfig(name, options));
  }

  config(name: string, method: string): UploadConfig {
    const config = this.configs.get(name);
    if (!config) throw new DjustError('DJUST_ERR_INVALID_ARG', `${method}("${name}"): no upload "${name}"; call this.allowUpload("${name}", { accept, … }) in mount first (known: ${[...this.configs.keys()].join(', ') || 'none'}).`);
    return config;
  }

  /** The chunk size the client is told: `chunkSize`, cut to fit a frame (frameLimit) with its header. */
  chunkOf(config: UploadConfig): number {
    return Math.min(config.chunkSize, this.frameLimit - FRAME_HEADER_MAX);
  }

  /** Bytes of one entry a client may have sent and not yet had answered (UPLOAD_WINDOW chunks); the channel refuses more. */
  windowOf(config: UploadConfig): number {
    return UPLOAD_WINDOW * this.chunkOf(config);
  }

  /** The entry behind a chunk's id, or null (unknown, forged, cancelled or consumed). */
  byId(id: string): { config: UploadConfig; entry: UploadEntry } | null {
    return this.#byId.get(id) ?? null;
  }

  /**
   * The `dj:upload` event: validates what the client announced (whatever it claims, each file
   * is checked against `accept`, `maxFileSize` and `maxEntries`) and answers, per entry, its
   * chunk id or its errors. A malformed announcement (forged refs, paths as names) throws `bad_params`.
   */
  async announce(params: JsonObject): Promise<JsonObject> {
    const { name, entries } = params;
    if (typeof name !== 'string') throw refuse('params need "name": the dj-upload name.');
    const config = this.configs.get(name);
    if (!config) throw refuse(`no upload "${name}" on this view (allowUpload was not called for it).`);
    if (!Array.isArray(entries) || entries.length === 0 || entries.length > 1000) throw refuse('params need "entries": a list of 1 to 1000 { ref, name, size, type }.');
    const claimed = entries.map(claimedOf);
    const refs = new Set(claimed.map((c) => c.ref));
    if (refs.size !== claimed.length || config.entries.some((e) => refs.has(e.ref))) throw refuse('entry refs must be new and unique on the page.');
    // One file at a time: a new pick replaces the entries not yet done (Phoenix does the same).
    if (config.maxEntries === 1) this.#drop(config, config.entries.filter((e) => !e.done));
    config.errors = [];
    const answers: EntryAnswer[] = [];
    let kept = config.entries.filter((e) => e.valid).length;
    for (const c of claimed) {
      const entry = new UploadEntry(c.ref, c.name, c.size, c.type);
      if (!config.accepts(c.name, c.type)) entry.errors.push('not_accepted');
      if (c.size > config.maxFileSize) entry.errors.push('too_large');
      if (entry.errors.length === 0 && kept >= config.maxEntries) {
        entry.errors.push('too_many_files');
        if (!config.errors.includes('too_many_files')) config.errors.push('too_many_files');
      }
      entry.valid = entry.errors.length === 0;
      config.entries.push(entry);
      const answer: EntryAnswer = { ref: entry.ref, valid: entry.valid, errors: [...entry.errors] };
      if (entry.valid) {
        kept += 1;
        this.#byId.set(entry.id, { config, entry });
        if (config.external) {
          const target = await config.external(entry);
          if (typeof target?.url !== 'string' || !/^https?:\/\//.test(target.url)) throw new DjustError('DJUST_ERR_INVALID_ARG', `allowUpload("${name}") external(entry) must return { url: 'https://…', fields? }, got ${JSON.stringify(target).slice(0, 120)}.`);
          entry.meta = { url: target.url, fields: { ...(target.fields ?? {}) } };
          answer.external = { url: target.url, fields: entry.meta.fields ?? {} };
        } else {
          answer.id = entry.id; // a zero-byte file too: its one empty chunk makes its (empty) file
        }
      }
      answers.push(answer);
    }
    return { name, autoUpload: config.autoUpload, chunkSize: this.chunkOf(config), window: this.windowOf(config), entries: answers };
  }

  /** `dj:upload-progress` for an external entry (the browser reports how far the storage took it). */
  externalProgress(params: JsonObject): void {
    const { name, ref, progress } = params;
    const config = typeof name === 'string' ? this.configs.get(name) : undefined;
    const entry = config?.entries.find((e) => e.ref === ref);
    if (!entry || !entry.meta || typeof progress !== 'number' || !(progress >= 0 && progress <= 100)) throw refuse('progress needs { name, ref, progress 0-100 } of an external entry.');
    if (entry.done) return undefined;
    entry.progress = Math.max(entry.progress, Math.floor(progress));
    entry.done = entry.progress === 100;
  }

  /** `cancelUpload(name, ref)`: the entry leaves the upload, its temp file deleted; later chunks for it are refused. */
  cancel(name: string, ref: string): Promise<void> {
    const config = this.config(name, 'cancelUpload');
    const entry = config.entries.find((e) => e.ref === ref);
    if (!entry) return Promise.resolve();
    return this.#drop(config, [entry]);
  }

  /**
   * `consumeUploadedEntries(name, fn)`: `fn({ path }, entry)` for each finished entry, in order;
   * each entry's file is deleted after its `fn` settles (or throws), and the entry leaves.
   */
  async consume<T>(name: string, fn: (meta: { path: string } & Partial<ExternalTarget>, entry: UploadEntry) => T | Promise<T>): Promise<T[]> {
    const config = this.config(name, 'consumeUploadedEntries');
    if (typeof fn !== 'function') throw invalidArgument(`consumeUploadedEntries("${name}", fn)`, 'fn', 'a function ({ path }, entry) => …', fn);
    const done = config.entries.filter((e) => e.done && e.valid);
    const results: T[] = [];
    try {
      for (const entry of done) {
        results.push(await fn({ path: entry.path ?? '', ...(entry.meta ?? {}) }, entry));
      }
    } finally {
      await this.#drop(config, done);
    }
    return results;
  }

  /** `uploadedEntries(name)`: finished entries and those still in flight. */
  entries(name: string): { completed: UploadEntry[]; inProgress: UploadEntry[] } {
    const config = this.config(name, 'uploadedEntries');
    return { completed: config.entries.filter((e) => e.valid && e.done), inProgress: config.entries.filter((e) => e.valid && !e.done) };
  }

  /** Runs the `progress` callbacks (with `view` as `this`) of entries done since the last call; in order, awaited. */
  async notify(view: object): Promise<void> {
    for (const config of this.configs.values()) {
      if (!config.progress) continue;
      for (const entry of config.entries) {
        if (!entry.done || entry.notified || entry.gone) continue;
        entry.notified = true;
        await config.progress.call(view, config.name, entry);
      }
    }
  }

  /** Whether a `progress` callback waits to run (so a render without one stays synchronous). */
  get pendingNotify(): boolean {
    for (const config of this.configs.values()) if (config.progress && config.entries.some((e) => e.done && !e.notified && !e.gone)) return true;
    return false;
  }

  /** Every entry leaves and every temp file is deleted (the view unmounts). */
  release(): Promise<void> {
    return Promise.all([...this.configs.values()].map((c) => this.#drop(c, c.entries))).then(() => undefined);
  }

  /** The template's `uploads`: name → `{ name, ref, entries, errors, accept, maxEntries, autoUpload }`. */
  templateData(): Record<string, UploadConfig> {
    const out: Record<string, UploadConfig> = {};
    for (const [name, config] of this.configs) out[name] = config;
    return out;
  }

  #drop(config: UploadConfig, entries: readonly UploadEntry[]): Promise<void> {
    const files: Promise<void>[] = [];
    const leaving = new Set(entries);
    for (const entry of leaving) {
      entry.gone = true;
      this.#byId.delete(entry.id);
      if (entry.path !== null) files.push(rm(entry.path, { force: true }));
    }
    config.entries = config.entries.filter((e) => !leaving.has(e));
    if (config.entries.filter((e) => e.valid).length <= config.maxEntries) config.errors = config.errors.filter((e) => e !== 'too_many_files');
    return Promise.all(files).then(() => undefined);
  }
}
