import path from 'node:path';
import { acquireFileLock, type FileLockOptions } from '../shared/file-lock.js';

/**
 * Serialises `init`s that share one provider plugin cache. Terraform documents the cache as "not
 * guaranteed to be concurrency safe" (terraform-contract.md §3.2): two inits installing the same
 * provider can leave a torn file behind. The lock (src/adapters/shared/file-lock.ts) queues the job
 * loops of one worker in order and excludes other workers sharing the cache volume; a lock whose
 * owner process is gone (same host) or whose heartbeat stopped for `staleMs` is broken, so a crashed
 * worker never blocks the others for long.
 */
export type CacheLockOptions = Pick<FileLockOptions, 'staleMs' | 'heartbeatMs' | 'pollMs'>;

const LOCK_NAME = '.driftd-init.lock';
const DEFAULTS: CacheLockOptions = { staleMs: 60_000, heartbeatMs: 5_000, pollMs: 100 };

/**
 * Runs `work` while holding the cache's init lock. Returns `{ acquired: false }` when `signal` aborted
 * before the lock was obtained (work not run).
 */
export async function withPluginCacheLock<T>(
  cacheDir: string,
  signal: AbortSignal,
  work: () => Promise<T>,
  options: CacheLockOptions = {},
): Promise<{ acquired: true; value: T } | { acquired: false }> {
  let lock: Awaited<ReturnType<typeof acquireFileLock>>;
  try {
    lock = await acquireFileLock(path.join(cacheDir, LOCK_NAME), { ...DEFAULTS, ...options }, signal);
  } catch (e) {
    if (signal.aborted) return { acquired: false };
    throw e;
  }
  try {
    return { acquired: true, value: await work() };
  } finally {
    await lock.release();
  }
}
