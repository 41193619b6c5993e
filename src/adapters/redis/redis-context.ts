import type { Redis } from 'ioredis';
import { JOB_RETENTION_MS } from '../../domain/lock-policy.js';
import type { Logger } from '../../ports/logger.port.js';
import { DEFAULT_EVENT_CAPACITY, makeKeys, type RedisKeys } from './keys.js';
import { loadScripts } from './load-scripts.js';

export interface RedisCoordinationOptions {
  /** A client from `createRedisClient` (or any ioredis client: the scripts are defined on it). */
  readonly redis: Redis;
  /** Key prefix, default `driftd:`. */
  readonly prefix?: string;
  /** How long ended tasks and their jobs are kept (default 7 days, `JOB_RETENTION_MS`). */
  readonly retentionMs?: number;
  /** How many recent task ids each repo's index keeps (default 500); older ones drop off the lists. */
  readonly tasksPerRepo?: number;
  /**
   * The event stream's capacity (default 10,000, as RedisEventBus): claim and complete append their events
   * to the stream in the same script, trimmed like the bus trims.
   */
  readonly eventCapacity?: number;
  readonly logger?: Logger;
}

/** What the Redis task store, job queue and repo lock share: one client, one key space, one retention. */
export interface RedisContext {
  readonly redis: Redis;
  readonly keys: RedisKeys;
  readonly retentionMs: number;
  readonly tasksPerRepo: number;
  readonly eventCapacity: number;
  readonly logger?: Logger;
}

export function redisContext(options: RedisCoordinationOptions): RedisContext {
  loadScripts(options.redis);
  return {
    redis: options.redis,
    keys: makeKeys(options.prefix),
    retentionMs: options.retentionMs ?? JOB_RETENTION_MS,
    tasksPerRepo: options.tasksPerRepo ?? 500,
    eventCapacity: Math.max(1, Math.floor(options.eventCapacity ?? DEFAULT_EVENT_CAPACITY)),
    ...(options.logger !== undefined && { logger: options.logger }),
  };
}
