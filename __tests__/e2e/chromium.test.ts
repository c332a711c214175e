import { ChromiumMissingError, findChromium, INSTALL_COMMAND } from './support/chromium';

describe('findChromium', () => {
  test('a CHROMIUM_PATH that is not an executable fails with the install command, never a skip', () => {
    expect(() => findChromium({ CHROMIUM_PATH: '/nonexistent/chromium' })).toThrow(ChromiumMissingError);
    expect(() => findChromium({ CHROMIUM_PATH: '/nonexistent/chromium' })).toThrow(INSTALL_COMMAND);
    expect(INSTALL_COMMAND).toBe('apt-get install -y chromium');
  });

  test('CHROMIUM_PATH wins when it is an executable', () => {
    expect(findChromium({ CHROMIUM_PATH: process.execPath })).toBe(process.execPath);
  });
});
