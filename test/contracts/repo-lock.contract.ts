import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type CoordinationSubject,
  LONG_MS,
  type MakeCoordinationSubject,
  PAST_SHORT_MS,
  repoName,
  SHORT_MS,
} from './support.js';

/**
 * The RepoLock contract: owner-checked acquire/renew/release, expiry by TTL, holder(). Runs unchanged
 * against the memory adapter and Redis.
 */
export function describeRepoLockContract(name: string, makeSubject: MakeCoordinationSubject): void {
  describe(`RepoLock contract: ${name}`, () => {
    let s: CoordinationSubject;
    beforeEach(async () => {
      s = await makeSubject();
    });
    afterEach(async () => {
      await s.cleanup();
    });

    it('acquire is exclusive; the owner may re-acquire', async () => {
      const repo = repoName();
      expect(await s.lock.holder(repo)).toBeNull();
      expect(await s.lock.acquire(repo, 'a', LONG_MS)).toBe(true);
      expect(await s.lock.acquire(repo, 'b', LONG_MS)).toBe(false);
      expect(await s.lock.acquire(repo, 'a', LONG_MS)).toBe(true);
      expect(await s.lock.holder(repo)).toBe('a');
      expect(await s.lock.holder(repoName())).toBeNull();
    });

    it('exactly one of many concurrent acquirers wins', async () => {
      const repo = repoName();
      const owners = Array.from({ length: 10 }, (_, i) => `o${i}`);
      const wins = await Promise.all(owners.map((o) => s.lock.acquire(repo, o, LONG_MS)));
      expect(wins.filter(Boolean)).toHaveLength(1);
      expect(await s.lock.holder(repo)).toBe(owners[wins.indexOf(true)]);
    });

    it('renew and release are owner-checked', async () => {
      const repo = repoName();
      await s.lock.acquire(repo, 'a', LONG_MS);
      expect(await s.lock.renew(repo, 'b', LONG_MS)).toBe(false);
      expect(await s.lock.release(repo, 'b')).toBe(false);
      expect(await s.lock.holder(repo)).toBe('a');
      expect(await s.lock.renew(repo, 'a', LONG_MS)).toBe(true);
      expect(await s.lock.release(repo, 'a')).toBe(true);
      expect(await s.lock.holder(repo)).toBeNull();
      expect(await s.lock.release(repo, 'a')).toBe(false);
      expect(await s.lock.renew(repo, 'a', LONG_MS)).toBe(false);
      expect(await s.lock.acquire(repo, 'b', LONG_MS)).toBe(true);
    });

    it('a lock expires after its TTL and can then be taken by another owner', async () => {
      const repo = repoName();
      expect(await s.lock.acquire(repo, 'a', SHORT_MS)).toBe(true);
      await s.advance(PAST_SHORT_MS);
      expect(await s.lock.holder(repo)).toBeNull();
      expect(await s.lock.renew(repo, 'a', LONG_MS)).toBe(false);
      expect(await s.lock.acquire(repo, 'b', LONG_MS)).toBe(true);
      expect(await s.lock.release(repo, 'a')).toBe(false);
      expect(await s.lock.holder(repo)).toBe('b');
    });

    it('renew extends the lock from now', async () => {
      const repo = repoName();
      await s.lock.acquire(repo, 'a', 300);
      await s.advance(200);
      expect(await s.lock.renew(repo, 'a', 300)).toBe(true);
      await s.advance(200);
      expect(await s.lock.holder(repo)).toBe('a');
      expect(await s.lock.acquire(repo, 'b', LONG_MS)).toBe(false);
    });
  });
}
