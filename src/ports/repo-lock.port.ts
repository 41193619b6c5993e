import type { RepoName } from '../domain/ids.js';

/**
 * The per-repo mutual exclusion lock. At most one owner holds a repo's lock at a time; the lock
 * expires on its own `ttlMs` after its last acquire/renew, so it never sticks when every holder died.
 * A task's lock owner is its task id. The TaskStore takes and releases the same lock atomically with
 * task state, so both ports of one technology share one backing store.
 */
export interface RepoLock {
  /**
   * Takes the lock for `owner` if it is free or expired. Atomic. Re-acquiring by the current owner
   * succeeds and extends it. Returns whether `owner` now holds it.
   */
  acquire(repo: RepoName, owner: string, ttlMs: number): Promise<boolean>;
  /** Extends the lock to `ttlMs` from now only if `owner` holds it (compare-and-set). Returns whether it did. */
  renew(repo: RepoName, owner: string, ttlMs: number): Promise<boolean>;
  /** Frees the lock only if `owner` holds it (compare-and-set). Returns whether it did. */
  release(repo: RepoName, owner: string): Promise<boolean>;
  /** The current unexpired owner, or null. */
  holder(repo: RepoName): Promise<string | null>;
}
