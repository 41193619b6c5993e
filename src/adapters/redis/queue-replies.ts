import type { DomainEvent } from '../../domain/events.js';
import type { JobId } from '../../domain/ids.js';
import type { Job, RunningJob } from '../../domain/job.js';
import type { Task } from '../../domain/task.js';
import type { ClaimedJob } from '../../ports/job-queue.port.js';
import { decodeJob, decodeTask, type Flat } from './records.js';

/**
 * Turns script replies (HMGET snapshots of a task and a job after the transition) into the port's
 * result shapes and the transition's domain events, built as the domain transitions build them
 * (src/domain/job.ts, src/domain/task.ts). Job events carry their task's counters after the move, like
 * the memory adapter's.
 */

export interface Snapshot {
  readonly task: Task;
  readonly job: Job;
}

export function snapshot(jobId: string, taskFlat: unknown, jobFlat: unknown): Snapshot {
  const task = decodeTask(taskFlat as Flat);
  const job = task && decodeJob(jobId as JobId, taskFlat as Flat, jobFlat as Flat);
  if (!task || !job) throw new Error(`redis script returned no record for job ${jobId}`);
  return { task, job };
}

/** A claim's result: the running job, its task as moved, and `job.started`. */
export function claimedJob(jobId: string, now: number, taskFlat: unknown, jobFlat: unknown): ClaimedJob {
  const { task, job } = snapshot(jobId, taskFlat, jobFlat);
  const running = job as RunningJob;
  const event: DomainEvent = {
    type: 'job.started',
    jobId: running.id,
    taskId: running.taskId,
    repo: running.repo,
    stack: running.stack,
    attempt: running.attempt,
    workerId: running.workerId,
    counters: task.counters,
    occurredAt: now,
  };
  return { job: running, task, events: [event] };
}

/** The job event of a settle (completed, or failed with/without retry) plus `task.finished` when it ended. */
export function settleEvents(snap: Snapshot, finished: boolean, now: number): DomainEvent[] {
  const { task, job } = snap;
  const ids = { jobId: job.id, taskId: job.taskId, repo: job.repo, stack: job.stack };
  const events: DomainEvent[] = [];
  if (job.status === 'completed') {
    const { status, kinds } = job.result;
    events.push({ type: 'job.completed', ...ids, status, kinds, counters: task.counters, occurredAt: now });
  } else {
    const failure = job.status === 'failed' ? job.failure : job.lastFailure;
    events.push({
      type: 'job.failed',
      ...ids,
      failure: failure?.kind ?? 'internal',
      message: failure?.message ?? '',
      willRetry: job.status === 'pending',
      counters: task.counters,
      occurredAt: now,
    });
  }
  if (finished) events.push(taskFinished(task, task.counters, now));
  return events;
}

/** `task.finished` for a task that just ended completed or failed. */
export function taskFinished(task: Task, counters: Task['counters'], now: number): DomainEvent {
  return {
    type: 'task.finished',
    taskId: task.id,
    repo: task.repo,
    status: task.status === 'completed' ? 'completed' : 'failed',
    counters,
    ...(task.reason !== undefined && { reason: task.reason }),
    occurredAt: now,
  };
}
