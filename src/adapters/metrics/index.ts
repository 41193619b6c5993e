export { DriftdMetrics, type DriftdMetricsOptions, type RepoStackCounts } from './driftd-metrics.js';
export { JOB_DURATION_BUCKETS, type JobOutcome, type TaskMetricStatus } from './metric-set.js';
export {
  type MetricsServer,
  type MetricsSource,
  parseListenAddr,
  startMetricsServer,
} from './metrics-server.js';
