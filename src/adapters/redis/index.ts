export {
  createRedisClient,
  duplicateForBlocking,
  type RedisClientOptions,
  type RedisRole,
  reconnectDelay,
  toDriftdError,
  withRedis,
} from './create-redis-client.js';
export { DEFAULT_PREFIX, makeKeys, type RedisKeys } from './keys.js';
export { loadScripts, readScripts, SCRIPT_PREFIX } from './load-scripts.js';
export type { RedisContext, RedisCoordinationOptions } from './redis-context.js';
export { createRedisCoordination, type RedisCoordination } from './redis-coordination.js';
export { compareStreamIds, RedisEventBus, type RedisEventBusOptions } from './redis-event-bus.js';
export { checkRedisHealth, type RedisHealth } from './redis-health.js';
export { RedisJobQueue } from './redis-job-queue.js';
export { RedisRepoLock } from './redis-repo-lock.js';
export {
  type DrainOptions,
  drainResultOutbox,
  type OutboxEntry,
  RedisResultOutbox,
} from './redis-result-outbox.js';
export { RedisTaskStore } from './redis-task-store.js';
export { SCRIPT_CODES, type ScriptOutcome, scriptOutcome } from './script-errors.js';
