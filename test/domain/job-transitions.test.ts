import { describe, expect, it } from 'vitest';
import {
  cancelJob,
  completeJob,
  enqueueJob,
  expireJobLease,
  failJob,
  JOB_STATUSES,
  JOB_TRANSITIONS,
  type Job,
  type JobStatus,
  releaseJob,
  renewJobLease,
  startJob,
} from '../../src/domain/job.js';
import type { Transition } from '../../src/domain/transition.js';
import {
  CONFIG_ERROR,
  deepFreeze,
  FETCH_ERROR,
  IN_SYNC,
  jobIn,
  LEASE_MS,
  T0,
  TOKEN,
} from './state-fixtures.js';

const NOW = T0 + 10;
const AFTER_LEASE = T0 + 2 + LEASE_MS;

/**
 * Every job transition function, named, with the status it moves to. `reports` is the target a refusal
 * names when it differs: failJob and expireJobLease end in pending or failed and name one of them.
 */
const MOVERS: readonly {
  name: string;
  to: JobStatus;
  reports?: JobStatus;
  apply: (job: Job) => Transition<Job>;
}[] = [
  { name: 'enqueueJob', to: 'pending', apply: (j) => enqueueJob(j, NOW) },
  {
    name: 'startJob',
    to: 'running',
    apply: (j) => startJob(j, { workerId: 'w2', token: TOKEN, leaseMs: 1 }, NOW),
  },
  { name: 'completeJob', to: 'completed', apply: (j) => completeJob(j, TOKEN, IN_SYNC, NOW) },
  {
    name: 'failJob(retryable)',
    to: 'pending',
    reports: 'failed',
    apply: (j) => failJob(j, TOKEN, FETCH_ERROR, NOW),
  },
  { name: 'failJob(final)', to: 'failed', apply: (j) => failJob(j, TOKEN, CONFIG_ERROR, NOW) },
  { name: 'expireJobLease(retry)', to: 'pending', apply: (j) => expireJobLease(j, AFTER_LEASE) },
  {
    name: 'expireJobLease(final)',
    to: 'failed',
    reports: 'pending',
    apply: (j) => expireJobLease({ ...j, maxAttempts: j.attempt } as Job, AFTER_LEASE),
  },
  { name: 'releaseJob', to: 'pending', apply: (j) => releaseJob(j, TOKEN, NOW) },
  { name: 'cancelJob', to: 'canceled', apply: (j) => cancelJob(j, 'stop', NOW) },
];

const LEGAL = JOB_STATUSES.flatMap((from) =>
  (JOB_TRANSITIONS[from] as readonly JobStatus[]).map((to) => [from, to] as const),
);
const ILLEGAL = JOB_STATUSES.flatMap((from) =>
  JOB_STATUSES.filter(
    (to) => to !== from && !(JOB_TRANSITIONS[from] as readonly JobStatus[]).includes(to),
  ).map((to) => [from, to] as const),
);

describe('job transition table', () => {
  it('has the edges of the documented lifecycle', () => {
    expect(LEGAL).toEqual([
      ['created', 'pending'],
      ['created', 'canceled'],
      ['pending', 'running'],
      ['pending', 'canceled'],
      ['running', 'completed'],
      ['running', 'failed'],
      ['running', 'pending'],
      ['running', 'canceled'],
    ]);
    expect(ILLEGAL.length + LEGAL.length).toBe(JOB_STATUSES.length * (JOB_STATUSES.length - 1));
  });

  it.each(LEGAL)('legal edge %s → %s is taken by a transition function', (from, to) => {
    const taken = MOVERS.filter((m) => m.to === to)
      .map((m) => m.apply(jobIn(from)))
      .filter((r) => r.ok);
    expect(taken.length).toBeGreaterThan(0);
    for (const r of taken) expect(r.ok && r.value.state.status).toBe(to);
  });

  it.each(ILLEGAL)('illegal edge %s → %s is rejected with invalid_transition', (from, to) => {
    for (const mover of MOVERS.filter((m) => m.to === to)) {
      const r = mover.apply(jobIn(from));
      expect(r, mover.name).toEqual({
        ok: false,
        error: { code: 'invalid_transition', entity: 'job', from, to: mover.reports ?? to },
      });
    }
  });

  it('no function ever leaves the table, from any state (inputs are never mutated)', () => {
    for (const from of JOB_STATUSES) {
      for (const mover of MOVERS) {
        const job = jobIn(from);
        const r = mover.apply(job);
        if (r.ok) {
          expect(JOB_TRANSITIONS[from] as readonly JobStatus[], `${mover.name} from ${from}`).toContain(
            r.value.state.status,
          );
        } else {
          expect(r.error).toMatchObject({ code: 'invalid_transition', from });
        }
        expect(job.status).toBe(from);
      }
      expect(renewJobLease(jobIn(from), TOKEN, 1, NOW).ok).toBe(from === 'running');
    }
  });

  it('refuses to complete with an error result: errors are reported with failJob', () => {
    expect(completeJob(jobIn('running'), TOKEN, { ...IN_SYNC, status: 'error' }, NOW)).toMatchObject({
      ok: false,
      error: { code: 'invalid_transition', to: 'completed' },
    });
  });

  it('terminal states are exactly those without outgoing edges', () => {
    for (const s of JOB_STATUSES) {
      expect(JOB_TRANSITIONS[s].length === 0).toBe(['completed', 'failed', 'canceled'].includes(s));
    }
  });
});

describe('job transitions', () => {
  it('startJob counts an attempt, sets the lease and emits job.started', () => {
    const r = startJob(jobIn('pending'), { workerId: 'w9', token: TOKEN, leaseMs: 500 }, NOW);
    expect(r.ok && r.value.state).toMatchObject({ status: 'running', attempt: 1, leaseDeadline: NOW + 500 });
    expect(r.ok && r.value.events).toMatchObject([{ type: 'job.started', attempt: 1, workerId: 'w9' }]);
  });

  it('releaseJob hands the job back without counting the attempt and emits nothing', () => {
    const r = releaseJob(jobIn('running'), TOKEN, NOW);
    expect(r.ok && r.value.state).toMatchObject({ status: 'pending', attempt: 0, queuedAt: NOW });
    expect(r.ok && r.value.events).toEqual([]);
  });

  it('failJob keeps the failure on a retry and emits willRetry', () => {
    const retry = failJob(jobIn('running'), TOKEN, FETCH_ERROR, NOW);
    expect(retry.ok && retry.value.state).toMatchObject({ status: 'pending', lastFailure: FETCH_ERROR });
    expect(retry.ok && retry.value.events).toMatchObject([{ type: 'job.failed', willRetry: true }]);
    const final = failJob(jobIn('running', 1), TOKEN, FETCH_ERROR, NOW, { ...IN_SYNC, status: 'error' });
    expect(final.ok && final.value.state).toMatchObject({ status: 'failed', failure: FETCH_ERROR });
    expect(final.ok && final.value.state.status === 'failed' && final.value.state.result?.status).toBe(
      'error',
    );
    expect(final.ok && final.value.events).toMatchObject([{ willRetry: false, failure: 'fetch_error' }]);
  });
});

describe('lease fencing', () => {
  const wrong = 'someone-else' as typeof TOKEN;
  it.each([
    ['renewJobLease', (j: Job) => renewJobLease(j, wrong, 1, NOW)],
    ['completeJob', (j: Job) => completeJob(j, wrong, IN_SYNC, NOW)],
    ['failJob', (j: Job) => failJob(j, wrong, CONFIG_ERROR, NOW)],
    ['releaseJob', (j: Job) => releaseJob(j, wrong, NOW)],
  ] as const)('%s with a token that is not the lease is refused with lease_mismatch', (_name, apply) => {
    const job = deepFreeze(jobIn('running'));
    expect(apply(job)).toEqual({ ok: false, error: { code: 'lease_mismatch' } });
  });

  it('renewJobLease moves the deadline for the holder', () => {
    const r = renewJobLease(jobIn('running'), TOKEN, 5_000, NOW);
    expect(r.ok && r.value.state.leaseDeadline).toBe(NOW + 5_000);
  });

  it('expireJobLease refuses before the deadline and takes the job back at and after it', () => {
    const running = jobIn('running');
    if (running.status !== 'running') throw new Error('fixture');
    expect(expireJobLease(running, running.leaseDeadline - 1)).toEqual({
      ok: false,
      error: { code: 'lease_active' },
    });
    for (const at of [running.leaseDeadline, running.leaseDeadline + 1]) {
      const r = expireJobLease(running, at);
      expect(r.ok && r.value.state).toMatchObject({
        status: 'pending',
        lastFailure: { kind: 'lost_worker' },
      });
      expect(r.ok && r.value.events).toMatchObject([
        { type: 'job.failed', failure: 'lost_worker', willRetry: true },
      ]);
    }
  });

  it('expireJobLease fails the job for good past its retry budget', () => {
    const running = jobIn('running', 1);
    if (running.status !== 'running') throw new Error('fixture');
    const r = expireJobLease(running, running.leaseDeadline);
    expect(r.ok && r.value.state).toMatchObject({ status: 'failed', failure: { kind: 'lost_worker' } });
  });
});
