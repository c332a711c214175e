import { readFile } from 'node:fs/promises';
import type express from 'express';
import { eventHandler, LiveView, type MountContext } from '../lib';

/** A stored picture: kept in memory (a demo; an app would move the file to its storage). */
interface Picture {
  id: string;
  name: string;
  type: string;
  bytes: Buffer;
}

/** Pictures by id, served at `/demo-uploads/:id`; the oldest go past 50. */
const pictures = new Map<string, Picture>();
let nextId = 1;

function keep(name: string, type: string, bytes: Buffer): string {
  const id = String(nextId++);
  pictures.set(id, { id, name, type, bytes });
  if (pictures.size > 50) pictures.delete(pictures.keys().next().value as string);
  return id;
}

/**
 * Uploads: an avatar (one image, sent as soon as it is picked) and a gallery (up to six images,
 * drag and drop, previews before sending, progress, cancel, sent on submit). docs/uploads.md.
 */
export class UploadsView extends LiveView {
  static template = 'uploads.njk';
  avatar: string | null = null;
  gallery: { id: string; name: string }[] = [];

  mount(_ctx: MountContext) {
    this.pageTitle = 'Uploads';
    this.allowUpload('avatar', {
      accept: ['.png', '.jpg', '.jpeg', '.gif', '.webp'], maxEntries: 1, maxFileSize: 2_000_000, autoUpload: true,
      // Sent as soon as it is picked; once stored it becomes the avatar.
      progress: () => this.takeAvatar(),
    });
    this.allowUpload('photos', { accept: ['image/*'], maxEntries: 6, maxFileSize: 8_000_000 });
  }

  /** The avatar form's dj-change (its errors show from `uploads.avatar`). */
  @eventHandler()
  validateAvatar() {}

  async takeAvatar() {
    const [id] = await this.consumeUploadedEntries('avatar', async ({ path }, entry) => keep(entry.name, entry.type, await readFile(path)));
    if (id) this.avatar = id;
  }

  @eventHandler()
  validatePhotos() {}

  @eventHandler()
  cancel({ name, ref }: { name?: unknown; ref?: unknown }) {
    return this.cancelUpload(name === 'avatar' ? 'avatar' : 'photos', String(ref));
  }

  @eventHandler()
  async save() {
    const stored = await this.consumeUploadedEntries('photos', async ({ path }, entry) => ({ id: keep(entry.name, entry.type, await readFile(path)), name: entry.name }));
    this.gallery = [...this.gallery, ...stored];
    if (stored.length > 0) this.putFlash('info', `${stored.length} picture${stored.length === 1 ? '' : 's'} added`);
  }
}

/** Serves the pictures the demo stored. */
export function servePictures(app: express.Express): void {
  app.get('/demo-uploads/:id', (req, res) => {
    const picture = pictures.get(req.params.id ?? '');
    if (!picture) return void res.status(404).end();
    res.type(picture.type || 'application/octet-stream').setHeader('X-Content-Type-Options', 'nosniff');
    res.send(picture.bytes);
  });
}
