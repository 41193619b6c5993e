import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/**
 * Every driftd metric, registered on one given registry (never prom-client's global one: an embedding
 * host and parallel tests hold many instances). Names and labels are documented in docs/metrics.md;
 * keep the two in step.
 */

/** Job duration buckets in seconds: plans take seconds to tens of minutes, stack_timeout is 30m by default. */
export const JOB_DURATION_BUCKETS: readonly number[] = [1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600];

export type TaskMetricStatus = 'started' | 'completed' | 'failed' | 'canceled';
export type JobOutcome = 'in_sync' | 'drifted' | 'error' | 'failed' | 'retried' | 'canceled';
export type CollectSource = 'queue' | 'stacks';

export interface MetricSet {
  readonly tasks: Counter<'repo' | 'status'>;
  readonly jobs: Counter<'repo' | 'outcome'>;
  readonly jobDuration: Histogram<'repo' | 'outcome'>;
  readonly queuePending: Gauge;
  readonly queueRunning: Gauge;
  readonly queueOldestAge: Gauge;
  readonly busySlots: Gauge;
  readonly slots: Gauge;
  readonly leaseTakeovers: Counter;
  readonly lockRenewFailures: Counter;
  readonly stacks: Gauge<'repo' | 'status'>;
  readonly toolInstalls: Counter<'tool'>;
  readonly toolCacheHits: Counter<'tool'>;
  readonly collectFailures: Counter<'source'>;
}

export function createMetricSet(registry: Registry): MetricSet {
  const registers = [registry];
  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[] = []) =>
    new Counter<L>({ name, help, labelNames, registers });
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[] = []) =>
    new Gauge<L>({ name, help, labelNames, registers });
  return {
    tasks: counter('driftd_tasks_total', 'Tasks (repo scans) by lifecycle step', ['repo', 'status']),
    jobs: counter('driftd_jobs_total', 'Finished job attempts (stack plans) by outcome', ['repo', 'outcome']),
    jobDuration: new Histogram({
      name: 'driftd_job_duration_seconds',
      help: 'Wall time of one job attempt, from job.started to job.completed or job.failed',
      labelNames: ['repo', 'outcome'],
      buckets: [...JOB_DURATION_BUCKETS],
      registers,
    }),
    queuePending: gauge('driftd_queue_pending_jobs', 'Jobs waiting in the queue'),
    queueRunning: gauge('driftd_queue_running_jobs', 'Jobs leased by a worker'),
    queueOldestAge: gauge(
      'driftd_queue_oldest_pending_age_seconds',
      'Age of the oldest pending job, 0 when none is pending',
    ),
    busySlots: gauge('driftd_worker_busy_slots', 'Worker slots running a job in this process'),
    slots: gauge('driftd_worker_slots', 'Worker slots (worker.concurrency) in this process'),
    leaseTakeovers: counter('driftd_lease_takeovers_total', 'Jobs recovered from an expired lease'),
    lockRenewFailures: counter('driftd_lock_renew_failures_total', 'Failed lease or repo lock renewals'),
    stacks: gauge('driftd_stacks', 'Stacks by latest drift status per repo', ['repo', 'status']),
    toolInstalls: counter('driftd_tool_installs_total', 'Tool binaries downloaded and installed', ['tool']),
    toolCacheHits: counter('driftd_tool_cache_hits_total', 'Tool binaries found in the cache', ['tool']),
    collectFailures: counter(
      'driftd_metrics_collect_failures_total',
      'Scrapes whose gauge source failed (the gauges keep their last value)',
      ['source'],
    ),
  };
}
