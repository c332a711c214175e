import { eventHandler } from '../lib/view/decorators';
import { LiveView } from '../lib/view/live-view';

/**
 * The benchmark's counter, the same view LiveViewJS serves (liveviewjs/server.js): `inc`
 * changes the count and the title (the click→title scenario), `retitle` changes only the
 * title, `bump` only the count.
 */
export class CounterView extends LiveView {
  static override template = 'counter.njk';
  count = 0;
  label = 'clicks';
  titles = 0;

  override mount(): void {
    this.pageTitle = 'Counter 0';
  }

  @eventHandler()
  inc(): void {
    this.count += 1;
    this.pageTitle = `Counter ${this.count}`;
  }

  @eventHandler()
  retitle(): void {
    this.titles += 1;
    this.pageTitle = `Counter ${this.count} (${this.titles})`;
  }

  @eventHandler()
  bump(): void {
    this.count += 1;
  }
}
