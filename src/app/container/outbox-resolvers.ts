import { asFunction } from 'awilix';
import { drainResultOutbox, RedisEventBus, RedisResultOutbox } from '../../adapters/redis/index.js';
import type { EventBus } from '../../ports/event-bus.port.js';
import type { RedisConfig } from '../config/types.js';
import { makeOutboxPump } from '../serve/outbox-pump.js';
import { resultsFirstEventBus } from '../serve/results-first-event-bus.js';
import type { Cradle } from './cradle.js';
import type { Resolvers } from './resolvers.js';

/**
 * serve in Redis mode: the pump that drains workers' result outbox into the fs ResultStore (serve is the
 * only writer of `data_dir`), and the event bus serve's own subscribers see, which delivers a job's
 * settling event only after its result is on disk. Register after `redisResolvers`, which it overrides.
 */
export function serveOutboxResolvers(redisConfig: RedisConfig): Resolvers {
  const { prefix } = redisConfig;
  let inner: RedisEventBus | null = null;
  return {
    outboxPump: asFunction(({ redis, resultStore, logger }: Cradle) =>
      makeOutboxPump({
        drainOutbox: () => drainResultOutbox(redis!, resultStore, { prefix, logger }),
        logger,
      }),
    )
      .singleton()
      .disposer((pump) => pump.stop()),
    eventBus: asFunction(({ redis, logger, outboxPump }: Cradle): EventBus => {
      inner = new RedisEventBus({ redis: redis!, prefix, logger });
      return resultsFirstEventBus(inner, () => outboxPump.drainNow());
    })
      .singleton()
      .disposer(() => inner?.close()),
  };
}

/** Worker processes record results into the Redis outbox, so they need no shared disk. */
export function workerOutboxResolvers(redisConfig: RedisConfig): Resolvers {
  return {
    resultSink: asFunction(
      ({ redis }: Cradle) => new RedisResultOutbox({ redis: redis!, prefix: redisConfig.prefix }),
    ).singleton(),
  };
}
