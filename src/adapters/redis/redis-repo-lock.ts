import type { RepoName } from '../../domain/ids.js';
import type { RepoLock } from '../../ports/repo-lock.port.js';
import { withRedis } from './create-redis-client.js';
import { type RedisContext, type RedisCoordinationOptions, redisContext } from './redis-context.js';

/**
 * The repo lock on Redis: a string key per repo holding the owner, with a PX expiry, so it never sticks
 * when every holder died. Acquire is `SET NX PX` (or an extension by the current owner); renew and release
 * are owner-checked scripts (compare-and-set). The TaskStore's scripts use the same key.
 */
export class RedisRepoLock implements RepoLock {
  private readonly ctx: RedisContext;

  constructor(options: RedisCoordinationOptions) {
    this.ctx = redisContext(options);
  }

  acquire(repo: RepoName, owner: string, ttlMs: number): Promise<boolean> {
    return withRedis('lock.acquire', async () => {
      return (await this.ctx.redis.driftd_acquireLock(this.ctx.keys.lock(repo), owner, ttlMs)) === 1;
    });
  }

  renew(repo: RepoName, owner: string, ttlMs: number): Promise<boolean> {
    return withRedis('lock.renew', async () => {
      return (await this.ctx.redis.driftd_renewLock(this.ctx.keys.lock(repo), owner, ttlMs)) === 1;
    });
  }

  release(repo: RepoName, owner: string): Promise<boolean> {
    return withRedis('lock.release', async () => {
      return (await this.ctx.redis.driftd_releaseLock(this.ctx.keys.lock(repo), owner)) === 1;
    });
  }

  holder(repo: RepoName): Promise<string | null> {
    return withRedis('lock.holder', () => this.ctx.redis.get(this.ctx.keys.lock(repo)));
  }
}
