import { describe, expect, it } from 'vitest';
import {
  applyDelta,
  COUNTER_NAMES,
  type CountedJobState,
  contribution,
  counterDelta,
  countJobs,
  emptyCounters,
  isTaskDone,
  type TaskCounters,
} from '../../src/domain/counters.js';
import type { FailureKind } from '../../src/domain/failure.js';
import { type LeaseToken, makeJobId, type StackPath } from '../../src/domain/ids.js';
import {
  cancelJob,
  completeJob,
  countedState,
  createJob,
  enqueueJob,
  expireJobLease,
  failJob,
  type Job,
  releaseJob,
  startJob,
} from '../../src/domain/job.js';
import type { Transition } from '../../src/domain/transition.js';
import { DRIFTED, IN_SYNC, prng, REPO, T0, TASK_ID, TS } from './state-fixtures.js';

const KINDS: FailureKind[] = [
  'lost_worker',
  'timeout',
  'fetch_error',
  'download_error',
  'terraform_error',
  'config_error',
  'internal',
];

/** A random next step for `job` through a domain transition (refusals are part of the history too). */
function randomStep(job: Job, rand: () => number, now: number): Transition<Job> {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  const token = (job.status === 'running' ? job.leaseToken : 'stale') as LeaseToken;
  const steps: (() => Transition<Job>)[] = [
    () => enqueueJob(job, now),
    () => startJob(job, { workerId: 'w', token: `t${now}` as LeaseToken, leaseMs: 10 }, now),
    () => completeJob(job, token, pick([IN_SYNC, DRIFTED]), now),
    () => failJob(job, token, { kind: pick(KINDS), message: 'x' }, now),
    () => expireJobLease(job, now + 1_000),
    () => releaseJob(job, token, now),
    () => cancelJob(job, 'stop', now),
  ];
  // Cancel rarely, so histories reach the deeper states.
  const i = rand() < 0.05 ? 6 : Math.floor(rand() * 6);
  return steps[i]!();
}

function nonNegative(c: TaskCounters): boolean {
  return COUNTER_NAMES.every((n) => c[n] >= 0);
}

describe('task counters', () => {
  it('the incremental rule agrees with recounting over random job histories, and never goes negative', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const rand = prng(seed);
      const n = 1 + Math.floor(rand() * 8);
      let jobs: Job[] = Array.from({ length: n }, (_, i) =>
        createJob(
          {
            id: makeJobId(REPO, `s${i}` as StackPath, TS),
            taskId: TASK_ID,
            repo: REPO,
            stack: `s${i}` as StackPath,
            maxAttempts: 1 + Math.floor(rand() * 3),
          },
          T0,
        ),
      );
      let counters = emptyCounters(n);
      expect(counters).toEqual(countJobs(jobs.map(countedState)));
      for (let step = 0; step < 60; step++) {
        const at = Math.floor(rand() * n);
        const before = jobs[at]!;
        const r = randomStep(before, rand, T0 + step);
        if (!r.ok) continue;
        counters = applyDelta(counters, counterDelta(countedState(before), countedState(r.value.state)));
        jobs = jobs.map((j, i) => (i === at ? r.value.state : j));
        expect(counters, `seed ${seed} step ${step}`).toEqual(countJobs(jobs.map(countedState)));
        expect(nonNegative(counters)).toBe(true);
        expect(counters.drifted).toBeLessThanOrEqual(counters.completed);
        expect(counters.errored).toBeLessThanOrEqual(counters.failed);
      }
    }
  });

  it('each state contributes to exactly the documented counters', () => {
    const table: [CountedJobState, Partial<TaskCounters>][] = [
      [{ status: 'created' }, { queued: 1 }],
      [{ status: 'pending' }, { queued: 1 }],
      [{ status: 'running' }, { running: 1 }],
      [{ status: 'completed', driftStatus: 'in_sync' }, { completed: 1 }],
      [
        { status: 'completed', driftStatus: 'drifted' },
        { completed: 1, drifted: 1 },
      ],
      [
        { status: 'failed', failureKind: 'terraform_error' },
        { failed: 1, errored: 1 },
      ],
      [{ status: 'failed', failureKind: 'lost_worker' }, { failed: 1 }],
      [{ status: 'canceled' }, {}],
    ];
    for (const [state, expected] of table) {
      const zero = { queued: 0, running: 0, completed: 0, failed: 0, drifted: 0, errored: 0 };
      expect(contribution(state), state.status).toEqual({ ...zero, ...expected });
      expect(counterDelta(null, state)).toEqual(contribution(state));
      expect(countJobs([state])).toEqual({ total: 1, ...zero, ...expected });
    }
    expect(contribution(null)).toEqual({
      queued: 0,
      running: 0,
      completed: 0,
      failed: 0,
      drifted: 0,
      errored: 0,
    });
  });

  it('isTaskDone when completed + failed reaches the total', () => {
    const c = (total: number, completed: number, failed: number): TaskCounters => ({
      ...emptyCounters(total),
      queued: total - completed - failed,
      completed,
      failed,
    });
    expect(isTaskDone(c(0, 0, 0))).toBe(true);
    expect(isTaskDone(c(3, 2, 0))).toBe(false);
    expect(isTaskDone(c(3, 2, 1))).toBe(true);
    expect(isTaskDone(c(3, 0, 3))).toBe(true);
    expect(isTaskDone({ ...c(3, 2, 0), queued: 0 })).toBe(false);
  });
});
