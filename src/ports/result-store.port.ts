import type { RepoName, StackPath } from '../domain/ids.js';
import type { HistoryEntry, StackRun } from '../domain/stack-run.js';

/** Where a worker records a finished run. The fs ResultStore is one; a Redis outbox drained by serve is another. */
export interface ResultSink {
  /**
   * Records a run: always appended to the stack's history; replaces the stack's latest result and plan
   * text only when `replacesLatest(run)` (canceled/timed-out runs never overwrite the last good result).
   * `planText` must already be redacted. Idempotent per `run.jobId` + `run.attempt`.
   */
  record(run: StackRun, planText: string): Promise<void>;
}

/**
 * Durable results (`data_dir`): each stack's latest StackRun, its redacted plan text, and its history.
 * Writes are atomic (temp file + rename); paths are encoded safely (the root stack included). Reads of
 * unknown repos/stacks return null or empty.
 */
export interface ResultStore extends ResultSink {
  getLatest(repo: RepoName, stack: StackPath): Promise<StackRun | null>;
  /** The redacted plan text of the latest result, or null. */
  getPlanText(repo: RepoName, stack: StackPath): Promise<string | null>;
  /** Newest first, at most `limit`. */
  getHistory(repo: RepoName, stack: StackPath, limit: number): Promise<HistoryEntry[]>;
  /** Latest runs of every stack of a repo with results, sorted by stack path. */
  listLatest(repo: RepoName): Promise<StackRun[]>;
  /** Repos with stored results. */
  listRepos(): Promise<RepoName[]>;
  /** A repo-level problem shown in the UI (e.g. the redacted git error of a failed clone); null clears it. */
  setRepoError(repo: RepoName, message: string | null): Promise<void>;
  getRepoError(repo: RepoName): Promise<{ readonly message: string; readonly at: number } | null>;
}
