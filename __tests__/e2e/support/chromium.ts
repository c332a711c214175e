import { execFileSync } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';

/** The one command that makes the end-to-end suite runnable on Debian/Ubuntu. */
export const INSTALL_COMMAND = 'apt-get install -y chromium';

/** Where Debian's `chromium` package puts the browser. */
export const DEFAULT_CHROMIUM = '/usr/bin/chromium';

function executable(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && executable(path.join(dir, name))) return path.join(dir, name);
  }
  return null;
}

/** Thrown when no usable Chromium is found; its message says exactly how to fix it. */
export class ChromiumMissingError extends Error {
  override name = 'ChromiumMissingError';
}

function missing(why: string): ChromiumMissingError {
  return new ChromiumMissingError(
    `The end-to-end tests drive Debian's Chromium and ${why}.\n` +
      `  Install it:        ${INSTALL_COMMAND}   (as root; run "apt-get update" first on a fresh machine)\n` +
      '  or point to one:   CHROMIUM_PATH=/path/to/chromium npm test\n' +
      '  unit tests only:   npx jest --selectProjects unit\n' +
      'Playwright never downloads a browser here (only playwright-core is installed).',
  );
}

/**
 * The Chromium to launch: `CHROMIUM_PATH` if set (it must be an executable file), else
 * `/usr/bin/chromium`, else `chromium` on PATH. Throws ChromiumMissingError otherwise.
 */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env.CHROMIUM_PATH;
  if (configured) {
    if (!executable(configured)) throw missing(`CHROMIUM_PATH=${configured} is not an executable file`);
    return configured;
  }
  if (executable(DEFAULT_CHROMIUM)) return DEFAULT_CHROMIUM;
  const found = onPath('chromium');
  if (found) return found;
  throw missing(`could not find it (looked at CHROMIUM_PATH, ${DEFAULT_CHROMIUM} and "chromium" on PATH)`);
}

/** Runs `chromium --version` so a broken install fails here, once, with a clear message. */
export function chromiumVersion(executablePath: string): string {
  try {
    return execFileSync(executablePath, ['--version'], { encoding: 'utf8', timeout: 15000, stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch (err) {
    throw missing(`${executablePath} does not run (${(err as Error).message.split('\n', 1)[0]})`);
  }
}
