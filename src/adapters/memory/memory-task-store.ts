import type { DomainEvent } from '../../domain/events.js';
import type { JobId, RepoName, TaskId } from '../../domain/ids.js';
import { createJob, enqueueJob, type Job } from '../../domain/job.js';
import { formatDuration } from '../../domain/lock-policy.js';
import { cancelTask, createTask, failTask, isTaskExpired, startTask, type Task } from '../../domain/task.js';
import type { Transition } from '../../domain/transition.js';
import type {
  CancelTaskOutcome,
  StartTaskOutcome,
  StartTaskRequest,
  TaskStore,
} from '../../ports/task-store.port.js';
import type { CoordinationState } from './coordination-state.js';
import { assertNewJobs, purgeFinishedTasks } from './memory-task-records.js';

/**
 * Task and job records of embedded mode. Each method runs synchronously on the shared
 * CoordinationState, so `start`, `cancel` and `expireTasks` are atomic with the queue and the lock.
 */
export class MemoryTaskStore implements TaskStore {
  constructor(private readonly state: CoordinationState) {}

  async start(request: StartTaskRequest): Promise<StartTaskOutcome> {
    const s = this.state;
    const now = s.clock.now();
    const existing = s.tasks.get(request.taskId);
    if (existing) return { kind: 'conflict', active: existing };
    const active = s.activeTask(request.repo);
    if (active && s.lockHolder(request.repo) === active.id && !request.supersede) {
      return { kind: 'conflict', active };
    }
    assertNewJobs(s, request);
    const events: DomainEvent[] = [];
    let superseded: Task | undefined;
    if (active) {
      // Superseded on request, or its lock expired (every holder died): it must not stay live beside us.
      const reason = request.supersede ? `superseded by ${request.taskId}` : 'repo lock expired';
      superseded = this.end(active, cancelTask(active, reason, now, request.taskId), now, events);
    }
    const { task, jobs } = this.create(request, now, events);
    // A lock still held by someone who is not the live task is stale (its task ended): take it over.
    if (task.status === 'running') s.forceLock(request.repo, task.id, request.lockTtlMs);
    return { kind: 'started', task, jobs, events, ...(superseded && { superseded }) };
  }

  private create(request: StartTaskRequest, now: number, events: DomainEvent[]): { task: Task; jobs: Job[] } {
    const s = this.state;
    const { taskId, repo, trigger, commit, stack } = request;
    const optional = { ...(commit !== undefined && { commit }), ...(stack !== undefined && { stack }) };
    const created = createTask({ id: taskId, repo, trigger, total: request.jobs.length, ...optional }, now);
    const started = startTask(created, now);
    if (!started.ok) throw new Error(`a new task cannot start: ${started.error.code}`);
    s.setTask(started.value.state);
    events.push(...started.value.events);
    const repoTasks = s.repoTasks.get(repo);
    if (repoTasks) repoTasks.push(taskId);
    else s.repoTasks.set(repo, [taskId]);
    s.taskJobs.set(
      taskId,
      request.jobs.map((j) => j.id),
    );
    const jobs = request.jobs.map((spec) => this.queueJob(request, spec, now));
    return { task: s.tasks.get(taskId)!, jobs };
  }

  private queueJob(request: StartTaskRequest, spec: StartTaskRequest['jobs'][number], now: number): Job {
    const { taskId, repo, commit, maxAttempts } = request;
    const job = createJob(
      { id: spec.id, taskId, repo, stack: spec.stack, maxAttempts, ...(commit !== undefined && { commit }) },
      now,
    );
    const queued = enqueueJob(job, now);
    if (!queued.ok) throw new Error(`a new job cannot be queued: ${queued.error.code}`);
    this.state.moveJob(job, queued.value.state, now);
    return this.state.jobs.get(spec.id)!;
  }

  /** Stores a task's end (canceled or failed), cancels its live jobs and frees its lock. */
  private end(task: Task, transition: Transition<Task>, now: number, events: DomainEvent[]): Task {
    if (!transition.ok) throw new Error(`a live task cannot end: ${transition.error.code}`);
    const s = this.state;
    s.setTask(transition.value.state);
    s.cancelLiveJobs(task.id, transition.value.state.reason ?? 'task ended', now);
    s.releaseLock(task.repo, task.id);
    events.push(...transition.value.events);
    return s.tasks.get(task.id)!;
  }

  async get(taskId: TaskId): Promise<Task | null> {
    return this.state.tasks.get(taskId) ?? null;
  }

  async getActive(repo: RepoName): Promise<Task | null> {
    return this.state.activeTask(repo);
  }

  async listTasks(repo: RepoName, limit: number): Promise<Task[]> {
    const ids = this.state.repoTasks.get(repo) ?? [];
    const out: Task[] = [];
    for (let i = ids.length - 1; i >= 0 && out.length < limit; i--) {
      const task = this.state.tasks.get(ids[i]!);
      if (task) out.push(task);
    }
    return out;
  }

  async getJob(jobId: JobId): Promise<Job | null> {
    return this.state.jobs.get(jobId) ?? null;
  }

  async listTaskJobs(taskId: TaskId): Promise<Job[]> {
    const ids = this.state.taskJobs.get(taskId) ?? [];
    return ids.flatMap((id) => this.state.jobs.get(id) ?? []);
  }

  /** Jobs of the repo's tasks, newest task first, each task's jobs in stack order. */
  async listRepoJobs(repo: RepoName, limit: number): Promise<Job[]> {
    const out: Job[] = [];
    for (const task of await this.listTasks(repo, Number.POSITIVE_INFINITY)) {
      for (const job of await this.listTaskJobs(task.id)) {
        if (out.length >= limit) return out;
        out.push(job);
      }
    }
    return out;
  }

  async cancel(taskId: TaskId, reason: string): Promise<CancelTaskOutcome> {
    const task = this.state.tasks.get(taskId);
    if (!task) return { kind: 'not_found' };
    const now = this.state.clock.now();
    const transition = cancelTask(task, reason, now);
    if (!transition.ok) return { kind: 'not_active', task };
    const events: DomainEvent[] = [];
    const canceled = this.end(task, transition, now, events);
    return { kind: 'canceled', task: canceled, events };
  }

  async expireTasks(maxAgeMs: number): Promise<{ tasks: Task[]; events: DomainEvent[] }> {
    const s = this.state;
    const now = s.clock.now();
    const tasks: Task[] = [];
    const events: DomainEvent[] = [];
    for (const id of [...s.liveTasks]) {
      const task = s.tasks.get(id);
      if (!task || !isTaskExpired(task, maxAgeMs, now)) continue;
      const reason = `exceeded task_max_age of ${formatDuration(maxAgeMs)}`;
      tasks.push(this.end(task, failTask(task, reason, now), now, events));
    }
    return { tasks, events };
  }

  async renewLocks(lockTtlMs: number): Promise<number> {
    const s = this.state;
    let renewed = 0;
    for (const id of s.liveTasks) {
      const task = s.tasks.get(id);
      // Re-take a lapsed lock nobody else took: the task is alive, so it is still the rightful holder.
      if (task && s.acquireLock(task.repo, task.id, lockTtlMs)) renewed++;
    }
    return renewed;
  }

  async purgeFinished(retentionMs: number): Promise<number> {
    return purgeFinishedTasks(this.state, this.state.clock.now() - retentionMs);
  }
}
