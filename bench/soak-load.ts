/**
 * "Under load" for the soak: a second process burning one core (`for(;;){}` in a child node),
 * started for one scenario and killed after it, and bounded in time by itself too (it exits
 * after `maxMs` whatever happens, so a killed harness leaves nothing spinning).
 */
import { spawn } from 'node:child_process';
import os from 'node:os';

/** What the machine's load looked like around a run: 1-minute load average before and after. */
export interface LoadNote {
  burner: boolean;
  loadBefore: number;
  loadAfter: number;
}

/**
 * Runs `run` with a core burner beside it when `burn` is true (else as is), and notes the load
 * average around it. The burner is killed by its pid once `run` settles.
 */
export async function withLoad<T>(burn: boolean, maxMs: number, run: () => Promise<T>): Promise<{ result: T; load: LoadNote }> {
  const loadBefore = os.loadavg()[0] ?? 0;
  const child = burn
    ? spawn(process.execPath, ['-e', `const end = Date.now() + ${Math.ceil(maxMs)}; while (Date.now() < end) {}`], { stdio: 'ignore' })
    : null;
  try {
    if (child) await new Promise((resolve) => setTimeout(resolve, 300)); // let it get going
    const result = await run();
    return { result, load: { burner: child !== null, loadBefore, loadAfter: os.loadavg()[0] ?? 0 } };
  } finally {
    if (child && child.exitCode === null && child.pid !== undefined) {
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  }
}

export const loadText = (l: LoadNote): string => `${l.burner ? 'a core burner beside it' : 'no burner'}, load average ${l.loadBefore.toFixed(1)} → ${l.loadAfter.toFixed(1)}`;
