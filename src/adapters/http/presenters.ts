import type { HealthReport, RepoDetail, RepoSummary, StackSummary } from '../../app/read-models.js';
import type { DriftSummary } from '../../domain/drift-result.js';
import type { DomainEvent } from '../../domain/events.js';
import type { Job, JobResultSummary } from '../../domain/job.js';
import type { ToolUsed } from '../../domain/stack-run.js';
import type { Task } from '../../domain/task.js';

/**
 * Domain objects and read models → the API's JSON: snake_case keys, ISO-8601 times, `null` for
 * absent optional values (keys are always present). The task's first ten keys are exactly the
 * spec's, in the spec's order.
 */

type Json = Record<string, unknown>;

/** Recent conversions: `toISOString` costs ~2 µs, and a dashboard poll formats the same ~100 times again. */
const isoCache = new Map<number, string>();
const ISO_CACHE_MAX = 4_096;

export function iso(ms: number | null | undefined): string | null {
  if (ms === null || ms === undefined) return null;
  let text = isoCache.get(ms);
  if (text === undefined) {
    text = new Date(ms).toISOString();
    // Cleared when full rather than LRU: the working set (latest runs, live tasks) refills it at once.
    if (isoCache.size >= ISO_CACHE_MAX) isoCache.clear();
    isoCache.set(ms, text);
  }
  return text;
}

export function presentTask(task: Task): Json {
  const c = task.counters;
  return {
    id: task.id,
    repo_name: task.repo,
    status: task.status,
    total: c.total,
    queued: c.queued,
    running: c.running,
    completed: c.completed,
    failed: c.failed,
    drifted: c.drifted,
    errored: c.errored,
    stack: task.stack ?? null,
    trigger: task.trigger.kind,
    actor: task.trigger.actor ?? null,
    trigger_commit: task.trigger.commit ?? null,
    commit: task.commit ?? null,
    created_at: iso(task.createdAt),
    started_at: iso(task.startedAt),
    finished_at: iso(task.finishedAt),
    reason: task.reason ?? null,
    superseded_by: task.supersededBy ?? null,
  };
}

export function presentSummary(s: DriftSummary): Json {
  return {
    add: s.add,
    change: s.change,
    destroy: s.destroy,
    import: s.import,
    move: s.move,
    drifted: s.drifted,
    outputs: s.outputs,
  };
}

export function presentTool(tool: ToolUsed | undefined): Json | null {
  return tool === undefined ? null : { name: tool.name, version: tool.version };
}

function presentJobResult(r: JobResultSummary | undefined): Json | null {
  if (r === undefined) return null;
  return {
    status: r.status,
    kinds: [...r.kinds],
    summary: presentSummary(r.summary),
    tool: r.tool ?? null,
    tool_version: r.toolVersion ?? null,
  };
}

/** A job, with its result summary once it exists. Lease tokens are never shown. */
export function presentJob(job: Job): Json {
  return {
    id: job.id,
    task_id: job.taskId,
    repo_name: job.repo,
    stack: job.stack,
    status: job.status,
    attempt: job.attempt,
    max_attempts: job.maxAttempts,
    commit: job.commit ?? null,
    created_at: iso(job.createdAt),
    updated_at: iso(job.updatedAt),
    queued_at: iso(job.status === 'pending' ? job.queuedAt : undefined),
    started_at: iso('startedAt' in job ? job.startedAt : undefined),
    finished_at: iso('finishedAt' in job ? job.finishedAt : undefined),
    worker_id: job.status === 'running' ? job.workerId : null,
    result: presentJobResult('result' in job ? job.result : undefined),
    failure: job.status === 'failed' ? { kind: job.failure.kind, message: job.failure.message } : null,
    last_failure: job.lastFailure ? { kind: job.lastFailure.kind, message: job.lastFailure.message } : null,
    reason: job.status === 'canceled' ? job.reason : null,
  };
}

/** The trigger routes' success body: `{ jobs, task, message }` (spec), plus `superseded_task`. */
export function presentStarted(task: Task, jobs: readonly Job[], superseded?: Task): Json {
  const message =
    task.stack !== undefined || jobs.length === 1 ? 'Job enqueued' : `Task started with ${jobs.length} jobs`;
  return {
    jobs: jobs.map((j) => j.id),
    task: presentTask(task),
    message,
    ...(superseded !== undefined && { superseded_task: presentTask(superseded) }),
  };
}

export function presentConflict(active: Task): Json {
  return { active_task: presentTask(active) };
}

export function presentRepo(repo: RepoSummary): Json {
  return {
    name: repo.name,
    url: repo.url,
    branch: repo.branch ?? null,
    schedule: repo.schedule ?? null,
    stacks: repo.stacks,
    counts: { ...repo.counts },
    active_task: repo.activeTask ? presentTask(repo.activeTask) : null,
    last_task: repo.lastTask ? presentTask(repo.lastTask) : null,
    last_run_at: iso(repo.lastRunAt),
    error: repo.error ? { message: repo.error.message, at: iso(repo.error.at) } : null,
  };
}

export function presentRepoDetail(detail: RepoDetail): Json {
  return {
    ...presentRepo(detail.repo),
    stack_list: detail.stacks.map(presentStackSummary),
    recent_tasks: detail.recentTasks.map(presentTask),
  };
}

export function presentStackSummary(s: StackSummary): Json {
  return {
    repo_name: s.repo,
    stack: s.stack,
    status: s.status,
    kinds: [...s.kinds],
    summary: s.summary ? presentSummary(s.summary) : null,
    tool: presentTool(s.tool),
    commit: s.commit ?? null,
    finished_at: iso(s.finishedAt),
    error: s.error ?? null,
  };
}

export function presentHealth(h: HealthReport): Json {
  return { status: h.status, mode: h.mode, redis: h.redis, version: h.version };
}

const SNAKE_EVENT_KEYS: Readonly<Record<string, string>> = { repo: 'repo_name', occurredAt: 'occurred_at' };

/** A domain event for SSE clients: the same fields, snake_case, `occurred_at` as ISO time. */
export function presentEvent(event: DomainEvent): Json {
  const out: Json = {};
  for (const [key, value] of Object.entries(event)) {
    const name = SNAKE_EVENT_KEYS[key] ?? key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    out[name] = key === 'occurredAt' ? iso(value as number) : value;
  }
  return out;
}
