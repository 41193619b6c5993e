import { describe, expect, it } from 'vitest';
import {
  countsAsErrored,
  type FailureKind,
  isRetryable,
  maxAttempts,
  shouldRetry,
} from '../../src/domain/failure.js';
import {
  DEFAULT_LOCK_TTL_MS,
  DEFAULT_TASK_MAX_AGE_MS,
  formatDuration,
  isExpired,
  JOB_RETENTION_MS,
  MINUTE,
  resolveLockPolicy,
  SECOND,
} from '../../src/domain/lock-policy.js';

const DEFAULTS = { lockTtlMs: DEFAULT_LOCK_TTL_MS, renewEveryMs: 0, taskMaxAgeMs: DEFAULT_TASK_MAX_AGE_MS };

describe('lock policy', () => {
  it('defaults: 30m lock renewed every 10m, 30s job leases renewed every 10s, 7 days retention', () => {
    const r = resolveLockPolicy(DEFAULTS);
    expect(r).toEqual({
      ok: true,
      value: {
        lockTtlMs: 30 * MINUTE,
        renewEveryMs: 10 * MINUTE,
        taskMaxAgeMs: 6 * 60 * MINUTE,
        retentionMs: JOB_RETENTION_MS,
        leaseMs: 30 * SECOND,
        leaseRenewMs: 10 * SECOND,
        reapEveryMs: 10 * SECOND,
      },
    });
    expect(JOB_RETENTION_MS).toBe(7 * 24 * 60 * MINUTE);
  });

  it.each([
    ['lock_ttl 1m', { lockTtlMs: MINUTE }, 'lock_ttl'],
    ['renew_every 20m with lock_ttl 30m', { renewEveryMs: 20 * MINUTE }, 'renew_every'],
    ['renew_every 5s', { renewEveryMs: 5 * SECOND }, 'renew_every'],
    ['task_max_age 0', { taskMaxAgeMs: 0 }, 'task_max_age'],
  ] as const)('rejects %s', (_label, override, key) => {
    const r = resolveLockPolicy({ ...DEFAULTS, ...override });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.map((p) => p.key)).toContain(key);
      for (const p of r.error) expect(p.message).toMatch(/\d/);
    }
  });

  it('accepts the limits: lock_ttl 2m, renew_every 10s, renew_every = lock_ttl/2', () => {
    expect(resolveLockPolicy({ ...DEFAULTS, lockTtlMs: 2 * MINUTE }).ok).toBe(true);
    expect(resolveLockPolicy({ ...DEFAULTS, renewEveryMs: 10 * SECOND }).ok).toBe(true);
    expect(resolveLockPolicy({ ...DEFAULTS, renewEveryMs: 15 * MINUTE }).ok).toBe(true);
  });

  it('renew_every 0 means lock_ttl/3; leases renew at most every 10s and last three renewals', () => {
    const r = resolveLockPolicy({ ...DEFAULTS, lockTtlMs: 3 * MINUTE });
    expect(r.ok && r.value.renewEveryMs).toBe(MINUTE);
    const explicit = resolveLockPolicy({ ...DEFAULTS, renewEveryMs: 12 * SECOND });
    expect(explicit.ok && explicit.value).toMatchObject({
      renewEveryMs: 12 * SECOND,
      leaseRenewMs: 10 * SECOND,
    });
    expect(explicit.ok && explicit.value.leaseMs).toBe(30 * SECOND);
  });

  it('isExpired at and after the deadline', () => {
    expect(isExpired(1000, 999)).toBe(false);
    expect(isExpired(1000, 1000)).toBe(true);
    expect(isExpired(1000, 1001)).toBe(true);
  });

  it('formats durations the way config spells them', () => {
    expect([formatDuration(2 * MINUTE), formatDuration(6 * 60 * MINUTE), formatDuration(5 * SECOND)]).toEqual(
      ['2m', '6h', '5s'],
    );
    expect(formatDuration(1500)).toBe('1500ms');
  });
});

describe('retry policy', () => {
  const ALL: FailureKind[] = [
    'lost_worker',
    'timeout',
    'fetch_error',
    'download_error',
    'terraform_error',
    'config_error',
    'canceled',
    'internal',
  ];
  const RETRYABLE = new Set<FailureKind>(['lost_worker', 'timeout', 'fetch_error', 'download_error']);

  it.each(ALL)('%s: retried only when retryable and attempts remain', (kind) => {
    expect(isRetryable(kind)).toBe(RETRYABLE.has(kind));
    expect(shouldRetry(kind, 1, 2)).toBe(RETRYABLE.has(kind));
    expect(shouldRetry(kind, 2, 2)).toBe(false);
    expect(shouldRetry(kind, 1, 1)).toBe(false);
    expect(countsAsErrored(kind)).toBe(kind === 'terraform_error');
  });

  it('retry_once gives two attempts, otherwise one', () => {
    expect(maxAttempts(true)).toBe(2);
    expect(maxAttempts(false)).toBe(1);
  });
});
