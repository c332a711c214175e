import { chromiumVersion, findChromium } from './chromium';

/**
 * globalSetup of the `e2e` jest project: finds Chromium or fails the run with the install
 * command (never skips). The path found is handed to the test files through CHROMIUM_PATH.
 */
export default function globalSetup(): void {
  const executablePath = findChromium();
  chromiumVersion(executablePath);
  process.env.CHROMIUM_PATH = executablePath;
}
