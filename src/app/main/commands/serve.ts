import type { AwilixContainer } from 'awilix';
import { asValue } from 'awilix';
import type { Logger as PinoLogger } from 'pino';
import { DriftdError } from '../../../domain/errors.js';
import type { DriftdConfig } from '../../config/types.js';
import type { Cradle } from '../../container/cradle.js';
import { createServeContainer } from '../../container/create-serve-container.js';
import { disposeContainer } from '../../container/dispose-container.js';
import type { Command, CommandIO } from '../command.js';
import { loadCommandConfig } from '../command-config.js';
import { createProcessLogger } from '../process-logger.js';
import { armShutdownDeadline, SHUTDOWN_SLACK_MS, watchShutdown } from '../shutdown.js';
import { addressUrl, scanNeverScanned, serveStartupLine, warnAboutTools } from '../startup.js';

/**
 * `driftd serve -config FILE`: API, web UI, scheduler and lease reaper. Without `redis:` in the config it
 * is the embedded default (memory coordination + an in-process worker pool); with it, workers are separate
 * `driftd worker` processes and serve drains their result outbox into `data_dir`. Runs until SIGTERM/SIGINT,
 * then shuts down gracefully and exits 0.
 */

async function listen(container: AwilixContainer<Cradle>, config: DriftdConfig): Promise<string> {
  const app = container.cradle.httpApp;
  try {
    await app.listen({ host: config.listen.host, port: config.listen.port });
  } catch (cause) {
    const addr = `${config.listen.host}:${config.listen.port}`;
    const reason = (cause as NodeJS.ErrnoException).code ?? (cause as Error).message;
    throw new DriftdError('DRIFTD_ADAPTER_UNAVAILABLE', `cannot listen on ${addr} (${reason})`, { cause });
  }
  return addressUrl(app.server.address());
}

function start(container: AwilixContainer<Cradle>, embedded: boolean): void {
  const c = container.cradle;
  // The read-model caches subscribe to events when first resolved: resolve them now, so no event of a
  // job settling before the first request is missed (a cache built then would stay stale until it expires).
  void [c.stackSummaries, c.driftHistory];
  c.reaper.start();
  c.scheduler.start();
  if (embedded) c.workerPool.start();
  else c.outboxPump.start();
}

/**
 * Graceful stop, in order: stop accepting requests (open event streams end), stop the scheduler, let
 * running jobs finish within `worker.drain_grace` and hand back the rest, record the last outbox entries,
 * then close every connection.
 */
async function stop(
  container: AwilixContainer<Cradle>,
  config: DriftdConfig,
  log: PinoLogger,
  io: CommandIO,
) {
  const { cache, cradle } = container;
  const grace = config.worker.drainGraceMs;
  log.info({ graceMs: grace }, 'shutting down');
  const disarm = armShutdownDeadline(io, grace + SHUTDOWN_SLACK_MS, log);
  await cradle.httpApp.close().catch((err: unknown) => log.warn({ err }, 'closing the http server failed'));
  await cradle.scheduler.stop();
  log.debug({ step: 'scheduler' }, 'shutdown step done');
  if (cache.has('workerPool')) await cradle.workerPool.drain(grace);
  if (cache.has('outboxPump')) await cradle.outboxPump.stop();
  log.debug({ step: 'outbox' }, 'shutdown step done');
  await disposeContainer(container, grace);
  disarm();
  log.info({}, 'stopped');
}

async function serve(config: DriftdConfig, io: CommandIO, firstScan: boolean): Promise<number> {
  const log = createProcessLogger(config, io, 'serve');
  const shutdown = watchShutdown(io);
  const container = createServeContainer({ config, overrides: { logger: asValue(log) } });
  const embedded = config.redis === undefined;
  try {
    const url = await listen(container, config);
    start(container, embedded);
    io.stdout(serveStartupLine(config, url));
    log.info(
      { mode: embedded ? 'embedded' : 'serve', url, repos: config.repos.length },
      'driftd serve started',
    );
    void warnAboutTools(config, io, 'serve');
    if (embedded && firstScan) void scanNeverScanned(container);
    const reason = await shutdown.requested;
    log.info({ reason }, 'shutdown requested');
  } finally {
    shutdown.dispose();
    await stop(container, config, log, io);
  }
  return 0;
}

export const serveCommand: Command = {
  name: 'serve',
  summary: 'Run the API, web UI and scheduler (and, without redis:, the workers in-process).',
  usage: 'driftd serve -config FILE [-log-level LEVEL] [-no-startup-scan]',
  flags: [
    {
      name: 'no-startup-scan',
      description: 'embedded mode: do not scan never-scanned repos at startup',
    },
  ],
  async run(args, io) {
    const config = await loadCommandConfig(args, io);
    return serve(config, io, args.flags['no-startup-scan'] !== true);
  },
};
