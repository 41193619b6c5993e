import { type AwilixContainer, asValue, createContainer, InjectionMode } from 'awilix';
import { DriftdError } from '../../domain/errors.js';
import type { DriftdConfig } from '../config/types.js';
import type { Cradle } from './cradle.js';
import { localResolvers } from './local-resolvers.js';
import { workerOutboxResolvers } from './outbox-resolvers.js';
import { redisResolvers } from './redis-resolvers.js';
import { coreResolvers, type Resolvers } from './resolvers.js';

export interface WorkerContainerOptions {
  readonly config: DriftdConfig;
  readonly overrides?: Resolvers;
}

export const WORKER_NEEDS_REDIS =
  'worker needs a redis: section; without it, driftd serve runs workers in-process';

/**
 * The `driftd worker` process: core + redis + local (git, tools, terraform). Results go to the Redis
 * outbox that serve drains, so workers need no shared disk. Throws `DRIFTD_CONFIG_INVALID` without
 * `redis:`. Nothing starts on creation: start `workerPool` (and the `reaper` for lease recovery).
 */
export function createWorkerContainer(options: WorkerContainerOptions): AwilixContainer<Cradle> {
  const { config, overrides = {} } = options;
  if (!config.redis)
    throw new DriftdError('DRIFTD_CONFIG_INVALID', `${config.source}: ${WORKER_NEEDS_REDIS}`);
  const container = createContainer<Cradle>({ injectionMode: InjectionMode.PROXY, strict: true });
  container.register({
    ...coreResolvers(config),
    mode: asValue('worker'),
    ...redisResolvers(config, 'worker'),
    ...localResolvers(config),
    ...workerOutboxResolvers(config.redis),
    ...overrides,
  });
  return container;
}
