import { execFileSync } from 'node:child_process';
import path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');

/**
 * In a fresh node (TypeScript through ts-node), requires the main entry, then djust-lite/redis,
 * and lists the redis modules in `require.cache` after each.
 */
function redisModulesLoaded(): { main: string[]; redis: string[] } {
  const script = `
    require('ts-node').register({ transpileOnly: true });
    const loaded = () => Object.keys(require.cache).filter((f) => /[\\\\/]node_modules[\\\\/](redis|@redis)[\\\\/]/.test(f));
    require('./lib');
    const main = loaded();
    require('./lib/redis');
    process.stdout.write(JSON.stringify({ main, redis: loaded() }));
  `;
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 50_000 })) as { main: string[]; redis: string[] };
}

describe('djust-lite/redis', () => {
  it('is never loaded by the main entry (an app without Redis needs no redis package); djust-lite/redis loads it', () => {
    const { main, redis } = redisModulesLoaded();
    expect(main).toEqual([]);
    expect(redis.length).toBeGreaterThan(0);
  }, 60_000);
});
