import { err, ok, type Result } from './result.js';

/**
 * Lock, lease and retention policy. Rules from the spec:
 * - `lock_ttl` default 30m, at least 2m;
 * - `renew_every` 0 means `lock_ttl/3`; otherwise at least 10s and at most `lock_ttl/2`;
 * - `task_max_age` default 6h; job and task records kept 7 days after they end.
 *
 * Job leases are deliberately much shorter than the repo lock: a worker renews its lease every
 * `min(renew_every, 10s)` and a lease lasts three of those intervals, so with the defaults a dead
 * worker's job is back in the queue within about half a minute, while the repo lock (renewed on the
 * same heartbeat) only has to outlive a serve restart.
 */
export const SECOND = 1_000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

export const DEFAULT_LOCK_TTL_MS = 30 * MINUTE;
export const MIN_LOCK_TTL_MS = 2 * MINUTE;
export const MIN_RENEW_EVERY_MS = 10 * SECOND;
export const DEFAULT_TASK_MAX_AGE_MS = 6 * HOUR;
export const JOB_RETENTION_MS = 7 * DAY;
export const MAX_LEASE_RENEW_MS = 10 * SECOND;
export const LEASE_RENEWALS_PER_LEASE = 3;

export interface LockPolicyInput {
  readonly lockTtlMs: number;
  /** 0 = `lock_ttl / 3`. */
  readonly renewEveryMs: number;
  readonly taskMaxAgeMs: number;
}

export interface LockPolicy {
  readonly lockTtlMs: number;
  readonly renewEveryMs: number;
  readonly taskMaxAgeMs: number;
  readonly retentionMs: number;
  /** How long a job lease lasts without renewal. */
  readonly leaseMs: number;
  /** How often a worker renews its job lease (and the repo lock). */
  readonly leaseRenewMs: number;
  /** How often the reaper looks for expired leases and over-age tasks. */
  readonly reapEveryMs: number;
}

export interface LockPolicyProblem {
  /** Config key the problem is about. */
  readonly key: 'lock_ttl' | 'renew_every' | 'task_max_age';
  readonly message: string;
}

export function formatDuration(ms: number): string {
  if (ms % HOUR === 0 && ms >= HOUR) return `${ms / HOUR}h`;
  if (ms % MINUTE === 0 && ms >= MINUTE) return `${ms / MINUTE}m`;
  if (ms % SECOND === 0) return `${ms / SECOND}s`;
  return `${ms}ms`;
}

export function resolveLockPolicy(input: LockPolicyInput): Result<LockPolicy, LockPolicyProblem[]> {
  const problems: LockPolicyProblem[] = [];
  const { lockTtlMs, renewEveryMs, taskMaxAgeMs } = input;
  if (lockTtlMs < MIN_LOCK_TTL_MS) {
    problems.push({
      key: 'lock_ttl',
      message: `must be at least ${formatDuration(MIN_LOCK_TTL_MS)} (got ${formatDuration(lockTtlMs)})`,
    });
  }
  if (renewEveryMs !== 0 && renewEveryMs < MIN_RENEW_EVERY_MS) {
    problems.push({
      key: 'renew_every',
      message: `must be 0 (auto) or at least ${formatDuration(MIN_RENEW_EVERY_MS)} (got ${formatDuration(renewEveryMs)})`,
    });
  }
  if (renewEveryMs > lockTtlMs / 2) {
    problems.push({
      key: 'renew_every',
      message: `must be at most lock_ttl/2 = ${formatDuration(lockTtlMs / 2)} (got ${formatDuration(renewEveryMs)})`,
    });
  }
  if (taskMaxAgeMs <= 0) problems.push({ key: 'task_max_age', message: 'must be greater than 0' });
  if (problems.length > 0) return err(problems);
  const renew = renewEveryMs === 0 ? Math.max(Math.floor(lockTtlMs / 3), MIN_RENEW_EVERY_MS) : renewEveryMs;
  const leaseRenewMs = Math.min(renew, MAX_LEASE_RENEW_MS);
  return ok({
    lockTtlMs,
    renewEveryMs: renew,
    taskMaxAgeMs,
    retentionMs: JOB_RETENTION_MS,
    leaseMs: leaseRenewMs * LEASE_RENEWALS_PER_LEASE,
    leaseRenewMs,
    reapEveryMs: leaseRenewMs,
  });
}

/** A lease or lock whose deadline has passed is stale and may be taken over. */
export function isExpired(deadline: number, now: number): boolean {
  return now >= deadline;
}
