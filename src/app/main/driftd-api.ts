import type { DomainEvent, DomainEventType, EventOf } from '../../domain/events.js';
import type { Job } from '../../domain/job.js';
import type { Task } from '../../domain/task.js';
import type { Trigger } from '../../domain/trigger.js';
import type { Clock } from '../../ports/clock.port.js';
import type { EventBus, StoredEvent, Unsubscribe } from '../../ports/event-bus.port.js';
import type { JobQueue } from '../../ports/job-queue.port.js';
import type { Logger } from '../../ports/logger.port.js';
import type { PlanRunner } from '../../ports/plan-runner.port.js';
import type { RepoLock } from '../../ports/repo-lock.port.js';
import type { RepoSource } from '../../ports/repo-source.port.js';
import type { ResultSink, ResultStore } from '../../ports/result-store.port.js';
import type { TaskStore } from '../../ports/task-store.port.js';
import type { ToolResolver } from '../../ports/tool-resolver.port.js';
import type { Env } from '../config/env-refs.js';
import type { DriftdConfigInput } from '../config/schema.js';
import type { DriftdConfig } from '../config/types.js';
import type { CancelTaskResult, Queries, StartTaskInput, StartTaskResult } from '../use-cases/use-cases.js';

/**
 * Port implementations an embedder may supply; each one given replaces driftd's default for it.
 * Defaults: git checkouts, native tool resolver and the read-only terraform runner for execution; results
 * on disk under `data_dir`; a system clock; a silent logger; in-memory coordination and events (or Redis
 * when the config has a `redis:` section).
 */
export interface DriftdAdapters {
  /** Runs one stack's plan (default: the read-only terraform/terragrunt runner). */
  readonly planRunner?: PlanRunner;
  /** Where stack code comes from (default: git, or a plain local directory). */
  readonly repoSource?: RepoSource;
  /** Picks the tool binary per stack (default: version pins, PATH, cached installs). */
  readonly toolResolver?: ToolResolver;
  /** Durable results read by the queries (default: files under `data_dir`). */
  readonly resultStore?: ResultStore;
  /** Where workers record runs (default: the result store). */
  readonly resultSink?: ResultSink;
  readonly clock?: Clock;
  /** Default: a logger that drops everything (the library never writes to the console). */
  readonly logger?: Logger;
  readonly eventBus?: EventBus;
  /**
   * The task store, job queue and repo lock, supplied together: their steps must be atomic together,
   * so they share one backing store (see `createMemoryCoordination`).
   */
  readonly coordination?: {
    readonly taskStore: TaskStore;
    readonly jobQueue: JobQueue;
    readonly repoLock: RepoLock;
  };
}

/** What `createDriftd` takes. */
export interface DriftdOptions {
  /**
   * The configuration: an object shaped like `config.yaml` (snake_case keys, durations like `"10m"`),
   * validated by the same schema, or the path of a YAML file.
   */
  readonly config: DriftdConfigInput | string;
  readonly adapters?: DriftdAdapters;
  /** Environment for `${VAR}` references, the `DRIFTD_*` overlay and git/tool secrets (default `process.env`). */
  readonly env?: Env;
}

/** `startTask` input: the trigger defaults to `{ kind: 'library' }`. */
export interface LibraryStartTaskInput extends Omit<StartTaskInput, 'trigger'> {
  readonly trigger?: Trigger;
}

/** What `start()` runs in this process. */
export interface StartOptions {
  /** Run `worker.concurrency` job slots here (default true; false when separate workers share Redis). */
  readonly workers?: boolean;
  /** Run the lease reaper here (default true). */
  readonly reaper?: boolean;
}

export interface WaitForTaskOptions {
  /** Give up after this long (default 10 minutes). */
  readonly timeoutMs?: number;
  /** How often to re-read the task besides reacting to its events (default 1 s). */
  readonly pollMs?: number;
}

export type WaitForTaskResult =
  /** The task left the active states: `completed`, `failed` or `canceled`. */
  | { readonly kind: 'finished'; readonly task: Task }
  /** Still active after `timeoutMs`; `task` is its latest state. */
  | { readonly kind: 'timeout'; readonly task: Task }
  | { readonly kind: 'not_found' }
  /** `close()` was called while waiting. */
  | { readonly kind: 'closed' };

/** Domain event subscriptions. Handlers run on the publisher's turn: keep them quick. */
export interface DriftdEvents {
  /** Calls `handler` for every later event of `type`; returns a function that unsubscribes. */
  on<T extends DomainEventType>(type: T, handler: (event: EventOf<T>) => void): Unsubscribe;
  /** Removes a handler added with `on(type, handler)`; unknown pairs are ignored. */
  off<T extends DomainEventType>(type: T, handler: (event: EventOf<T>) => void): void;
  /** Every later event, whatever its type. */
  onAny(handler: (event: DomainEvent) => void): Unsubscribe;
  /** Retained events after `lastId` (exclusive), oldest first: to catch up after a gap. */
  readAfter(lastId: string | null, limit: number): Promise<StoredEvent[]>;
}

/**
 * A driftd instance inside a host application. Nothing runs until `start()`; `close()` stops everything
 * it started and closes its connections.
 */
export interface Driftd {
  /** The validated, frozen runtime config. */
  readonly config: DriftdConfig;
  /** Coordination in use: in-process memory or Redis (from the config's `redis:` section). */
  readonly mode: 'memory' | 'redis';
  readonly events: DriftdEvents;
  /** Shorthand for `events.on`. */
  on<T extends DomainEventType>(type: T, handler: (event: EventOf<T>) => void): Unsubscribe;
  /** Starts the worker slots and the lease reaper (see `StartOptions`). Idempotent. */
  start(options?: StartOptions): void;
  /** Starts a task (a scan of a repo or of one stack). Conflicts and unknown repos are results, not errors. */
  startTask(input: LibraryStartTaskInput): Promise<StartTaskResult>;
  cancelTask(taskId: string, reason?: string): Promise<CancelTaskResult>;
  /** Resolves when the task finishes (or the timeout passes): never throws for a slow task. */
  waitForTask(taskId: string, options?: WaitForTaskOptions): Promise<WaitForTaskResult>;
  getTask(id: string): Promise<Task | null>;
  getJob(id: string): Promise<Job | null>;
  listRepos: Queries['listRepos'];
  getRepo: Queries['getRepo'];
  listStacks: Queries['listStacks'];
  getStack: Queries['getStack'];
  getPlanText: Queries['getPlanText'];
  getHistory: Queries['getHistory'];
  listRepoTasks: Queries['listRepoTasks'];
  listRepoJobs: Queries['listRepoJobs'];
  overview: Queries['overview'];
  health: Queries['health'];
  /**
   * Stops claiming, hands running jobs back (after `graceMs`, default `worker.drain_grace`), stops the
   * reaper, removes event handlers and closes connections. Idempotent; later calls resolve at once.
   */
  close(graceMs?: number): Promise<void>;
}
