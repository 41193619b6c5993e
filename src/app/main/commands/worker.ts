import { type AwilixContainer, asValue } from 'awilix';
import type { Logger as PinoLogger } from 'pino';
import { type MetricsServer, parseListenAddr } from '../../../adapters/metrics/index.js';
import { DriftdError } from '../../../domain/errors.js';
import type { DriftdConfig } from '../../config/types.js';
import type { Cradle } from '../../container/cradle.js';
import { createWorkerContainer, WORKER_NEEDS_REDIS } from '../../container/create-worker-container.js';
import { disposeContainer } from '../../container/dispose-container.js';
import type { Command, CommandIO } from '../command.js';
import { loadCommandConfig } from '../command-config.js';
import { createProcessLogger } from '../process-logger.js';
import { armShutdownDeadline, SHUTDOWN_SLACK_MS, watchShutdown } from '../shutdown.js';
import { warnAboutTools } from '../startup.js';
import { startWorkerMetrics } from '../worker-metrics.js';

/**
 * `driftd worker -config FILE [-metrics-addr HOST:PORT]`: `worker.concurrency` job loops over Redis, plus
 * lease recovery (the reaper: safe to run in every process). SIGTERM/SIGINT: stop claiming, let running
 * jobs finish within `worker.drain_grace`, hand the rest back to the queue, exit 0.
 */

async function stop(
  container: AwilixContainer<Cradle>,
  config: DriftdConfig,
  log: PinoLogger,
  metrics: MetricsServer | null,
  io: CommandIO,
): Promise<void> {
  const grace = config.worker.drainGraceMs;
  log.info({ graceMs: grace, running: container.cradle.workerPool.busy }, 'shutting down');
  const disarm = armShutdownDeadline(io, grace + SHUTDOWN_SLACK_MS, log);
  await container.cradle.workerPool.drain(grace);
  await metrics?.close().catch(() => undefined);
  await disposeContainer(container, grace);
  disarm();
  log.info({}, 'stopped');
}

function startupLine(config: DriftdConfig, workerId: string, metrics: MetricsServer | null): string {
  const redis = config.redis?.addr ?? '?';
  const extra = metrics ? `, metrics on ${metrics.url}/metrics` : '';
  return `driftd worker: ${config.worker.concurrency} job slots, redis ${redis}, worker id ${workerId}${extra}`;
}

async function work(config: DriftdConfig, io: CommandIO, metricsAddr: string | undefined): Promise<number> {
  const log = createProcessLogger(config, io, 'worker');
  const shutdown = watchShutdown(io);
  const container = createWorkerContainer({ config, overrides: { logger: asValue(log) } });
  const c = container.cradle;
  let metrics: MetricsServer | null = null;
  try {
    if (metricsAddr !== undefined) metrics = await startWorkerMetrics(c, metricsAddr);
    c.workerPool.start();
    c.reaper.start();
    io.stdout(startupLine(config, c.workerPool.workerId, metrics));
    void warnAboutTools(config, io, 'worker');
    const reason = await shutdown.requested;
    log.info({ reason }, 'shutdown requested');
  } finally {
    shutdown.dispose();
    await stop(container, config, log, metrics, io);
  }
  return 0;
}

export const workerCommand: Command = {
  name: 'worker',
  summary: 'Run job loops against Redis (needs a redis: section; drains on SIGTERM).',
  usage: 'driftd worker -config FILE [-metrics-addr HOST:PORT] [-log-level LEVEL]',
  flags: [
    {
      name: 'metrics-addr',
      value: 'HOST:PORT',
      description: 'serve Prometheus metrics at http://HOST:PORT/metrics (":9464" = all interfaces)',
    },
  ],
  async run(args, io) {
    const config = await loadCommandConfig(args, io);
    if (config.redis === undefined) {
      throw new DriftdError('DRIFTD_CONFIG_INVALID', `${config.source}: ${WORKER_NEEDS_REDIS}`);
    }
    const addr = args.flags['metrics-addr'];
    if (addr === true) throw new DriftdError('DRIFTD_INVALID_INPUT', 'flag -metrics-addr needs HOST:PORT');
    if (addr !== undefined) parseListenAddr(addr);
    return work(config, io, addr);
  },
};
