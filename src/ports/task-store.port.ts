import type { DomainEvent } from '../domain/events.js';
import type { JobId, RepoName, StackPath, TaskId } from '../domain/ids.js';
import type { Job } from '../domain/job.js';
import type { Task } from '../domain/task.js';
import type { Trigger } from '../domain/trigger.js';

export interface StartTaskRequest {
  readonly taskId: TaskId;
  readonly repo: RepoName;
  readonly trigger: Trigger;
  readonly commit?: string;
  /** Set for a single-stack task. */
  readonly stack?: StackPath;
  /** One job per stack, in order. Job ids are `makeJobId(repo, stack, timestamp of taskId)`. */
  readonly jobs: readonly { readonly id: JobId; readonly stack: StackPath }[];
  readonly maxAttempts: number;
  /** TTL of the repo lock the task takes (owner = task id). */
  readonly lockTtlMs: number;
  /** Cancel a running task of the repo and take over its lock in the same atomic step. */
  readonly supersede: boolean;
}

export type StartTaskOutcome =
  /** The task was created, running, its jobs pending, the lock held by it. `events` are not yet published. */
  | {
      readonly kind: 'started';
      readonly task: Task;
      readonly jobs: readonly Job[];
      readonly superseded?: Task;
      readonly events: readonly DomainEvent[];
    }
  /** Another task holds the repo: nothing was written. */
  | { readonly kind: 'conflict'; readonly active: Task };

export type CancelTaskOutcome =
  | { readonly kind: 'canceled'; readonly task: Task; readonly events: readonly DomainEvent[] }
  | { readonly kind: 'not_found' }
  /** Already completed, failed or canceled: nothing changed. */
  | { readonly kind: 'not_active'; readonly task: Task };

/**
 * Task and job records plus the atomic "start a task or tell me who holds the repo" step.
 *
 * Atomicity: `start`, `cancel` and `expire` each change tasks, their jobs' queue entries, counters and
 * the repo lock in one atomic step (one Lua script in Redis). The JobQueue of the same technology shares
 * this backing store, so job transitions move counters atomically too.
 *
 * Reads return snapshots; they never throw for an unknown id (null or empty instead). Every method
 * throws `DriftdError('DRIFTD_ADAPTER_UNAVAILABLE')` only when the backing store is unreachable.
 */
export interface TaskStore {
  /**
   * Atomically: if the repo has no active task (or its lock expired, or `supersede` is set), cancels the
   * superseded task's live jobs, creates the task in `running` with its jobs `pending` in the queue, takes
   * the repo lock for the task id, and returns `started`. Otherwise writes nothing and returns `conflict`
   * with the active task. A task with zero jobs is created and finished in the same step.
   */
  start(request: StartTaskRequest): Promise<StartTaskOutcome>;
  get(taskId: TaskId): Promise<Task | null>;
  /** The repo's live (created/running) task, or null. */
  getActive(repo: RepoName): Promise<Task | null>;
  /** Recent tasks of a repo, newest first, at most `limit`. */
  listTasks(repo: RepoName, limit: number): Promise<Task[]>;
  getJob(jobId: JobId): Promise<Job | null>;
  /** Jobs of a task in stack order. */
  listTaskJobs(taskId: TaskId): Promise<Job[]>;
  /** Recent jobs of a repo (across tasks), newest first, at most `limit`. */
  listRepoJobs(repo: RepoName, limit: number): Promise<Job[]>;
  /**
   * Atomically cancels a live task: its pending jobs leave the queue, running jobs are marked canceled
   * (their workers learn it at their next lease renewal and stop), the repo lock is released.
   */
  cancel(taskId: TaskId, reason: string): Promise<CancelTaskOutcome>;
  /**
   * Fails every live task older than `maxAgeMs` (its live jobs canceled, lock released) and returns the
   * transitions' events, not yet published. Idempotent.
   */
  expireTasks(
    maxAgeMs: number,
  ): Promise<{ readonly tasks: readonly Task[]; readonly events: readonly DomainEvent[] }>;
  /** Extends the repo lock of every live task by `lockTtlMs` (the serve reaper's heartbeat). */
  renewLocks(lockTtlMs: number): Promise<number>;
  /**
   * Removes task and job records that ended more than `retentionMs` ago. Adapters with native expiry
   * (Redis TTLs) may do nothing. Returns how many records were removed.
   */
  purgeFinished(retentionMs: number): Promise<number>;
}
