/**
 * `djust-lite/redis`: the Redis adapter for the option `pubsub`, so that `live.broadcast` and
 * views' `subscribe` reach every process. Needs the `redis` package (an optional peer
 * dependency: `npm install redis`); `djust-lite` itself never loads it.
 *
 * @example
 * import { redisPubSub } from 'djust-lite/redis';
 * const pubsub = redisPubSub({ url: process.env.REDIS_URL });
 * await pubsub.ready;
 * app.use(djustLite({ pubsub }));
 */
export { redisPubSub, RedisPubSub, type RedisPubSubOptions, type RedisPubSubStats, type RedisClientLike } from './redis-pubsub';
