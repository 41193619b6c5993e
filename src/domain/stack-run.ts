import type { DriftResult } from './drift-result.js';
import type { FailureKind } from './failure.js';
import type { JobId, RepoName, StackPath, TaskId } from './ids.js';
import type { Trigger } from './trigger.js';

/** The tool a stack was planned with. */
export interface ToolUsed {
  readonly name: 'terraform' | 'tofu' | 'terragrunt';
  readonly version: string;
}

/**
 * One plan of one stack, as stored durably: the verdict plus where it came from. The plan text is
 * stored beside it (redacted), never inside.
 */
export interface StackRun {
  readonly repo: RepoName;
  readonly stack: StackPath;
  readonly taskId: TaskId;
  readonly jobId: JobId;
  readonly attempt: number;
  readonly commit?: string;
  readonly trigger: Trigger;
  readonly result: DriftResult;
  /** Set when the run ended without a plan: why. `terraform_error` runs carry diagnostics in `result`. */
  readonly failure?: FailureKind;
  readonly tool?: ToolUsed;
  readonly startedAt: number;
  readonly finishedAt: number;
}

/** One compact line of a stack's history. */
export interface HistoryEntry {
  readonly taskId: TaskId;
  readonly jobId: JobId;
  readonly commit?: string;
  readonly status: DriftResult['status'];
  readonly kinds: DriftResult['kinds'];
  readonly summary: DriftResult['summary'];
  readonly failure?: FailureKind;
  readonly error?: string;
  readonly trigger: string;
  readonly tool?: ToolUsed;
  readonly finishedAt: number;
  readonly durationMs: number;
}

export function toHistoryEntry(run: StackRun): HistoryEntry {
  return {
    taskId: run.taskId,
    jobId: run.jobId,
    ...(run.commit !== undefined && { commit: run.commit }),
    status: run.result.status,
    kinds: run.result.kinds,
    summary: run.result.summary,
    ...(run.failure !== undefined && { failure: run.failure }),
    ...(run.result.error !== undefined && { error: run.result.error }),
    trigger: run.trigger.kind,
    ...(run.tool !== undefined && { tool: run.tool }),
    finishedAt: run.finishedAt,
    durationMs: run.finishedAt - run.startedAt,
  };
}

/**
 * Whether a run replaces the stack's latest result. A canceled, timed-out or lost run says nothing
 * about the infrastructure, so it never overwrites the last good result with a fake error; it is
 * recorded in history as what it was.
 */
export function replacesLatest(run: StackRun): boolean {
  if (run.failure === undefined) return true;
  return run.failure === 'terraform_error' || run.failure === 'config_error';
}
