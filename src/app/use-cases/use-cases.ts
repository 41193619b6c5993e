import type { JobId, RepoName, StackPath, TaskId } from '../../domain/ids.js';
import type { Job } from '../../domain/job.js';
import type { HistoryEntry, StackRun } from '../../domain/stack-run.js';
import type { Task } from '../../domain/task.js';
import type { Trigger } from '../../domain/trigger.js';
import type {
  HealthReport,
  Overview,
  RepoDetail,
  RepoSummary,
  StackDetail,
  StackSummary,
} from '../read-models.js';

/**
 * The use cases delivery adapters (HTTP, UI, cron, CLI) depend on: by type only, resolved from the
 * container. Unknown repos/stacks/tasks are returned as `not_found` results, not thrown.
 */

export interface StartTaskInput {
  readonly repo: string;
  readonly trigger: Trigger;
  /** Scan only this stack (a single-stack trigger). */
  readonly stack?: string;
  /**
   * Whether this trigger may supersede a running task when the repo has
   * `cancel_inflight_on_new_trigger`. Scheduled triggers pass false: they never supersede.
   */
  readonly allowSupersede?: boolean;
}

export type StartTaskResult =
  | {
      readonly kind: 'started';
      readonly task: Task;
      readonly jobs: readonly Job[];
      readonly superseded?: Task;
    }
  | { readonly kind: 'conflict'; readonly active: Task }
  | { readonly kind: 'repo_not_found' }
  | { readonly kind: 'stack_not_found'; readonly stack: string }
  | { readonly kind: 'invalid_stack'; readonly message: string }
  /** The repo could not be fetched or its stacks discovered: redacted message. */
  | { readonly kind: 'repo_unavailable'; readonly message: string };

export type StartTask = (input: StartTaskInput) => Promise<StartTaskResult>;

export type CancelTaskResult =
  | { readonly kind: 'canceled'; readonly task: Task }
  | { readonly kind: 'not_found' }
  | { readonly kind: 'not_active'; readonly task: Task };
export type CancelTask = (taskId: string, reason?: string) => Promise<CancelTaskResult>;

export interface Queries {
  getTask(id: TaskId | string): Promise<Task | null>;
  getJob(id: JobId | string): Promise<Job | null>;
  /** null when the repo is not configured. */
  listRepoJobs(repo: string, limit: number): Promise<Job[] | null>;
  listRepoTasks(repo: string, limit: number): Promise<Task[] | null>;
  listRepos(): Promise<RepoSummary[]>;
  overview(): Promise<Overview>;
  /** null when the repo is not configured. */
  getRepo(repo: string): Promise<RepoDetail | null>;
  listStacks(repo: string): Promise<StackSummary[] | null>;
  /** null when the repo is not configured or the stack is unknown (neither configured, discovered nor stored). */
  getStack(repo: string, stack: string): Promise<StackDetail | null>;
  getLatest(repo: RepoName, stack: StackPath): Promise<StackRun | null>;
  getPlanText(repo: string, stack: string): Promise<string | null>;
  getHistory(repo: string, stack: string, limit: number): Promise<HistoryEntry[] | null>;
  health(): Promise<HealthReport>;
}
