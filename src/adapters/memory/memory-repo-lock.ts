import type { RepoName } from '../../domain/ids.js';
import type { RepoLock } from '../../ports/repo-lock.port.js';
import type { CoordinationState } from './coordination-state.js';

/**
 * The repo lock of embedded mode, over the same state as MemoryTaskStore (which takes and frees it
 * atomically with task state). Expiry is judged by the shared Clock; acquire/renew/release are
 * compare-and-set on the owner.
 */
export class MemoryRepoLock implements RepoLock {
  constructor(private readonly state: CoordinationState) {}

  async acquire(repo: RepoName, owner: string, ttlMs: number): Promise<boolean> {
    return this.state.acquireLock(repo, owner, ttlMs);
  }

  async renew(repo: RepoName, owner: string, ttlMs: number): Promise<boolean> {
    return this.state.renewLock(repo, owner, ttlMs);
  }

  async release(repo: RepoName, owner: string): Promise<boolean> {
    return this.state.releaseLock(repo, owner);
  }

  async holder(repo: RepoName): Promise<string | null> {
    return this.state.lockHolder(repo);
  }
}
