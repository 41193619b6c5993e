import { type AwilixContainer, asValue, createContainer, InjectionMode } from 'awilix';
import type { DriftdConfig } from '../config/types.js';
import type { Cradle } from './cradle.js';
import { createEmbeddedContainer } from './create-embedded-container.js';
import { cronResolvers } from './cron-resolvers.js';
import { type HttpResolverOptions, httpResolvers } from './http-resolvers.js';
import { localResolvers } from './local-resolvers.js';
import { serveOutboxResolvers } from './outbox-resolvers.js';
import { redisResolvers } from './redis-resolvers.js';
import { coreResolvers, type Resolvers } from './resolvers.js';

export interface ServeContainerOptions {
  readonly config: DriftdConfig;
  /** Registrations that replace any default (a pino logger, fakes in tests). */
  readonly overrides?: Resolvers;
  readonly http?: HttpResolverOptions;
}

/**
 * The `driftd serve` process. With `redis:` in the config: core + redis + http + cron, plus the outbox
 * pump (serve is the only writer of `data_dir`) and git (starting a task pins the branch head and
 * discovers stacks; tools and the plan runner are registered but never resolved, since workers run the
 * jobs). Without `redis:` it is the embedded root plus http + cron: memory coordination and an in-process
 * worker pool. Nothing starts on creation; `driftd serve` starts what its mode needs.
 */
export function createServeContainer(options: ServeContainerOptions): AwilixContainer<Cradle> {
  const { config, overrides = {} } = options;
  const delivery = { ...httpResolvers(options.http), ...cronResolvers() };
  if (!config.redis) return createEmbeddedContainer({ config, overrides: { ...delivery, ...overrides } });
  const container = createContainer<Cradle>({ injectionMode: InjectionMode.PROXY, strict: true });
  container.register({
    ...coreResolvers(config),
    mode: asValue('serve'),
    ...redisResolvers(config, 'serve'),
    ...localResolvers(config),
    ...serveOutboxResolvers(config.redis),
    ...delivery,
    ...overrides,
  });
  return container;
}
