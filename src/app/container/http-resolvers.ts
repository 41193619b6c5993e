import { asFunction } from 'awilix';
import { buildHttpApp } from '../../adapters/http/build-http-app.js';
import { makeUiPlugin } from '../../adapters/http/ui/ui-plugin.js';
import type { Cradle } from './cradle.js';
import type { Resolvers } from './resolvers.js';

export interface HttpResolverOptions {
  /** Serve the web UI beside the API (default true). */
  readonly ui?: boolean;
}

/**
 * The delivery side of serve: the Fastify app with the API (and the web UI plugin), built from the use
 * cases by type. It does not listen: `driftd serve` listens on `listen_addr`, tests `inject`.
 * Its disposer closes the server (no-op when it never listened).
 */
export function httpResolvers(options: HttpResolverOptions = {}): Resolvers {
  return {
    httpApp: asFunction(({ startTask, cancelTask, queries, eventBus, logger, config, appVersion }: Cradle) =>
      buildHttpApp(
        {
          startTask,
          cancelTask,
          queries,
          events: eventBus,
          logger,
          apiConfig: config.api,
          version: appVersion,
        },
        options.ui === false
          ? {}
          : { ui: makeUiPlugin({ queries, startTask, cancelTask, events: eventBus }) },
      ),
    )
      .singleton()
      .disposer((app) => app.close()),
  };
}
