import type { DomainEvent } from '../../domain/events.js';
import type { JobFailure } from '../../domain/failure.js';
import type { JobId, LeaseToken } from '../../domain/ids.js';
import {
  assertCompletableResult,
  completeJob,
  expireJobLease,
  failJob,
  type Job,
  type JobResultSummary,
  releaseJob,
  renewJobLease,
  startJob,
} from '../../domain/job.js';
import { isExpired } from '../../domain/lock-policy.js';
import type { Transition } from '../../domain/transition.js';
import type {
  ClaimedJob,
  ClaimRequest,
  JobQueue,
  LeaseStatus,
  QueueStats,
  SettleOutcome,
} from '../../ports/job-queue.port.js';
import { type CoordinationState, withCounters } from './coordination-state.js';

/**
 * The lease-based queue of embedded mode. Leases are judged by the shared Clock; every call runs
 * synchronously on the shared CoordinationState, which makes it atomic with task counters and locks.
 * A lease past its deadline stays valid for its holder until `recoverExpired` takes it back (the domain
 * transitions fence by token, not by time), so a slow worker that finishes before the reaper runs is
 * not thrown away.
 */
export class MemoryJobQueue implements JobQueue {
  constructor(private readonly state: CoordinationState) {}

  async claim(request: ClaimRequest): Promise<ClaimedJob | null> {
    return this.claimNext(request);
  }

  private claimNext(request: ClaimRequest): ClaimedJob | null {
    const s = this.state;
    const now = s.clock.now();
    const lease = { workerId: request.workerId, token: request.token, leaseMs: request.leaseMs };
    for (const id of s.pending) {
      const job = s.jobs.get(id);
      const t = job && s.tasks.has(job.taskId) ? startJob(job, lease, now) : null;
      if (!job || !t?.ok) {
        s.pending.delete(id); // an orphan or non-pending entry: never claimable, drop it
        continue;
      }
      const moved = s.moveJob(job, t.value.state, now);
      const task = moved.task ?? s.tasks.get(job.taskId)!;
      return { job: t.value.state, task, events: [...withCounters(t.value.events, task), ...moved.events] };
    }
    return null;
  }

  async renew(jobId: JobId, token: LeaseToken, leaseMs: number, lockTtlMs: number): Promise<LeaseStatus> {
    const s = this.state;
    const job = s.jobs.get(jobId);
    if (!job) return 'lost';
    if (job.status === 'canceled') return 'canceled';
    const t = renewJobLease(job, token, leaseMs, s.clock.now());
    if (!t.ok) return 'lost';
    s.jobs.set(jobId, Object.freeze(t.value.state));
    s.acquireLock(job.repo, job.taskId, lockTtlMs);
    return 'ok';
  }

  async complete(
    jobId: JobId,
    token: LeaseToken,
    result: JobResultSummary,
    next?: ClaimRequest,
  ): Promise<SettleOutcome> {
    assertCompletableResult(result);
    return this.settle(jobId, (job, now) => completeJob(job, token, result, now), next);
  }

  async fail(
    jobId: JobId,
    token: LeaseToken,
    failure: JobFailure,
    result?: JobResultSummary,
    next?: ClaimRequest,
  ): Promise<SettleOutcome> {
    return this.settle(jobId, (job, now) => failJob(job, token, failure, now, result), next);
  }

  /** Applies a holder's settling transition, then (in the same synchronous step) claims `next`. */
  private settle(
    jobId: JobId,
    transition: (job: Job, now: number) => Transition<Job>,
    next?: ClaimRequest,
  ): SettleOutcome {
    const s = this.state;
    const now = s.clock.now();
    const job = s.jobs.get(jobId);
    const claimNext = () => (next ? this.claimNext(next) : null);
    if (!job) return { ok: false, reason: 'not_found', next: claimNext() };
    if (job.status === 'canceled') return { ok: false, reason: 'canceled', next: claimNext() };
    const t = transition(job, now);
    if (!t.ok) return { ok: false, reason: 'lease_lost', next: claimNext() };
    const moved = s.moveJob(job, t.value.state, now);
    const task = moved.task ?? s.tasks.get(job.taskId);
    if (!task) return { ok: false, reason: 'not_found', next: claimNext() };
    const events = [...withCounters(t.value.events, moved.task), ...moved.events];
    return { ok: true, job: t.value.state, task, events, next: claimNext() };
  }

  async release(jobId: JobId, token: LeaseToken): Promise<boolean> {
    const s = this.state;
    const job = s.jobs.get(jobId);
    if (!job) return false;
    const now = s.clock.now();
    const t = releaseJob(job, token, now);
    if (!t.ok) return false;
    s.moveJob(job, t.value.state, now);
    return true;
  }

  async recoverExpired(limit: number): Promise<{ jobs: Job[]; events: DomainEvent[] }> {
    const s = this.state;
    const now = s.clock.now();
    const jobs: Job[] = [];
    const events: DomainEvent[] = [];
    for (const id of s.running) {
      if (jobs.length >= limit) break;
      const job = s.jobs.get(id);
      if (job?.status !== 'running' || !isExpired(job.leaseDeadline, now)) continue;
      const t = expireJobLease(job, now);
      if (!t.ok) continue;
      const moved = s.moveJob(job, t.value.state, now);
      jobs.push(t.value.state);
      events.push(...withCounters(t.value.events, moved.task), ...moved.events);
    }
    return { jobs, events };
  }

  async waitForWork(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (this.state.pending.size > 0 || signal?.aborted) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        this.state.removeWaiter(done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, timeoutMs));
      signal?.addEventListener('abort', done, { once: true });
      this.state.addWaiter(done);
    });
  }

  async stats(): Promise<QueueStats> {
    const s = this.state;
    const first = s.pending.values().next();
    const oldest = first.done ? undefined : s.jobs.get(first.value);
    const age = oldest?.status === 'pending' ? Math.max(0, s.clock.now() - oldest.queuedAt) : 0;
    return { pending: s.pending.size, running: s.running.size, oldestPendingAgeMs: age };
  }
}
