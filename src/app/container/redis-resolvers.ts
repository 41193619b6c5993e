import { DriftdError } from '../../domain/errors.js';
import type { DriftdConfig } from '../config/types.js';
import type { Resolvers } from './resolvers.js';

/**
 * Shared coordination over Redis: `taskStore`, `jobQueue`, `repoLock`, `eventBus` (capped stream) and
 * `healthPing`, all on one ioredis client with a disposer. Filled in by the integrator once the Redis
 * adapters land; until then a config with `redis:` cannot be composed.
 */
export function redisResolvers(config: DriftdConfig): Resolvers {
  throw new DriftdError(
    'DRIFTD_CONFIG_INVALID',
    `${config.source}: redis coordination is not wired into this build yet (remove "redis:" for embedded mode)`,
  );
}
