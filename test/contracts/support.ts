import { randomUUID } from 'node:crypto';
import type { DomainEvent } from '../../src/domain/events.js';
import {
  type LeaseToken,
  makeJobId,
  makeTaskId,
  type RepoName,
  type StackPath,
} from '../../src/domain/ids.js';
import type { JobResultSummary } from '../../src/domain/job.js';
import type { ClaimRequest, JobQueue } from '../../src/ports/job-queue.port.js';
import type { RepoLock } from '../../src/ports/repo-lock.port.js';
import type { StartTaskRequest, TaskStore } from '../../src/ports/task-store.port.js';

/**
 * What the coordination contracts (task store, job queue, repo lock) run against: three ports over one
 * backing store. `advance(ms)` moves a ManualClock (memory) or sleeps past real TTLs (Redis), so every
 * expiry case uses short TTLs and advances past them with margin.
 */
export interface CoordinationSubject {
  readonly tasks: TaskStore;
  readonly queue: JobQueue;
  readonly lock: RepoLock;
  advance(ms: number): Promise<void>;
  cleanup(): Promise<void>;
}

export type MakeCoordinationSubject = () => Promise<CoordinationSubject>;

/** Short real-time durations that still work when `advance` sleeps. */
export const SHORT_MS = 250;
/** Advancing this far puts a SHORT_MS lease or lock safely past its deadline. */
export const PAST_SHORT_MS = 500;
/** Long enough never to lapse during a test. */
export const LONG_MS = 60_000;

let lastTimestamp = 1_700_000_000_000;
/** A fresh task timestamp: ids stay unique across tests that share one backing store. */
export function nextTaskTimestamp(): number {
  lastTimestamp += 1 + Math.floor(Math.random() * 1000);
  return lastTimestamp;
}

export function repoName(label = 'repo'): RepoName {
  return `${label}-${randomUUID().slice(0, 8)}` as RepoName;
}

export function startRequest(
  repo: RepoName,
  stacks: readonly string[],
  options: Partial<Omit<StartTaskRequest, 'repo' | 'jobs'>> & { timestamp?: number } = {},
): StartTaskRequest {
  const ts = options.timestamp ?? nextTaskTimestamp();
  const taskId = options.taskId ?? makeTaskId(repo, ts);
  return {
    taskId,
    repo,
    trigger: options.trigger ?? { kind: 'api', actor: 'contract' },
    jobs: stacks.map((s) => ({ id: makeJobId(repo, s as StackPath, ts), stack: s as StackPath })),
    maxAttempts: options.maxAttempts ?? 2,
    lockTtlMs: options.lockTtlMs ?? LONG_MS,
    supersede: options.supersede ?? false,
    ...(options.commit !== undefined && { commit: options.commit }),
    ...(options.stack !== undefined && { stack: options.stack }),
  };
}

export function stackNames(n: number, prefix = 'envs/s'): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(3, '0')}`);
}

export function claimRequest(workerId = 'w1', leaseMs = LONG_MS): ClaimRequest {
  return { workerId, token: randomUUID() as LeaseToken, leaseMs };
}

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

export const ERRORED: JobResultSummary = {
  status: 'error',
  kinds: [],
  summary: { add: 0, change: 0, destroy: 0, import: 0, move: 0, drifted: 0, outputs: 0 },
};

export function eventsOfType<T extends DomainEvent['type']>(
  events: readonly DomainEvent[],
  type: T,
): Extract<DomainEvent, { type: T }>[] {
  return events.filter((e): e is Extract<DomainEvent, { type: T }> => e.type === type);
}

/** Polls `check` until it holds (for asynchronous delivery, e.g. a Redis stream subscriber). */
export async function eventually(check: () => boolean, timeoutMs = 3_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}
