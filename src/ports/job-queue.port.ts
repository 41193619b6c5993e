import type { DomainEvent } from '../domain/events.js';
import type { JobFailure } from '../domain/failure.js';
import type { JobId, LeaseToken } from '../domain/ids.js';
import type { Job, JobResultSummary, RunningJob } from '../domain/job.js';
import type { Task } from '../domain/task.js';

export interface ClaimRequest {
  readonly workerId: string;
  /** A fresh, unguessable token for this claim: the fencing token every later call must present. */
  readonly token: LeaseToken;
  readonly leaseMs: number;
}

/** A job a worker now holds, with its task as it was at claim time. */
export interface ClaimedJob {
  readonly job: RunningJob;
  readonly task: Task;
  readonly events: readonly DomainEvent[];
}

export type LeaseStatus =
  /** Lease extended. */
  | 'ok'
  /** The lease expired and was taken over, or the job finished: stop working on it, report nothing. */
  | 'lost'
  /** The job's task was canceled: stop the plan, report nothing. */
  | 'canceled';

export type SettleOutcome =
  | {
      readonly ok: true;
      /** The job after the transition: completed, failed, or pending again (retry). */
      readonly job: Job;
      readonly task: Task;
      /**
       * Events of the job and, if it finished, of the task. The caller publishes them; an adapter may
       * already have recorded them atomically with the state (Redis), and its own event bus then skips them.
       */
      readonly events: readonly DomainEvent[];
      /** The next job, when the call carried a `next` claim and one was available. */
      readonly next: ClaimedJob | null;
    }
  | {
      readonly ok: false;
      /** `lease_lost`: the token is not the job's current lease (taken over or finished) — rejected. */
      readonly reason: 'lease_lost' | 'not_found' | 'canceled';
      readonly next: ClaimedJob | null;
    };

export interface QueueStats {
  readonly pending: number;
  readonly running: number;
  /** Age in ms of the oldest pending job, 0 when none. */
  readonly oldestPendingAgeMs: number;
}

/**
 * The lease-based job queue: pending → leased (owner token + deadline) → done.
 *
 * - Exclusivity: a pending job is handed to exactly one claimer. A job is in the pending set at most
 *   once by construction (enqueue is idempotent, keyed by job id).
 * - Fencing: `renew`, `complete` and `fail` act only for the current lease token; a late call by a
 *   worker whose lease was taken over is rejected (`lease_lost`) and changes nothing.
 * - Counters: every job transition moves its task's counters in the same atomic step, and finishes the
 *   task (releasing the repo lock) when `completed + failed = total`.
 * - Order: jobs are claimed oldest first (FIFO by enqueue time).
 * Throws only `DriftdError('DRIFTD_ADAPTER_UNAVAILABLE')` when the backing store is unreachable.
 */
export interface JobQueue {
  /** Atomically leases the oldest pending job to the claimer, or returns null when none is pending. */
  claim(request: ClaimRequest): Promise<ClaimedJob | null>;
  /**
   * Extends the lease held with `token` by `leaseMs` from now, and the job's repo lock by `lockTtlMs`.
   * Atomic, owner-checked.
   */
  renew(jobId: JobId, token: LeaseToken, leaseMs: number, lockTtlMs: number): Promise<LeaseStatus>;
  /**
   * Marks the job completed with its result (status `in_sync` or `drifted`), moves the task counters,
   * finishes the task if it was the last job, and, when `next` is given, claims the next job — all in
   * one atomic step.
   */
  complete(
    jobId: JobId,
    token: LeaseToken,
    result: JobResultSummary,
    next?: ClaimRequest,
  ): Promise<SettleOutcome>;
  /**
   * Reports a failure: retryable failures with attempts left go back to the queue, others fail the job
   * for good (`result` kept when terraform produced an error verdict). Same atomicity as `complete`.
   */
  fail(
    jobId: JobId,
    token: LeaseToken,
    failure: JobFailure,
    result?: JobResultSummary,
    next?: ClaimRequest,
  ): Promise<SettleOutcome>;
  /**
   * Hands a leased job back to the queue without counting an attempt (a draining worker stopping early).
   * Owner-checked; returns false (and changes nothing) when `token` no longer holds the lease.
   */
  release(jobId: JobId, token: LeaseToken): Promise<boolean>;
  /**
   * Returns every job whose lease expired to the queue (counting a `lost_worker` attempt) or fails it past
   * its retry budget, with the task update, atomically per job. Safe to run from every process at once.
   */
  recoverExpired(
    limit: number,
  ): Promise<{ readonly jobs: readonly Job[]; readonly events: readonly DomainEvent[] }>;
  /**
   * Resolves when a job may have become claimable, or after `timeoutMs`, or when `signal` aborts.
   * Best-effort wake-up for idle workers; never throws.
   */
  waitForWork(timeoutMs: number, signal?: AbortSignal): Promise<void>;
  stats(): Promise<QueueStats>;
}
