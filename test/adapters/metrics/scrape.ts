import type { DomainEvent } from '../../../src/domain/events.js';
import type { FailureKind } from '../../../src/domain/failure.js';
import {
  type JobId,
  makeJobId,
  makeTaskId,
  type RepoName,
  type StackPath,
  type TaskId,
} from '../../../src/domain/ids.js';

/** Parses Prometheus text into `name{labels}` → value, labels sorted, so tests read one series. */
export function parseScrape(text: string): Map<string, number> {
  const series = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`unparsable metrics line: ${line}`);
    const labels = (match[2] ?? '').match(/\w+="(?:[^"\\]|\\.)*"/g) ?? [];
    series.set(seriesKey(match[1]!, labels.sort()), Number(match[3]));
  }
  return series;
}

export function key(name: string, labels: Record<string, string> = {}): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  return seriesKey(name, parts.sort());
}

function seriesKey(name: string, sortedLabels: readonly string[]): string {
  return sortedLabels.length === 0 ? name : `${name}{${sortedLabels.join(',')}}`;
}

export const REPO = 'my-infra' as RepoName;
export const STACK = 'envs/prod' as StackPath;
export const TASK_ID: TaskId = makeTaskId(REPO, 1_000);

export function jobId(n: number, repo: RepoName = REPO): JobId {
  return makeJobId(repo, STACK, 1_000 + n);
}

type JobEvent<T extends DomainEvent['type']> = Extract<DomainEvent, { type: T }>;

export function jobStarted(id: JobId, at: number, repo: RepoName = REPO): JobEvent<'job.started'> {
  return {
    type: 'job.started',
    jobId: id,
    taskId: TASK_ID,
    repo,
    stack: STACK,
    attempt: 1,
    workerId: 'w1',
    occurredAt: at,
  };
}

export function jobCompleted(
  id: JobId,
  at: number,
  status: 'in_sync' | 'drifted',
  repo: RepoName = REPO,
): JobEvent<'job.completed'> {
  const kinds = status === 'drifted' ? (['drift'] as const) : [];
  return {
    type: 'job.completed',
    jobId: id,
    taskId: TASK_ID,
    repo,
    stack: STACK,
    status,
    kinds,
    occurredAt: at,
  };
}

export function jobFailed(
  id: JobId,
  at: number,
  willRetry: boolean,
  failure: FailureKind = 'timeout',
): JobEvent<'job.failed'> {
  return {
    type: 'job.failed',
    jobId: id,
    taskId: TASK_ID,
    repo: REPO,
    stack: STACK,
    failure,
    message: 'plan failed',
    willRetry,
    occurredAt: at,
  };
}
