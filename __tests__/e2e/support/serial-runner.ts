import TestRunner from 'jest-runner';

/**
 * The default jest runner, but serial: the e2e files run one after another in the main
 * process, so a headless Chromium, the demo server and jest never compete for the 2 cores
 * with a second e2e file (`maxWorkers` is a global option and cannot be set per project).
 */
export default class SerialRunner extends TestRunner {
  override readonly isSerial = true;
}
