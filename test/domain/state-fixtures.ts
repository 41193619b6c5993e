import type { JobFailure } from '../../src/domain/failure.js';
import {
  type LeaseToken,
  makeJobId,
  makeTaskId,
  type RepoName,
  type StackPath,
} from '../../src/domain/ids.js';
import {
  cancelJob,
  completeJob,
  createJob,
  enqueueJob,
  failJob,
  type Job,
  type JobResultSummary,
  type JobStatus,
  startJob,
} from '../../src/domain/job.js';
import type { Result } from '../../src/domain/result.js';

export const REPO = 'my-infra' as RepoName;
export const STACK = 'envs/prod' as StackPath;
export const TS = 1_706_712_345_678;
export const TASK_ID = makeTaskId(REPO, TS);
export const JOB_ID = makeJobId(REPO, STACK, TS);
export const TOKEN = 'token-1' as LeaseToken;
export const OTHER_TOKEN = 'token-2' as LeaseToken;
export const LEASE_MS = 30_000;
export const T0 = 1_000_000;

export const IN_SYNC: JobResultSummary = {
  status: 'in_sync',
  kinds: [],
  summary: { add: 0, change: 0, destroy: 0, import: 0, move: 0, drifted: 0, outputs: 0 },
};
export const DRIFTED: JobResultSummary = {
  status: 'drifted',
  kinds: ['drift'],
  summary: { add: 0, change: 1, destroy: 0, import: 0, move: 0, drifted: 1, outputs: 0 },
};
export const ERROR_RESULT: JobResultSummary = { ...IN_SYNC, status: 'error' };
export const FETCH_ERROR: JobFailure = { kind: 'fetch_error', message: 'network down' };
export const CONFIG_ERROR: JobFailure = { kind: 'config_error', message: 'no such dir' };

/** Unwraps an ok Result or fails the test with the error. */
export function must<T, E>(r: Result<T, E>): T {
  if (!r.ok) throw new Error(`expected ok, got ${JSON.stringify(r.error)}`);
  return r.value;
}

/** Recursively freezes a value so that any mutation by code under test throws (ESM is strict mode). */
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** A job in `status`, reached only through the domain's own transitions. */
export function jobIn(status: JobStatus, maxAttempts = 2): Job {
  const created = createJob({ id: JOB_ID, taskId: TASK_ID, repo: REPO, stack: STACK, maxAttempts }, T0);
  if (status === 'created') return deepFreeze(created);
  const pending = must(enqueueJob(created, T0 + 1)).state;
  if (status === 'pending') return deepFreeze(pending);
  if (status === 'canceled') return deepFreeze(must(cancelJob(pending, 'stop', T0 + 2)).state);
  const running = must(startJob(pending, { workerId: 'w1', token: TOKEN, leaseMs: LEASE_MS }, T0 + 2)).state;
  if (status === 'running') return deepFreeze(running);
  if (status === 'completed') return deepFreeze(must(completeJob(running, TOKEN, IN_SYNC, T0 + 3)).state);
  return deepFreeze(must(failJob(running, TOKEN, CONFIG_ERROR, T0 + 3)).state);
}

/** Small deterministic PRNG (mulberry32) for reproducible random histories. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
