import { eventHandler, LiveView, type MountContext } from '../lib';

/** One line of the live log; everything in it follows from its id, so a handler can rebuild it. */
export interface LogLine {
  id: number;
  level: 'info' | 'warn' | 'error';
  text: string;
  starred: boolean;
}

const LEVELS = ['info', 'info', 'warn', 'info', 'error'] as const;
const PATHS = ['/', '/chat', '/store?product=mug', '/inbox', '/api/orders', '/signup'];
/** The newest lines the page keeps; the server keeps none (docs/streams.md). */
export const LOG_LIMIT = 100;

export function logLine(id: number, starred = false): LogLine {
  const level = LEVELS[id % LEVELS.length] ?? 'info';
  const path = PATHS[(id * 7) % PATHS.length] ?? '/';
  const ms = (id * 37) % 400;
  return { id, level, text: `${level === 'error' ? 'GET failed' : 'GET'} ${path} in ${ms} ms`, starred };
}

/**
 * A live log built on a stream: a line arrives every `?every=` ms (default 1000), newest at the
 * top, the page keeps 100; lines can be starred (updated in place) or deleted, 50 added at
 * once, the log cleared (a reset). The view keeps a counter, not the lines.
 */
export class LogView extends LiveView {
  static template = 'log.njk';
  total = 0;
  paused = false;
  every = 1000;

  mount(ctx: MountContext) {
    this.pageTitle = 'Live log';
    const every = Number(ctx.query.every);
    if (Number.isInteger(every)) this.every = Math.min(Math.max(every, 50), 10_000);
    // re-populated on every mount (the HTTP render, a reconnect): the page's lines are not kept
    this.#add(20);
    if (ctx.connected) this.sendAfter('tick', this.every);
  }

  handleInfo(message: unknown) {
    if (message !== 'tick') return;
    if (!this.paused) this.#add(1);
    this.sendAfter('tick', this.every);
  }

  @eventHandler()
  burst() {
    this.#add(50);
  }

  @eventHandler()
  toggle() {
    this.paused = !this.paused;
  }

  @eventHandler()
  star(params: { id?: unknown }) {
    const id = Number(params.id);
    if (Number.isInteger(id) && id > 0 && id <= this.total) this.streamInsert('lines', logLine(id, true));
  }

  @eventHandler()
  remove(params: { id?: unknown }) {
    const id = Number(params.id);
    if (Number.isInteger(id)) this.streamDelete('lines', { id });
  }

  @eventHandler()
  clear() {
    this.stream('lines', [], { reset: true });
  }

  #add(count: number) {
    const lines: LogLine[] = [];
    for (let i = 0; i < count; i += 1) lines.push(logLine(this.total + i + 1));
    this.total += count;
    this.stream('lines', lines, { at: 0, limit: LOG_LIMIT });
  }
}
