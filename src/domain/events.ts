import type { TaskCounters } from './counters.js';
import type { DriftKind, DriftStatus } from './drift-result.js';
import type { FailureKind } from './failure.js';
import type { JobId, RepoName, StackPath, TaskId } from './ids.js';

/**
 * Domain events: returned by transitions as values, published by use cases after the state is written.
 * They carry ids, counts and `occurredAt` (epoch ms) only: never plan text or secrets.
 */
export type DomainEvent =
  | {
      readonly type: 'task.started';
      readonly taskId: TaskId;
      readonly repo: RepoName;
      readonly total: number;
      readonly trigger: string;
      readonly occurredAt: number;
    }
  | {
      readonly type: 'task.finished';
      readonly taskId: TaskId;
      readonly repo: RepoName;
      readonly status: 'completed' | 'failed';
      readonly counters: TaskCounters;
      readonly reason?: string;
      readonly occurredAt: number;
    }
  | {
      readonly type: 'task.canceled';
      readonly taskId: TaskId;
      readonly repo: RepoName;
      readonly reason: string;
      readonly supersededBy?: TaskId;
      readonly occurredAt: number;
    }
  | {
      readonly type: 'job.started';
      readonly jobId: JobId;
      readonly taskId: TaskId;
      readonly repo: RepoName;
      readonly stack: StackPath;
      readonly attempt: number;
      readonly workerId: string;
      readonly counters?: TaskCounters;
      readonly occurredAt: number;
    }
  | {
      readonly type: 'job.completed';
      readonly jobId: JobId;
      readonly taskId: TaskId;
      readonly repo: RepoName;
      readonly stack: StackPath;
      readonly status: DriftStatus;
      readonly kinds: readonly DriftKind[];
      readonly counters?: TaskCounters;
      readonly occurredAt: number;
    }
  | {
      readonly type: 'job.failed';
      readonly jobId: JobId;
      readonly taskId: TaskId;
      readonly repo: RepoName;
      readonly stack: StackPath;
      readonly failure: FailureKind;
      readonly message: string;
      /** True when the job went back to the queue for another attempt. */
      readonly willRetry: boolean;
      readonly counters?: TaskCounters;
      readonly occurredAt: number;
    };

export type DomainEventType = DomainEvent['type'];
export type EventOf<T extends DomainEventType> = Extract<DomainEvent, { type: T }>;
