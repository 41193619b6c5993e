/**
 * Child process for the cross-process lock tests: `node --import tsx lock-worker.ts <lockPath>
 * <logFile> <rounds> <holdMs>`. Takes the lock <rounds> times, appending `enter <pid>` and
 * `exit <pid>` lines to <logFile> while holding it, and prints `held` each time it gets it.
 */
import { appendFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { withFileLock } from '../../../src/adapters/shared/file-lock.js';

const [lockPath, logFile, rounds, holdMs] = process.argv.slice(2);

for (let i = 0; i < Number(rounds); i += 1) {
  await withFileLock(lockPath!, { staleMs: 2_000, pollMs: 5 }, async () => {
    await appendFile(logFile!, `enter ${process.pid}\n`);
    process.stdout.write('held\n');
    await sleep(Number(holdMs));
    await appendFile(logFile!, `exit ${process.pid}\n`);
  });
}
