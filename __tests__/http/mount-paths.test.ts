/** MountPaths: the mount paths the middleware learned from req.baseUrl, and the URLs under them. */
import type { IncomingMessage } from 'node:http';
import { MAX_MOUNT_PATHS, MountPaths } from '../../lib/http/mount-paths';

const req = (url: string) => ({ url }) as IncomingMessage;

describe('MountPaths', () => {
  describe('baseOf', () => {
    it('finds the learned mount path directly followed by the prefix; the root always', () => {
      const mounts = new MountPaths('/djust', () => {});
      mounts.learn('/app');
      mounts.learn('/app/admin');
      expect(mounts.baseOf('/djust/ws')).toBe('');
      expect(mounts.baseOf('/app/djust/sse/abc/message')).toBe('/app');
      expect(mounts.baseOf('/app/admin/djust/ws?x')).toBe('/app/admin');
      expect(mounts.baseOf('/app/djustx/ws')).toBeNull();
      expect(mounts.baseOf('/other/djust/ws')).toBeNull();
      expect(mounts.baseOf('/app/store')).toBeNull();
    });

    it('remembers at most MAX_MOUNT_PATHS and says so once', () => {
      let told = 0;
      const mounts = new MountPaths('/djust', () => void (told += 1));
      for (let i = 0; i < MAX_MOUNT_PATHS + 5; i += 1) mounts.learn(`/t${i}`);
      expect(told).toBe(1);
      expect(mounts.baseOf(`/t${MAX_MOUNT_PATHS - 1}/djust/ws`)).toBe(`/t${MAX_MOUNT_PATHS - 1}`);
      expect(mounts.baseOf(`/t${MAX_MOUNT_PATHS}/djust/ws`)).toBeNull();
    });
  });

  describe('enter', () => {
    it('hands the request over seen from the mount path, and puts the URL back when declined', () => {
      const mounts = new MountPaths('/djust', () => {});
      mounts.learn('/app');
      const r = req('/app/djust/ws?x=1');
      const seen: string[] = [];
      expect(mounts.enter(r, (x) => (seen.push(x.url ?? ''), true), null)).toBe(true);
      expect(r.url).toBe('/djust/ws?x=1');
      const declined = req('/app/djust/other');
      expect(mounts.enter(declined, (x) => (seen.push(x.url ?? ''), false), null)).toBe(false);
      expect(declined.url).toBe('/app/djust/other');
      expect(seen).toEqual(['/djust/ws?x=1', '/djust/other']);
    });

    it('with a guess, takes any path ending in prefix + guess (a restarted server)', () => {
      const mounts = new MountPaths('/djust', () => {});
      const r = req('/shop/djust/ws');
      expect(mounts.enter(r, (x) => x.url === '/djust/ws', null, '/ws')).toBe(true);
      expect(mounts.enter(req('/shop/djust/ws'), () => true, null)).toBe(false);
      expect(mounts.enter(req('/shop/djust/sse'), () => true, null, '/ws')).toBe(false);
    });
  });
});
