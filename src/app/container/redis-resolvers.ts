import { asFunction } from 'awilix';
import {
  checkRedisHealth,
  createRedisClient,
  createRedisCoordination,
  type RedisCoordination,
  RedisEventBus,
  type RedisRole,
} from '../../adapters/redis/index.js';
import type { DriftdConfig, RedisConfig } from '../config/types.js';
import type { Cradle } from './cradle.js';
import type { Resolvers } from './resolvers.js';

function splitAddr(addr: string): { host: string; port: number } {
  const at = addr.lastIndexOf(':');
  const host = at > 0 ? addr.slice(0, at).replace(/^\[(.*)\]$/, '$1') : addr;
  const port = at > 0 ? Number(addr.slice(at + 1)) : 6379;
  return { host, port };
}

/**
 * Shared coordination over Redis for serve, worker and embedded-with-redis processes: one client (with
 * driftd's scripts) for the task store, job queue and repo lock (one key space, atomic together), the
 * capped-stream event bus, and the health ping. `role` sets how long commands wait through a reconnect.
 */
export function redisResolvers(config: DriftdConfig, role: RedisRole = 'serve'): Resolvers {
  const redisConfig = config.redis as RedisConfig;
  const { prefix } = redisConfig;
  let coordination: RedisCoordination | null = null;
  const shared = ({ redis, logger }: Cradle) => {
    coordination ??= createRedisCoordination({
      redis: redis!,
      prefix,
      logger: logger.child({ component: 'redis' }),
    });
    return coordination;
  };
  return {
    redis: asFunction(({ logger }: Cradle) =>
      createRedisClient({
        ...splitAddr(redisConfig.addr),
        ...(redisConfig.password !== undefined &&
          redisConfig.password !== '' && { password: redisConfig.password }),
        db: redisConfig.db,
        role,
        logger: logger.child({ component: 'redis' }),
        connectionName: `driftd-${role}`,
      }),
    )
      .singleton()
      .disposer(async (client) => {
        await client?.quit().catch(() => client.disconnect());
      }),
    taskStore: asFunction((c: Cradle) => shared(c).tasks).singleton(),
    // The queue owns the coordination's extra connections (its wake-up listener): closing it closes them.
    jobQueue: asFunction((c: Cradle) => shared(c).queue)
      .singleton()
      .disposer(() => coordination?.close()),
    repoLock: asFunction((c: Cradle) => shared(c).lock).singleton(),
    eventBus: asFunction(({ redis, logger }: Cradle) => new RedisEventBus({ redis: redis!, prefix, logger }))
      .singleton()
      .disposer((bus) => bus.close()),
    healthPing: asFunction(({ redis }: Cradle) => async () => {
      if ((await checkRedisHealth(redis!)) !== 'ok') throw new Error('redis is unreachable');
    }).singleton(),
  };
}
