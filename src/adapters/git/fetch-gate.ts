import { join } from 'node:path';
import { withFileLock } from '../shared/file-lock.js';

const MAX_REMEMBERED_KEYS = 512;

/**
 * Serialises fetches into one mirror: a lock file under `<cacheDir>/locks` per repo, which also
 * queues the fetches of this process in order (src/adapters/shared/file-lock.ts). Also remembers one
 * fetch per (repo, task) so concurrent jobs of a task share it.
 */
export class FetchGate {
  private readonly onceByKey = new Map<string, Promise<void>>();

  constructor(private readonly opts: { cacheDir: string; staleMs: number; timeoutMs: number }) {}

  /** Runs `fn` alone for `repoName` (in this process and across processes); errors pass through. */
  exclusive<T>(repoName: string, fn: () => Promise<T>): Promise<T> {
    const lockPath = join(this.opts.cacheDir, 'locks', `${repoName}.lock`);
    const { staleMs, timeoutMs } = this.opts;
    return withFileLock(lockPath, { staleMs, timeoutMs, timeoutCode: 'DRIFTD_REPO_FETCH_FAILED' }, fn);
  }

  /**
   * The first call for `key` runs `start`; later calls get the same promise. A failure is forgotten so
   * that a retried job can fetch again. Only the most recent keys are remembered.
   */
  once(key: string, start: () => Promise<void>): Promise<void> {
    const existing = this.onceByKey.get(key);
    if (existing) return existing;
    const pending = start();
    this.onceByKey.set(key, pending);
    pending.catch(() => this.onceByKey.delete(key));
    if (this.onceByKey.size > MAX_REMEMBERED_KEYS) {
      const oldest = this.onceByKey.keys().next().value;
      if (oldest !== undefined) this.onceByKey.delete(oldest);
    }
    return pending;
  }
}
