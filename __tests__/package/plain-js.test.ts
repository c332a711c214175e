import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { builtPackage, consumerProject, removeProject } from '../helpers/built-package';

const run = promisify(execFile);
const FIXTURES = path.join(__dirname, '..', 'fixtures', 'plain-js');

/**
 * Plain JavaScript, no build step: `.cjs` and `.mjs` files run by node against the built
 * package, exposing handlers with `static events` (docs/javascript.md), driven by liveTest.
 */
describe('Plain JavaScript', () => {
  let dir: string;
  beforeAll(() => {
    dir = consumerProject(builtPackage(), {
      'counter.cjs': fs.readFileSync(path.join(FIXTURES, 'counter.cjs'), 'utf8'),
      'counter.mjs': fs.readFileSync(path.join(FIXTURES, 'counter.mjs'), 'utf8'),
      'views/counter.njk': fs.readFileSync(path.join(FIXTURES, 'views', 'counter.njk'), 'utf8'),
    });
  }, 120_000);
  afterAll(() => removeProject(dir));

  for (const file of ['counter.cjs', 'counter.mjs']) {
    it(`runs ${file}: static events handlers answer, lifecycle names are refused`, async () => {
      const { stdout } = await run(process.execPath, [file], { cwd: dir, timeout: 20_000 });
      expect(JSON.parse(stdout)).toEqual({
        refused: 'DJUST_ERR_INVALID_ARG: Refused.events cannot expose "mount": it is a lifecycle or built-in name; name the handler\'s method and event otherwise (e.g. "mountClicked").',
        afterInc: 'Count 2',
        afterReset: ['Count 2', 'Reset', true],
        helper: 'unknown_event',
      });
    }, 30_000);
  }
});
