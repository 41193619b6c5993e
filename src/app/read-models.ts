import type { DriftKind, DriftStatus, DriftSummary } from '../domain/drift-result.js';
import type { RepoName, StackPath } from '../domain/ids.js';
import type { Job } from '../domain/job.js';
import type { HistoryEntry, StackRun, ToolUsed } from '../domain/stack-run.js';
import type { Task } from '../domain/task.js';

/** Read models the API and UI present. Plain data, no domain behaviour. */

export interface StatusCounts {
  readonly in_sync: number;
  readonly drifted: number;
  readonly error: number;
  /** Configured or discovered stacks without a result yet. */
  readonly unknown: number;
}

export interface RepoSummary {
  readonly name: RepoName;
  /** The configured URL with any credentials removed. */
  readonly url: string;
  readonly branch?: string;
  readonly schedule?: string;
  readonly stacks: number;
  readonly counts: StatusCounts;
  /** The running task with live counters, if any. */
  readonly activeTask: Task | null;
  /** The most recent finished task, if any (from the task store; may be gone after 7 days). */
  readonly lastTask: Task | null;
  /** When the most recent stored result finished (durable). */
  readonly lastRunAt: number | null;
  /** A repo-level problem (e.g. clone failed), redacted. */
  readonly error: { readonly message: string; readonly at: number } | null;
}

export interface StackSummary {
  readonly repo: RepoName;
  readonly stack: StackPath;
  /** null when the stack has no result yet. */
  readonly status: DriftStatus | null;
  readonly kinds: readonly DriftKind[];
  readonly summary: DriftSummary | null;
  readonly tool?: ToolUsed;
  readonly commit?: string;
  readonly finishedAt: number | null;
  readonly error?: string;
}

export interface StackDetail {
  readonly summary: StackSummary;
  readonly latest: StackRun | null;
  /** Newest first. */
  readonly history: readonly HistoryEntry[];
  readonly hasPlanText: boolean;
}

export interface RepoDetail {
  readonly repo: RepoSummary;
  readonly stacks: readonly StackSummary[];
  /** Newest first. */
  readonly recentTasks: readonly Task[];
}

export interface DriftPoint {
  /** Start of the bucket, epoch ms. */
  readonly at: number;
  readonly drifted: number;
}

export interface Overview {
  readonly repos: readonly RepoSummary[];
  readonly totals: StatusCounts;
  /** Drifted stacks across all repos over time (from history), oldest first. */
  readonly driftHistory: readonly DriftPoint[];
}

export interface HealthReport {
  readonly status: 'ok' | 'degraded';
  readonly mode: 'embedded' | 'serve' | 'worker';
  readonly redis: 'ok' | 'unreachable' | 'not_configured';
  readonly version: string;
}

export type JobView = Job;
