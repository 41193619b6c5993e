import type { CounterDelta, TaskCounters } from './counters.js';
import { applyDelta, emptyCounters, isTaskDone } from './counters.js';
import type { DomainEvent } from './events.js';
import type { RepoName, StackPath, TaskId } from './ids.js';
import { err, ok } from './result.js';
import { canTransition, type Transition } from './transition.js';
import type { Trigger } from './trigger.js';

export type TaskStatus = 'created' | 'running' | 'completed' | 'failed' | 'canceled';

/** Legal edges: created → running → completed | failed; canceled (superseded or by request) from a live
 * state; created → failed when the task cannot fan out. */
export const TASK_TRANSITIONS = {
  created: ['running', 'failed', 'canceled'],
  running: ['completed', 'failed', 'canceled'],
  completed: [],
  failed: [],
  canceled: [],
} as const satisfies Record<TaskStatus, readonly TaskStatus[]>;

export const TASK_STATUSES = Object.keys(TASK_TRANSITIONS) as TaskStatus[];

export interface Task {
  readonly id: TaskId;
  readonly repo: RepoName;
  readonly status: TaskStatus;
  readonly trigger: Trigger;
  /** The commit this task pinned (branch head when it started). */
  readonly commit?: string;
  /** Set for a single-stack task (one job); unset for a full scan of the repo. */
  readonly stack?: StackPath;
  readonly counters: TaskCounters;
  readonly createdAt: number;
  readonly startedAt?: number;
  readonly finishedAt?: number;
  /** Why it failed or was canceled. */
  readonly reason?: string;
  /** The task that superseded this one (cancel_inflight_on_new_trigger). */
  readonly supersededBy?: TaskId;
}

export type ActiveTaskStatus = 'created' | 'running';

export function isActiveTask(task: Task): boolean {
  return task.status === 'created' || task.status === 'running';
}

export interface NewTask {
  readonly id: TaskId;
  readonly repo: RepoName;
  readonly trigger: Trigger;
  readonly commit?: string;
  readonly stack?: StackPath;
  readonly total: number;
}

export function createTask(input: NewTask, now: number): Task {
  return {
    id: input.id,
    repo: input.repo,
    trigger: input.trigger,
    ...(input.commit !== undefined && { commit: input.commit }),
    ...(input.stack !== undefined && { stack: input.stack }),
    status: 'created',
    counters: emptyCounters(input.total),
    createdAt: now,
  };
}

function refuse<T>(from: Task, to: TaskStatus): Transition<T> {
  return err({ code: 'invalid_transition', entity: 'task', from: from.status, to });
}

/** created → running: its jobs are queued. A task with no jobs is finished at once. */
export function startTask(task: Task, now: number): Transition<Task> {
  if (task.status !== 'created') return refuse(task, 'running');
  const running: Task = { ...task, status: 'running', startedAt: now };
  const started: DomainEvent = {
    type: 'task.started',
    taskId: task.id,
    repo: task.repo,
    total: task.counters.total,
    trigger: task.trigger.kind,
    occurredAt: now,
  };
  const finished = finishTaskIfDone(running, now);
  return ok({ state: finished.state, events: [started, ...finished.events] });
}

/**
 * Applies a job's counter delta and finishes the task when `completed + failed = total`:
 * `failed` if any job failed, else `completed`. Deltas to a task that is no longer running are
 * applied to the counters only (late news of a canceled task).
 */
export function applyJobDelta(
  task: Task,
  delta: CounterDelta,
  now: number,
): { state: Task; events: DomainEvent[] } {
  const updated: Task = { ...task, counters: applyDelta(task.counters, delta) };
  if (updated.status !== 'running') return { state: updated, events: [] };
  return finishTaskIfDone(updated, now);
}

/** The pure completion rule Redis runs atomically in its own script. */
export function finishTaskIfDone(task: Task, now: number): { state: Task; events: DomainEvent[] } {
  if (task.status !== 'running' || !isTaskDone(task.counters)) return { state: task, events: [] };
  const status = task.counters.failed > 0 ? 'failed' : 'completed';
  const reason =
    status === 'failed' ? `${task.counters.failed} of ${task.counters.total} jobs failed` : undefined;
  const state: Task = { ...task, status, finishedAt: now, ...(reason !== undefined && { reason }) };
  const event: DomainEvent = {
    type: 'task.finished',
    taskId: task.id,
    repo: task.repo,
    status,
    counters: task.counters,
    ...(reason !== undefined && { reason }),
    occurredAt: now,
  };
  return { state, events: [event] };
}

/** created | running → canceled, by request or superseded by `supersededBy`. */
export function cancelTask(task: Task, reason: string, now: number, supersededBy?: TaskId): Transition<Task> {
  if (!canTransition(TASK_TRANSITIONS, task.status, 'canceled')) return refuse(task, 'canceled');
  const state: Task = {
    ...task,
    status: 'canceled',
    finishedAt: now,
    reason,
    ...(supersededBy !== undefined && { supersededBy }),
  };
  const event: DomainEvent = {
    type: 'task.canceled',
    taskId: task.id,
    repo: task.repo,
    reason,
    ...(supersededBy !== undefined && { supersededBy }),
    occurredAt: now,
  };
  return ok({ state, events: [event] });
}

/** created | running → failed with a reason (task_max_age exceeded, fan-out impossible). */
export function failTask(task: Task, reason: string, now: number): Transition<Task> {
  if (!canTransition(TASK_TRANSITIONS, task.status, 'failed')) return refuse(task, 'failed');
  const state: Task = { ...task, status: 'failed', finishedAt: now, reason };
  const event: DomainEvent = {
    type: 'task.finished',
    taskId: task.id,
    repo: task.repo,
    status: 'failed',
    counters: task.counters,
    reason,
    occurredAt: now,
  };
  return ok({ state, events: [event] });
}

/** Whether a live task has outlived `maxAgeMs`. */
export function isTaskExpired(task: Task, maxAgeMs: number, now: number): boolean {
  return isActiveTask(task) && now - task.createdAt >= maxAgeMs;
}
