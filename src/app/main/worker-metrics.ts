import { DriftdMetrics, type MetricsServer, startMetricsServer } from '../../adapters/metrics/index.js';
import type { Cradle } from '../container/cradle.js';

const SLOT_GAUGE_EVERY_MS = 5_000;

/**
 * `driftd worker --metrics-addr`: Prometheus metrics of this worker's own jobs (events on the shared bus
 * are filtered to the jobs this pool started, so N workers never count a job N times), its slots and the
 * shared queue depth, plus its runtime reports (renewal failures, lease takeovers, tool installs), on a
 * standalone `/metrics` server.
 */
export async function startWorkerMetrics(cradle: Cradle, addr: string): Promise<MetricsServer> {
  const { workerPool, jobQueue, eventBus, workerConfig, logger, runtimeMetrics } = cradle;
  const metrics = new DriftdMetrics({
    queueStats: () => jobQueue.stats(),
    defaultLabels: { role: 'worker' },
    logger,
  });
  const mine = new Set<string>();
  const unsubscribe = eventBus.subscribe((stored) => {
    const { event } = stored;
    if (event.type === 'job.started' && event.workerId === workerPool.workerId) mine.add(event.jobId);
    if (!('jobId' in event) || !mine.has(event.jobId)) return;
    metrics.observeEvent(event);
    if (event.type === 'job.completed' || event.type === 'job.failed') mine.delete(event.jobId);
  });
  const disconnect = runtimeMetrics.connect(metrics);
  const slots = () => metrics.setWorkerSlots(workerPool.busy, workerConfig.concurrency);
  slots();
  const timer = setInterval(slots, SLOT_GAUGE_EVERY_MS);
  timer.unref();
  const server = await startMetricsServer(addr, metrics);
  return {
    ...server,
    url: server.url,
    port: server.port,
    close: async () => {
      clearInterval(timer);
      unsubscribe();
      disconnect();
      await server.close();
    },
  };
}
