import type { CountedJobState } from './counters.js';
import type { DriftKind, DriftStatus, DriftSummary } from './drift-result.js';
import { DriftdError } from './errors.js';
import type { DomainEvent } from './events.js';
import type { JobFailure } from './failure.js';
import { shouldRetry } from './failure.js';
import type { JobId, LeaseToken, RepoName, StackPath, TaskId } from './ids.js';
import { err, ok } from './result.js';
import { canTransition, type Transition } from './transition.js';

export type JobStatus = 'created' | 'pending' | 'running' | 'completed' | 'failed' | 'canceled';

/** Legal edges of the job lifecycle: created → pending → running → completed | failed, running → pending
 * on a retry, and canceled from any live state. */
export const JOB_TRANSITIONS = {
  created: ['pending', 'canceled'],
  pending: ['running', 'canceled'],
  running: ['completed', 'failed', 'pending', 'canceled'],
  completed: [],
  failed: [],
  canceled: [],
} as const satisfies Record<JobStatus, readonly JobStatus[]>;

export const JOB_STATUSES = Object.keys(JOB_TRANSITIONS) as JobStatus[];

/** What the API shows of a job's result once it exists. */
export interface JobResultSummary {
  readonly status: DriftStatus;
  readonly kinds: readonly DriftKind[];
  readonly summary: DriftSummary;
  readonly tool?: string;
  readonly toolVersion?: string;
}

interface JobBase {
  readonly id: JobId;
  readonly taskId: TaskId;
  readonly repo: RepoName;
  readonly stack: StackPath;
  /** Commit the task pinned, when known. */
  readonly commit?: string;
  /** Attempts started so far (a lease granted counts as one). */
  readonly attempt: number;
  readonly maxAttempts: number;
  readonly createdAt: number;
  readonly updatedAt: number;
  /** The last failure, kept on retries so users see why the first attempt failed. */
  readonly lastFailure?: JobFailure;
}

export interface CreatedJob extends JobBase {
  readonly status: 'created';
}
export interface PendingJob extends JobBase {
  readonly status: 'pending';
  readonly queuedAt: number;
}
export interface RunningJob extends JobBase {
  readonly status: 'running';
  readonly workerId: string;
  readonly leaseToken: LeaseToken;
  readonly leaseDeadline: number;
  readonly startedAt: number;
}
export interface CompletedJob extends JobBase {
  readonly status: 'completed';
  readonly startedAt: number;
  readonly finishedAt: number;
  readonly result: JobResultSummary;
}
export interface FailedJob extends JobBase {
  readonly status: 'failed';
  readonly startedAt?: number;
  readonly finishedAt: number;
  readonly failure: JobFailure;
  /** Present when terraform ran and reported an error. */
  readonly result?: JobResultSummary;
}
export interface CanceledJob extends JobBase {
  readonly status: 'canceled';
  readonly finishedAt: number;
  readonly reason: string;
}

export type Job = CreatedJob | PendingJob | RunningJob | CompletedJob | FailedJob | CanceledJob;
export type FinishedJob = CompletedJob | FailedJob | CanceledJob;

export function isTerminalJob(job: Job): job is FinishedJob {
  return JOB_TRANSITIONS[job.status].length === 0;
}

/** The part of a job the task counters depend on. */
export function countedState(job: Job): CountedJobState {
  if (job.status === 'completed') return { status: 'completed', driftStatus: job.result.status };
  if (job.status === 'failed') return { status: 'failed', failureKind: job.failure.kind };
  return { status: job.status };
}

export interface NewJob {
  readonly id: JobId;
  readonly taskId: TaskId;
  readonly repo: RepoName;
  readonly stack: StackPath;
  readonly commit?: string;
  readonly maxAttempts: number;
}

export function createJob(input: NewJob, now: number): CreatedJob {
  return { ...input, status: 'created', attempt: 0, createdAt: now, updatedAt: now };
}

function refuse<T>(from: Job, to: JobStatus): Transition<T> {
  return err({ code: 'invalid_transition', entity: 'job', from: from.status, to });
}

function base(job: Job, now: number): JobBase {
  const { id, taskId, repo, stack, commit, attempt, maxAttempts, createdAt, lastFailure } = job;
  return {
    id,
    taskId,
    repo,
    stack,
    attempt,
    maxAttempts,
    createdAt,
    updatedAt: now,
    ...(commit !== undefined && { commit }),
    ...(lastFailure !== undefined && { lastFailure }),
  };
}

/** created → pending: the job enters the queue. */
export function enqueueJob(job: Job, now: number): Transition<PendingJob> {
  if (job.status !== 'created') return refuse(job, 'pending');
  return ok({ state: { ...base(job, now), status: 'pending', queuedAt: now }, events: [] });
}

export interface Lease {
  readonly workerId: string;
  readonly token: LeaseToken;
  readonly leaseMs: number;
}

/** pending → running: a worker claimed the job; counts an attempt. */
export function startJob(job: Job, lease: Lease, now: number): Transition<RunningJob> {
  if (job.status !== 'pending') return refuse(job, 'running');
  const state: RunningJob = {
    ...base(job, now),
    status: 'running',
    attempt: job.attempt + 1,
    workerId: lease.workerId,
    leaseToken: lease.token,
    leaseDeadline: now + lease.leaseMs,
    startedAt: now,
  };
  const event: DomainEvent = {
    type: 'job.started',
    jobId: job.id,
    taskId: job.taskId,
    repo: job.repo,
    stack: job.stack,
    attempt: state.attempt,
    workerId: lease.workerId,
    occurredAt: now,
  };
  return ok({ state, events: [event] });
}

/** Extends the lease of the holder of `token`; refused when the lease was taken over. */
export function renewJobLease(
  job: Job,
  token: LeaseToken,
  leaseMs: number,
  now: number,
): Transition<RunningJob> {
  if (job.status !== 'running') return refuse(job, 'running');
  if (job.leaseToken !== token) return err({ code: 'lease_mismatch' });
  return ok({ state: { ...job, leaseDeadline: now + leaseMs, updatedAt: now }, events: [] });
}

/**
 * Guard for JobQueue.complete(): an `error` verdict is a failure and goes through fail(). A caller
 * breaking this is a programmer error, so every adapter throws the same DriftdError.
 */
export function assertCompletableResult(result: JobResultSummary): void {
  if (result.status === 'error') {
    throw new DriftdError(
      'DRIFTD_INVALID_INPUT',
      'complete() takes in_sync or drifted results; report errors with fail()',
    );
  }
}

/** running → completed: the plan was made and classified `in_sync` or `drifted`. */
export function completeJob(
  job: Job,
  token: LeaseToken,
  result: JobResultSummary,
  now: number,
): Transition<CompletedJob> {
  if (job.status !== 'running') return refuse(job, 'completed');
  if (job.leaseToken !== token) return err({ code: 'lease_mismatch' });
  if (result.status === 'error') return refuse(job, 'completed');
  const state: CompletedJob = {
    ...base(job, now),
    status: 'completed',
    startedAt: job.startedAt,
    finishedAt: now,
    result,
  };
  const event: DomainEvent = {
    type: 'job.completed',
    jobId: job.id,
    taskId: job.taskId,
    repo: job.repo,
    stack: job.stack,
    status: result.status,
    kinds: result.kinds,
    occurredAt: now,
  };
  return ok({ state, events: [event] });
}

/** Either back to the queue (retryable and attempts left) or failed for good. */
function settleFailure(
  job: RunningJob,
  failure: JobFailure,
  now: number,
  result?: JobResultSummary,
): Transition<PendingJob | FailedJob> {
  const willRetry = shouldRetry(failure.kind, job.attempt, job.maxAttempts);
  const event: DomainEvent = {
    type: 'job.failed',
    jobId: job.id,
    taskId: job.taskId,
    repo: job.repo,
    stack: job.stack,
    failure: failure.kind,
    message: failure.message,
    willRetry,
    occurredAt: now,
  };
  const b = { ...base(job, now), lastFailure: failure };
  if (willRetry) return ok({ state: { ...b, status: 'pending', queuedAt: now }, events: [event] });
  const failed: FailedJob = {
    ...b,
    status: 'failed',
    startedAt: job.startedAt,
    finishedAt: now,
    failure,
    ...(result !== undefined && { result }),
  };
  return ok({ state: failed, events: [event] });
}

/** running → pending | failed: the holder of `token` reports a failure. */
export function failJob(
  job: Job,
  token: LeaseToken,
  failure: JobFailure,
  now: number,
  result?: JobResultSummary,
): Transition<PendingJob | FailedJob> {
  if (job.status !== 'running') return refuse(job, 'failed');
  if (job.leaseToken !== token) return err({ code: 'lease_mismatch' });
  return settleFailure(job, failure, now, result);
}

/** running → pending | failed: the lease expired (the worker died); counts as a `lost_worker` failure. */
export function expireJobLease(job: Job, now: number): Transition<PendingJob | FailedJob> {
  if (job.status !== 'running') return refuse(job, 'pending');
  if (now < job.leaseDeadline) return err({ code: 'lease_active' });
  const failure: JobFailure = {
    kind: 'lost_worker',
    message: `lease of worker ${job.workerId} expired (attempt ${job.attempt} of ${job.maxAttempts})`,
  };
  return settleFailure(job, failure, now);
}

/**
 * running → pending without counting the attempt: a draining worker hands the job back unfinished
 * (graceful shutdown), so another worker takes it at once instead of after the lease expires.
 */
export function releaseJob(job: Job, token: LeaseToken, now: number): Transition<PendingJob> {
  if (job.status !== 'running') return refuse(job, 'pending');
  if (job.leaseToken !== token) return err({ code: 'lease_mismatch' });
  const state: PendingJob = {
    ...base(job, now),
    attempt: Math.max(0, job.attempt - 1),
    status: 'pending',
    queuedAt: now,
  };
  return ok({ state, events: [] });
}

/** Any live state → canceled. No event of its own: the task's `task.canceled` covers its jobs. */
export function cancelJob(job: Job, reason: string, now: number): Transition<CanceledJob> {
  if (!canTransition(JOB_TRANSITIONS, job.status, 'canceled')) return refuse(job, 'canceled');
  return ok({ state: { ...base(job, now), status: 'canceled', finishedAt: now, reason }, events: [] });
}
