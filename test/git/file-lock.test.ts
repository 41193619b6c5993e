import { mkdtemp, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { withFileLock } from '../../src/adapters/git/file-lock.js';
import { isDriftdError } from '../../src/domain/errors.js';

describe('withFileLock', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'driftd-lock-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('runs holders one at a time and removes the file afterwards', async () => {
    const path = join(dir, 'locks', 'r.lock');
    let inside = 0;
    let maxInside = 0;
    const hold = () =>
      withFileLock(
        path,
        async () => {
          inside += 1;
          maxInside = Math.max(maxInside, inside);
          await sleep(20);
          inside -= 1;
        },
        { pollMs: 5 },
      );
    await Promise.all([hold(), hold(), hold()]);
    expect(maxInside).toBe(1);
    await expect(stat(path)).rejects.toThrow();
  });

  it('takes over a lock whose holder is dead or that was not refreshed', async () => {
    const path = join(dir, 'dead.lock');
    // A pid that cannot be alive: above the kernel's pid_max.
    await writeFile(path, JSON.stringify({ token: 't', pid: 2 ** 30, host: hostname() }));
    expect(await withFileLock(path, async () => 'ran', { pollMs: 5, timeoutMs: 2000 })).toBe('ran');

    const old = join(dir, 'old.lock');
    await writeFile(old, JSON.stringify({ token: 't', pid: process.pid, host: 'other-host' }));
    const past = new Date(Date.now() - 120_000);
    await utimes(old, past, past);
    expect(await withFileLock(old, async () => 'ran', { staleMs: 60_000, pollMs: 5, timeoutMs: 2000 })).toBe(
      'ran',
    );
  });

  it('waits for a live holder, keeps its lock fresh, and times out clearly', async () => {
    const path = join(dir, 'live.lock');
    const holding = withFileLock(path, () => sleep(300), { staleMs: 90 });
    await sleep(20);
    const owner = await readFile(path, 'utf8');
    const err = await withFileLock(path, async () => 'never', {
      staleMs: 90,
      pollMs: 10,
      timeoutMs: 150,
    }).catch((e: unknown) => e);
    expect(isDriftdError(err, 'DRIFTD_REPO_FETCH_FAILED')).toBe(true);
    expect((err as Error).message).toMatch(/timed out waiting for the lock/);
    expect(await readFile(path, 'utf8')).toBe(owner);
    await holding;
  });
});
