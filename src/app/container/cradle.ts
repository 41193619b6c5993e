import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { CronScheduler } from '../../adapters/cron/cron-scheduler.js';
import type { LockPolicy } from '../../domain/lock-policy.js';
import type { Clock } from '../../ports/clock.port.js';
import type { EventBus } from '../../ports/event-bus.port.js';
import type { JobQueue } from '../../ports/job-queue.port.js';
import type { Logger } from '../../ports/logger.port.js';
import type { PlanRunner } from '../../ports/plan-runner.port.js';
import type { RepoLock } from '../../ports/repo-lock.port.js';
import type { RepoSource } from '../../ports/repo-source.port.js';
import type { ResultSink, ResultStore } from '../../ports/result-store.port.js';
import type { TaskStore } from '../../ports/task-store.port.js';
import type { ToolResolver } from '../../ports/tool-resolver.port.js';
import type { DriftdConfig, RepoConfig, WorkerConfig } from '../config/types.js';
import type { IdGenerator } from '../ids.js';
import type { HealthReport } from '../read-models.js';
import type { RuntimeMetricsRelay } from '../runtime-metrics-relay.js';
import type { OutboxPump } from '../serve/outbox-pump.js';
import type { StackCatalog } from '../stack-catalog.js';
import type { DriftHistory } from '../use-cases/drift-history.js';
import type { ProcessJob } from '../use-cases/process-job.js';
import type { Reaper } from '../use-cases/reaper.js';
import type { StackSummaries } from '../use-cases/stack-summaries.js';
import type { CancelTask, Queries, StartTask } from '../use-cases/use-cases.js';
import type { WorkerPool } from '../worker/worker-pool.js';

/**
 * Everything a driftd container can resolve. Services declare the slice they need as their own `Deps`
 * type and destructure it from this cradle (PROXY injection), so no application code imports awilix.
 */
export interface Cradle {
  // Config slices: services receive the slice they need, never the whole config.
  readonly config: DriftdConfig;
  readonly repos: readonly RepoConfig[];
  readonly workerConfig: WorkerConfig;
  readonly lockPolicy: LockPolicy;
  readonly mode: HealthReport['mode'];
  readonly appVersion: string;
  /** Environment the worker reads secrets from (to mask them in plan text). */
  readonly env: Readonly<Record<string, string | undefined>>;

  readonly clock: Clock;
  readonly logger: Logger;
  readonly ids: IdGenerator;
  /** Lease takeovers, renewal failures, tool installs: forwarded to the metrics sinks connected to it. */
  readonly runtimeMetrics: RuntimeMetricsRelay;

  // Coordination (memory or redis): one backing store for the three, so their steps are atomic together.
  /** The shared Redis client (scripts defined), or null in memory mode. */
  readonly redis: Redis | null;
  readonly taskStore: TaskStore;
  readonly jobQueue: JobQueue;
  readonly repoLock: RepoLock;
  readonly eventBus: EventBus;
  /** Checks the coordination store for `/api/health`; null when there is none to check. */
  readonly healthPing: (() => Promise<void>) | null;

  // Results.
  readonly resultStore: ResultStore;
  /** Where workers record runs: the result store itself unless a process overrides it. */
  readonly resultSink: ResultSink;

  // Local execution (git, tools, terraform).
  readonly repoSource: RepoSource;
  readonly toolResolver: ToolResolver;
  readonly planRunner: PlanRunner;

  // Application.
  readonly stackCatalog: StackCatalog;
  readonly driftHistory: DriftHistory;
  readonly stackSummaries: StackSummaries;
  readonly startTask: StartTask;
  readonly cancelTask: CancelTask;
  readonly queries: Queries;
  readonly processJob: ProcessJob;
  readonly reaper: Reaper;
  readonly workerPool: WorkerPool;

  // Process-specific groups (registered only by the roots that need them).
  /** The Fastify app (API + UI), not listening: `httpResolvers`. */
  readonly httpApp: FastifyInstance;
  /** Scheduled scans: `cronResolvers`. */
  readonly scheduler: CronScheduler;
  /** serve in Redis mode: drains the workers' result outbox into `data_dir` (`serveOutboxResolvers`). */
  readonly outboxPump: OutboxPump;
}
