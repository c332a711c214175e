import path from 'node:path';
import { eventHandler, LiveView, type MountContext } from '../../lib';

export const DEPLOY_VIEWS = path.join(__dirname, 'views');

/**
 * A store served at `/store` and `/store/:id` wherever it is mounted: the title and meta follow
 * the item, `click` counts, `forward` moves on by pushPatch (a URL under the mount path, built
 * from `ctx.baseUrl`), `outside` pushPatches to a root URL that is not under it.
 */
export class StoreView extends LiveView {
  static template = 'store.njk';
  item = 'none';
  url = '';
  base = '';
  next = 1;
  clicks = 0;
  user = '';
  /** What each mount saw, for the tests. */
  static mounts: MountContext[] = [];

  mount(ctx: MountContext) {
    StoreView.mounts.push(ctx);
    this.base = ctx.baseUrl;
    this.user = typeof ctx.locals.user === 'string' ? ctx.locals.user : '';
  }

  handleParams(params: Record<string, string>, url: string) {
    this.item = params.id ?? 'none';
    this.url = url;
    this.next = Number(params.id ?? 0) + 1;
    this.pageTitle = `Item ${this.item}`;
    this.pageMeta = { description: `About item ${this.item}` };
  }

  @eventHandler() click() {
    this.clicks += 1;
    this.pageTitle = `Item ${this.item} (${this.clicks})`;
    this.pageMeta = { description: `Clicked ${this.clicks}` };
  }

  @eventHandler() forward() {
    this.pushPatch(`${this.base}/store/${this.next}?from=${this.item}`);
  }

  @eventHandler() outside() {
    this.pushPatch(`/store/${this.next}`);
  }
}
