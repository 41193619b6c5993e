import type { DriftKind, DriftStatus, DriftSummary } from '../../domain/drift-result.js';
import type { Job } from '../../domain/job.js';
import type { Task } from '../../domain/task.js';

/** One stack's outcome in a `driftd scan` run. */
export interface ScanStackReport {
  readonly stack: string;
  /** `error` also for a job that failed without a plan (fetch, tool download, timeout). */
  readonly status: DriftStatus | 'canceled';
  readonly kinds: readonly DriftKind[];
  readonly summary: DriftSummary | null;
  readonly tool: string | null;
  readonly toolVersion: string | null;
  readonly error: string | null;
}

export interface ScanRepoReport {
  readonly repo: string;
  readonly taskId: string | null;
  readonly commit: string | null;
  /** Why no task ran (unknown stack, repo unavailable) or why it ended early; null when it ran. */
  readonly error: string | null;
  readonly stacks: readonly ScanStackReport[];
}

export function stackReport(job: Job): ScanStackReport {
  const result = job.status === 'completed' || job.status === 'failed' ? job.result : undefined;
  const failure = job.status === 'failed' ? job.failure.message : null;
  const status: ScanStackReport['status'] =
    job.status === 'canceled' ? 'canceled' : result && job.status === 'completed' ? result.status : 'error';
  return {
    stack: job.stack,
    status,
    kinds: result?.kinds ?? [],
    summary: result?.summary ?? null,
    tool: result?.tool ?? null,
    toolVersion: result?.toolVersion ?? null,
    error: status === 'error' ? (failure ?? job.lastFailure?.message ?? 'failed') : null,
  };
}

export function repoReport(task: Task, jobs: readonly Job[]): ScanRepoReport {
  const stacks = [...jobs].sort((a, b) => (a.stack < b.stack ? -1 : 1)).map(stackReport);
  const ended = task.status === 'failed' || task.status === 'canceled';
  return {
    repo: task.repo,
    taskId: task.id,
    commit: task.commit ?? null,
    error: ended ? `scan ${task.status}${task.reason ? `: ${task.reason}` : ''}` : null,
    stacks,
  };
}

/** 0 all in sync, 2 any drift, 1 any error (an error wins over drift). */
export function scanExitCode(repos: readonly ScanRepoReport[]): 0 | 1 | 2 {
  let code: 0 | 2 = 0;
  for (const repo of repos) {
    if (repo.error !== null) return 1;
    for (const s of repo.stacks) {
      if (s.status === 'error' || s.status === 'canceled') return 1;
      if (s.status === 'drifted') code = 2;
    }
  }
  return code;
}

function counts(s: ScanStackReport): string {
  if (s.summary === null) return '';
  const { add, change, destroy, drifted } = s.summary;
  return ` +${add} ~${change} -${destroy}${drifted > 0 ? `, ${drifted} changed outside terraform` : ''}`;
}

/** Human-readable lines: one header per repo, one line per stack. */
export function formatScanReport(repos: readonly ScanRepoReport[]): string[] {
  const lines: string[] = [];
  for (const repo of repos) {
    const commit = repo.commit ? ` @ ${repo.commit.slice(0, 12)}` : '';
    lines.push(`${repo.repo}${commit}: ${repo.stacks.length} stack${repo.stacks.length === 1 ? '' : 's'}`);
    if (repo.error !== null) lines.push(`  error: ${repo.error}`);
    const width = Math.max(0, ...repo.stacks.map((s) => s.stack.length));
    for (const s of repo.stacks) {
      const kinds = s.kinds.length > 0 ? ` (${s.kinds.join(', ')})` : '';
      const tool = s.tool ? `  [${s.tool} ${s.toolVersion ?? '?'}]` : '';
      const error = s.error !== null ? `: ${s.error}` : '';
      lines.push(`  ${s.stack.padEnd(width)}  ${s.status}${kinds}${counts(s)}${tool}${error}`);
    }
  }
  const code = scanExitCode(repos);
  lines.push(code === 0 ? 'all stacks in sync' : code === 2 ? 'drift detected' : 'errors occurred');
  return lines;
}

/** The `-json` document: snake_case, like the API. */
export function scanReportJson(repos: readonly ScanRepoReport[]): unknown {
  return {
    exit_code: scanExitCode(repos),
    repos: repos.map((r) => ({
      repo: r.repo,
      task_id: r.taskId,
      commit: r.commit,
      error: r.error,
      stacks: r.stacks.map((s) => ({
        stack: s.stack,
        status: s.status,
        kinds: s.kinds,
        summary: s.summary,
        tool: s.tool,
        tool_version: s.toolVersion,
        error: s.error,
      })),
    })),
  };
}
