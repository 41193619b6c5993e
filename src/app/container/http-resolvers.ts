import { asFunction } from 'awilix';
import { buildHttpApp } from '../../adapters/http/build-http-app.js';
import { makeUiPlugin } from '../../adapters/http/ui/ui-plugin.js';
import { DriftdMetrics } from '../../adapters/metrics/index.js';
import type { Cradle } from './cradle.js';
import type { Resolvers } from './resolvers.js';

export interface HttpResolverOptions {
  /** Serve the web UI beside the API (default true). */
  readonly ui?: boolean;
  /** Serve Prometheus metrics at `GET /metrics` (default true). */
  readonly metrics?: boolean;
}

/**
 * Deployment-wide metrics from every process's events (serve sees them all) plus queue and stack gauges,
 * and this process's own runtime reports (lease takeovers; renewals and tool installs when it runs jobs).
 */
function metricsOf({ jobQueue, queries, eventBus, logger, mode, runtimeMetrics }: Cradle): {
  source: DriftdMetrics;
  detach: () => void;
} {
  const source = new DriftdMetrics({
    queueStats: () => jobQueue.stats(),
    stackCounts: () => queries.listRepos(),
    defaultLabels: { role: mode },
    logger,
  });
  const unsubscribe = source.attach(eventBus);
  const disconnect = runtimeMetrics.connect(source);
  return {
    source,
    detach: () => {
      unsubscribe();
      disconnect();
    },
  };
}

/**
 * The delivery side of serve: the Fastify app with the API, the web UI plugin and `/metrics`, built from
 * the use cases by type. It does not listen: `driftd serve` listens on `listen_addr`, tests `inject`.
 * Its disposer closes the server (no-op when it never listened) and detaches the metrics.
 */
export function httpResolvers(options: HttpResolverOptions = {}): Resolvers {
  return {
    httpApp: asFunction((cradle: Cradle) => {
      const { startTask, cancelTask, queries, eventBus, logger, config, appVersion } = cradle;
      const metrics = options.metrics === false ? null : metricsOf(cradle);
      const ui =
        options.ui === false ? undefined : makeUiPlugin({ queries, startTask, cancelTask, events: eventBus });
      const app = buildHttpApp(
        {
          startTask,
          cancelTask,
          queries,
          events: eventBus,
          logger,
          apiConfig: config.api,
          version: appVersion,
          ...(metrics && { metrics: metrics.source }),
        },
        ui ? { ui } : {},
      );
      if (metrics) app.addHook('onClose', async () => metrics.detach());
      return app;
    })
      .singleton()
      .disposer((app) => app.close()),
  };
}
