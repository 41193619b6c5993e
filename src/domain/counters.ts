import type { DriftStatus } from './drift-result.js';
import type { FailureKind } from './failure.js';
import { countsAsErrored } from './failure.js';

/**
 * Task progress counters, derived by one rule set from job states:
 * - `queued`: created or pending jobs; `running`: leased jobs;
 * - `completed`: jobs that produced a plan (in sync or drifted); `drifted` ⊆ completed;
 * - `failed`: jobs that ended without a usable plan after retries; `errored` ⊆ failed: those where
 *   terraform itself reported an error;
 * - canceled jobs count nowhere but in `total`.
 */
export interface TaskCounters {
  readonly total: number;
  readonly queued: number;
  readonly running: number;
  readonly completed: number;
  readonly failed: number;
  readonly drifted: number;
  readonly errored: number;
}

export type CounterName = Exclude<keyof TaskCounters, 'total'>;
export const COUNTER_NAMES: readonly CounterName[] = [
  'queued',
  'running',
  'completed',
  'failed',
  'drifted',
  'errored',
];

export type CounterDelta = Readonly<Record<CounterName, number>>;

/** The part of a job's state the counters depend on. */
export type CountedJobState =
  | { readonly status: 'created' | 'pending' | 'running' | 'canceled' }
  | { readonly status: 'completed'; readonly driftStatus: DriftStatus }
  | { readonly status: 'failed'; readonly failureKind: FailureKind };

const ZERO: CounterDelta = { queued: 0, running: 0, completed: 0, failed: 0, drifted: 0, errored: 0 };

export function emptyCounters(total: number): TaskCounters {
  return { total, ...ZERO, queued: total };
}

/** How one job in `state` contributes to its task's counters. */
export function contribution(state: CountedJobState | null): CounterDelta {
  if (state === null) return ZERO;
  switch (state.status) {
    case 'created':
    case 'pending':
      return { ...ZERO, queued: 1 };
    case 'running':
      return { ...ZERO, running: 1 };
    case 'completed':
      return { ...ZERO, completed: 1, drifted: state.driftStatus === 'drifted' ? 1 : 0 };
    case 'failed':
      return { ...ZERO, failed: 1, errored: countsAsErrored(state.failureKind) ? 1 : 0 };
    case 'canceled':
      return ZERO;
  }
}

/** The change to a task's counters when one of its jobs moves from `before` to `after`. */
export function counterDelta(before: CountedJobState | null, after: CountedJobState): CounterDelta {
  const a = contribution(before);
  const b = contribution(after);
  return {
    queued: b.queued - a.queued,
    running: b.running - a.running,
    completed: b.completed - a.completed,
    failed: b.failed - a.failed,
    drifted: b.drifted - a.drifted,
    errored: b.errored - a.errored,
  };
}

export function applyDelta(c: TaskCounters, d: CounterDelta): TaskCounters {
  return {
    total: c.total,
    queued: c.queued + d.queued,
    running: c.running + d.running,
    completed: c.completed + d.completed,
    failed: c.failed + d.failed,
    drifted: c.drifted + d.drifted,
    errored: c.errored + d.errored,
  };
}

/** A task is done when every job produced a plan or failed for good. */
export function isTaskDone(c: TaskCounters): boolean {
  return c.completed + c.failed >= c.total;
}

/** Recomputes counters from scratch: the reference the incremental rule must agree with. */
export function countJobs(states: readonly CountedJobState[]): TaskCounters {
  return states.reduce((acc, s) => applyDelta(acc, contribution(s)), { total: states.length, ...ZERO });
}
