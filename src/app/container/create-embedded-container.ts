import { type AwilixContainer, asValue, createContainer, InjectionMode } from 'awilix';
import type { DriftdConfig } from '../config/types.js';
import type { Cradle } from './cradle.js';
import { localResolvers } from './local-resolvers.js';
import { redisResolvers } from './redis-resolvers.js';
import { coreResolvers, memoryResolvers, type Resolvers } from './resolvers.js';

export interface EmbeddedContainerOptions {
  /** The runtime config (already parsed and validated). */
  readonly config: DriftdConfig;
  /** Registrations that replace any default: a logger, a scripted PlanRunner, a fake RepoSource, a clock. */
  readonly overrides?: Resolvers;
}

/**
 * Everything in one process: core + in-memory coordination (or Redis when the config has `redis:`) +
 * local execution. Nothing starts on creation: call `workerPool.start()` and `reaper.start()`, and
 * `await disposeContainer(container)` to drain the workers, stop the timers and close connections in order.
 */
export function createEmbeddedContainer(options: EmbeddedContainerOptions): AwilixContainer<Cradle> {
  const { config, overrides = {} } = options;
  const container = createContainer<Cradle>({ injectionMode: InjectionMode.PROXY, strict: true });
  container.register({
    ...coreResolvers(config),
    mode: asValue('embedded'),
    ...(config.redis ? redisResolvers(config) : memoryResolvers()),
    ...localResolvers(config),
    ...overrides,
  });
  return container;
}
