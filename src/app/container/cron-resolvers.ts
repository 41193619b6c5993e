import { asFunction } from 'awilix';
import { CronScheduler } from '../../adapters/cron/cron-scheduler.js';
import type { Cradle } from './cradle.js';
import type { Resolvers } from './resolvers.js';

/**
 * Scheduled scans (serve or embedded only: one scheduler per deployment). Each repo's `schedule`
 * becomes a stopped cron trigger; `scheduler.start()` starts the clocks, the disposer stops them.
 */
export function cronResolvers(): Resolvers {
  return {
    scheduler: asFunction(
      ({ repos, startTask, logger }: Cradle) => new CronScheduler({ repos, startTask, logger }),
    )
      .singleton()
      .disposer((scheduler) => scheduler.stop()),
  };
}
