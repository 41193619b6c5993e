/**
 * `@driftd/core`: drift detection for Terraform, Terragrunt and OpenTofu, embeddable in a Node host.
 *
 * - {@link createDriftd} composes driftd in-process (memory coordination by default, Redis when the config
 *   has a `redis:` section) and returns its use cases, event subscriptions, `start()` and `close()`.
 * - The ports are exported as types, and the memory adapters as classes, so a host can supply its own
 *   implementation of any port (a PlanRunner, a RepoSource, a ResultStore, ...).
 * - The pure classifier ({@link classifyPlan}) and plan-text redaction work without any of the above.
 *
 * Guide: docs/library.md.
 * @packageDocumentation
 */

// ── Memory adapters (in-process implementations of the ports) ────────────────────────────────────────
export {
  createMemoryCoordination,
  ManualClock,
  type MemoryCoordination,
  MemoryEventBus,
  type MemoryEventBusOptions,
  MemoryJobQueue,
  MemoryRepoLock,
  MemoryResultStore,
  MemoryTaskStore,
  NoopLogger,
  SystemClock,
} from './adapters/memory/index.js';
export type { Env } from './app/config/env-refs.js';

// ── Configuration ────────────────────────────────────────────────────────────────────────────────────
/** Validate a config object (`parseConfig`) or a YAML file (`loadConfigFile`) into a frozen `DriftdConfig`. */
export { loadConfigFile, parseConfig } from './app/config/load-config.js';
export type { DriftdConfigInput } from './app/config/schema.js';
export type {
  ApiConfig,
  ApiScope,
  ApiToken,
  DriftdConfig,
  RedisConfig,
  RepoConfig,
  ToolKey,
  ToolsConfig,
  WorkerConfig,
} from './app/config/types.js';
// ── The library entry ────────────────────────────────────────────────────────────────────────────────
export { createDriftd } from './app/main/create-driftd.js';
export type {
  Driftd,
  DriftdAdapters,
  DriftdEvents,
  DriftdOptions,
  LibraryStartTaskInput,
  StartOptions,
  WaitForTaskOptions,
  WaitForTaskResult,
} from './app/main/driftd-api.js';
export type {
  DriftPoint,
  HealthReport,
  Overview,
  RepoDetail,
  RepoSummary,
  StackDetail,
  StackSummary,
  StatusCounts,
} from './app/read-models.js';
// ── Use-case and read-model shapes ───────────────────────────────────────────────────────────────────
export type {
  CancelTaskResult,
  Queries,
  StartTaskInput,
  StartTaskResult,
} from './app/use-cases/use-cases.js';
// ── Domain: model, events, ids, errors, classifier ───────────────────────────────────────────────────
export { type ClassifyInput, classifyPlan } from './domain/classify-plan.js';
export type { TaskCounters } from './domain/counters.js';
export type {
  DriftKind,
  DriftResult,
  DriftStatus,
  DriftSummary,
  OutputEntry,
  PlanDiagnostic,
  ResourceEntry,
  ResourceEntryKind,
} from './domain/drift-result.js';
export { DriftdError, ERROR_CODES, type ErrorCode, isDriftdError } from './domain/errors.js';
export type { DomainEvent, DomainEventType, EventOf } from './domain/events.js';
export type { FailureKind, JobFailure } from './domain/failure.js';
export {
  isValidRepoName,
  type JobId,
  type LeaseToken,
  makeJobId,
  makeTaskId,
  normalizeStackPath,
  parseJobId,
  parseTaskId,
  type RepoName,
  ROOT_STACK,
  type StackPath,
  stackPathProblem,
  type TaskId,
  taskIdOfJob,
} from './domain/ids.js';
export { isTerminalJob, type Job, type JobResultSummary, type JobStatus } from './domain/job.js';
export { DEFAULT_PLAN_TEXT_MAX_BYTES, type RedactOptions, redactPlanText } from './domain/redact.js';
export type { HistoryEntry, StackRun, ToolUsed } from './domain/stack-run.js';
export { isActiveTask, type Task, type TaskStatus } from './domain/task.js';
export { type KnownTriggerKind, TRIGGER_KINDS, type Trigger } from './domain/trigger.js';
// ── Ports (implement any of these and pass it in `adapters`) ─────────────────────────────────────────
export type { Clock } from './ports/clock.port.js';
export type { EventBus, StoredEvent, Unsubscribe } from './ports/event-bus.port.js';
export type {
  ClaimedJob,
  ClaimRequest,
  JobQueue,
  LeaseStatus,
  QueueStats,
  SettleOutcome,
} from './ports/job-queue.port.js';
export type { Logger } from './ports/logger.port.js';
export type { PlanOutcome, PlanRequest, PlanRunner } from './ports/plan-runner.port.js';
export type { RepoLock } from './ports/repo-lock.port.js';
export type {
  Checkout,
  GitAuth,
  RepoSource,
  RepoSourceErrorKind,
  RepoSpec,
} from './ports/repo-source.port.js';
export type { ResultSink, ResultStore } from './ports/result-store.port.js';
export type {
  CancelTaskOutcome,
  StartTaskOutcome,
  StartTaskRequest,
  TaskStore,
} from './ports/task-store.port.js';
export type {
  IacToolName,
  ResolvedBinary,
  ResolvedTool,
  ToolName,
  ToolRequest,
  ToolResolveError,
  ToolResolver,
} from './ports/tool-resolver.port.js';
