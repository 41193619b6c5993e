import { collectDefaultMetrics, Registry } from 'prom-client';
import type { DomainEvent, EventOf } from '../../domain/events.js';
import type { EventBus, StoredEvent, Unsubscribe } from '../../ports/event-bus.port.js';
import type { QueueStats } from '../../ports/job-queue.port.js';
import type { Logger } from '../../ports/logger.port.js';
import { JobDurations } from './job-durations.js';
import { type CollectSource, createMetricSet, type JobOutcome, type MetricSet } from './metric-set.js';

/** Stack counts of one repo by latest status: `Queries.listRepos()`'s `RepoSummary` fits as is. */
export interface RepoStackCounts {
  readonly name: string;
  readonly counts: {
    readonly in_sync: number;
    readonly drifted: number;
    readonly error: number;
    readonly unknown: number;
  };
}

export interface DriftdMetricsOptions {
  /** Read on every scrape for the `driftd_queue_*` gauges (`JobQueue.stats` fits). */
  readonly queueStats?: () => Promise<QueueStats>;
  /** Read on every scrape for `driftd_stacks` (`Queries.listRepos` fits). */
  readonly stackCounts?: () => Promise<readonly RepoStackCounts[]>;
  /** Process metrics (CPU, memory, event loop, GC) with the `driftd_` prefix. Default true. */
  readonly defaultMetrics?: boolean;
  /** Labels added to every series, e.g. `{ role: 'worker' }`. */
  readonly defaultLabels?: Readonly<Record<string, string>>;
  /** Where failures of the scrape callbacks are reported (at `warn`). */
  readonly logger?: Logger;
  /** How many running jobs' start times are remembered for the duration histogram. Default 10,000. */
  readonly durationCapacity?: number;
}

const STACK_STATUSES = ['in_sync', 'drifted', 'error', 'unknown'] as const;

/**
 * A terraform error is a verdict (`error`), like `in_sync`/`drifted` from `job.completed`; a failure with
 * attempts left is `retried`; anything else that ends the job without a plan is `failed`.
 */
function failedOutcome(event: EventOf<'job.failed'>): JobOutcome {
  if (event.willRetry) return 'retried';
  if (event.failure === 'terraform_error') return 'error';
  return event.failure === 'canceled' ? 'canceled' : 'failed';
}

/**
 * driftd's Prometheus metrics on a registry of its own. Tasks and jobs are counted from domain events
 * (`observeEvent`, or `attach(bus)`); what events do not carry is reported through explicit methods;
 * queue and stack gauges are read from callbacks when `metrics()` is scraped.
 * `contentType` + `metrics()` is the `MetricsSource` shape the HTTP app and `startMetricsServer` take.
 */
export class DriftdMetrics {
  readonly registry: Registry;
  readonly #m: MetricSet;
  readonly #durations: JobDurations;

  constructor(private readonly options: DriftdMetricsOptions = {}) {
    this.registry = new Registry();
    if (options.defaultLabels) this.registry.setDefaultLabels({ ...options.defaultLabels });
    this.#m = createMetricSet(this.registry);
    this.#durations = new JobDurations(options.durationCapacity);
    if (options.defaultMetrics !== false)
      collectDefaultMetrics({ register: this.registry, prefix: 'driftd_' });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** Counts every event published on `bus` from now on. */
  attach(bus: Pick<EventBus, 'subscribe'>): Unsubscribe {
    return bus.subscribe((stored) => this.observeEvent(stored));
  }

  observeEvent(stored: StoredEvent | DomainEvent): void {
    const event = 'event' in stored ? stored.event : stored;
    const { tasks } = this.#m;
    switch (event.type) {
      case 'task.started':
        tasks.inc({ repo: event.repo, status: 'started' });
        break;
      case 'task.finished':
        tasks.inc({ repo: event.repo, status: event.status });
        break;
      case 'task.canceled':
        tasks.inc({ repo: event.repo, status: 'canceled' });
        break;
      case 'job.started':
        this.#durations.start(event.jobId, event.occurredAt);
        break;
      case 'job.completed':
        this.#jobEnded(event.jobId, event.repo, event.status, event.occurredAt);
        break;
      case 'job.failed':
        this.#jobEnded(event.jobId, event.repo, failedOutcome(event), event.occurredAt);
        break;
    }
  }

  lockRenewFailed(): void {
    this.#m.lockRenewFailures.inc();
  }

  leaseTakeovers(count: number): void {
    if (count > 0) this.#m.leaseTakeovers.inc(count);
  }

  toolInstalled(tool: string): void {
    this.#m.toolInstalls.inc({ tool });
  }

  toolCacheHit(tool: string): void {
    this.#m.toolCacheHits.inc({ tool });
  }

  setWorkerSlots(busy: number, total: number): void {
    this.#m.busySlots.set(busy);
    this.#m.slots.set(total);
  }

  /** Refreshes the callback gauges, then renders every metric in the Prometheus text format. */
  async metrics(): Promise<string> {
    await Promise.all([this.#refreshQueue(), this.#refreshStacks()]);
    return this.registry.metrics();
  }

  #jobEnded(jobId: string, repo: string, outcome: JobOutcome, at: number): void {
    this.#m.jobs.inc({ repo, outcome });
    const seconds = this.#durations.finish(jobId, at);
    if (seconds !== null) this.#m.jobDuration.observe({ repo, outcome }, seconds);
  }

  async #refreshQueue(): Promise<void> {
    const source = this.options.queueStats;
    if (!source) return;
    const stats = await this.#collect('queue', source);
    if (!stats) return;
    this.#m.queuePending.set(stats.pending);
    this.#m.queueRunning.set(stats.running);
    this.#m.queueOldestAge.set(stats.oldestPendingAgeMs / 1000);
  }

  async #refreshStacks(): Promise<void> {
    const source = this.options.stackCounts;
    if (!source) return;
    const repos = await this.#collect('stacks', source);
    if (!repos) return;
    // Reset first so a repo removed from the config stops being reported.
    this.#m.stacks.reset();
    for (const { name, counts } of repos) {
      for (const status of STACK_STATUSES) this.#m.stacks.set({ repo: name, status }, counts[status]);
    }
  }

  /** A failing source (e.g. Redis down) must not fail the whole scrape: count it, keep the last values. */
  async #collect<T>(source: CollectSource, read: () => Promise<T>): Promise<T | null> {
    try {
      return await read();
    } catch (error) {
      this.#m.collectFailures.inc({ source });
      this.options.logger?.warn({ err: error, source }, 'metrics source failed');
      return null;
    }
  }
}
