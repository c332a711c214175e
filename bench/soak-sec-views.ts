/**
 * What bench/soak-server.ts adds for the scenarios of issue 23 (bench/soak-sec.ts):
 * - `/typed`: TypedView, whose `pick` handler has a params schema refusing any `ids` list
 *   longer than 10 (the typed-params flood sends 10,000);
 * - `/nav/a`, `/nav/b`: two views of one live session, so a client can bounce between them
 *   live (the token refresh by navigation);
 * - with SOAK_REDIS_URL set, the Redis adapter as option `pubsub` (SSE routing across two
 *   processes), and its stats and process channel in `/soak/stats`.
 */
import { eventHandler, LiveView, type DjustLite, type StandardSchemaV1 } from '../lib';
import { redisPubSub, type RedisPubSub } from '../lib/redis';

export const SEC_TEMPLATES: Record<string, string> = {
  'typed.njk': '<!doctype html><html><head>{% djust_head %}</head><body><main dj-root><p>{{ picked }}</p></main>{% djust_scripts %}</body></html>',
  'nav.njk': '<!doctype html><html><head>{% djust_head %}</head><body><main dj-root><p>{{ name }}</p></main>{% djust_scripts %}</body></html>',
};

/** `{ ids: number[] }`, at most 10: one issue per id that is not a number, and one for the length (as a zod array would report). */
const Ids: StandardSchemaV1<unknown, { ids: number[] }> = {
  '~standard': {
    version: 1,
    vendor: 'soak',
    validate(value: unknown) {
      const ids = (value as { ids?: unknown }).ids;
      if (!Array.isArray(ids)) return { issues: [{ message: 'Expected array', path: ['ids'] }] };
      const issues: StandardSchemaV1.Issue[] = [];
      for (let i = 0; i < ids.length; i += 1) if (typeof ids[i] !== 'number') issues.push({ message: 'Expected number', path: ['ids', i] });
      if (ids.length > 10) issues.push({ message: 'At most 10', path: ['ids'] });
      return issues.length > 0 ? { issues } : { value: { ids: ids as number[] } };
    },
  },
};

class TypedView extends LiveView {
  static override template = 'typed.njk';
  picked = 0;

  @eventHandler({ params: Ids })
  pick({ ids }: { ids: number[] }): void {
    this.picked = ids.length;
  }
}

class NavA extends LiveView {
  static override template = 'nav.njk';
  name = 'a';
}

class NavB extends LiveView {
  static override template = 'nav.njk';
  name = 'b';
}

export function registerSecRoutes(live: DjustLite): void {
  live.route('/typed', TypedView);
  live.route('/nav/a', NavA, { liveSession: 'soak-nav' });
  live.route('/nav/b', NavB, { liveSession: 'soak-nav' });
}

/** The Redis adapter when SOAK_REDIS_URL is set, else undefined (in-process pub/sub). */
export function secPubsub(): RedisPubSub | undefined {
  const url = process.env.SOAK_REDIS_URL;
  return url ? redisPubSub({ url, logger: { debug() {}, info() {}, warn() {}, error() {} } }) : undefined;
}

/** What `/soak/stats` adds: the adapter's stats and this process's SSE routing channel. */
export function secStats(pubsub: RedisPubSub | undefined): Record<string, unknown> {
  return pubsub ? { redis: pubsub.stats, channel: pubsub.streams.channel } : {};
}
