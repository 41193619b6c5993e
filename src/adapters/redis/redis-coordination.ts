import type { RedisCoordinationOptions } from './redis-context.js';
import { RedisJobQueue } from './redis-job-queue.js';
import { RedisRepoLock } from './redis-repo-lock.js';
import { RedisTaskStore } from './redis-task-store.js';

export interface RedisCoordination {
  readonly tasks: RedisTaskStore;
  readonly queue: RedisJobQueue;
  readonly lock: RedisRepoLock;
  /** Closes the connections the adapters opened themselves (not the shared client). */
  close(): Promise<void>;
}

/** The task store, job queue and repo lock of serve/worker processes, over one client and key space. */
export function createRedisCoordination(options: RedisCoordinationOptions): RedisCoordination {
  const queue = new RedisJobQueue(options);
  return {
    tasks: new RedisTaskStore(options),
    queue,
    lock: new RedisRepoLock(options),
    close: () => queue.close(),
  };
}
