import { counterDelta } from '../../domain/counters.js';
import type { DomainEvent } from '../../domain/events.js';
import type { JobId, RepoName, TaskId } from '../../domain/ids.js';
import { cancelJob, countedState, type Job } from '../../domain/job.js';
import { isExpired } from '../../domain/lock-policy.js';
import { applyJobDelta, isActiveTask, type Task } from '../../domain/task.js';
import type { Clock } from '../../ports/clock.port.js';

interface LockEntry {
  readonly owner: string;
  readonly deadline: number;
}

/**
 * The one in-process state behind MemoryTaskStore, MemoryJobQueue and MemoryRepoLock. Every port
 * method runs synchronously against it between two awaits, so each call is atomic exactly like one
 * Lua script in Redis: start/cancel/expire/complete move tasks, jobs, queue entries, counters and the
 * repo lock together. All state changes go through the domain transition functions; this class only
 * keeps indexes consistent with them. Stored tasks and jobs are frozen domain values, safe to hand out.
 */
export class CoordinationState {
  readonly tasks = new Map<TaskId, Task>();
  readonly jobs = new Map<JobId, Job>();
  /** Job ids of each task in stack order. */
  readonly taskJobs = new Map<TaskId, readonly JobId[]>();
  /** Task ids of each repo in creation order. */
  readonly repoTasks = new Map<RepoName, TaskId[]>();
  /** Tasks in `created` or `running`. */
  readonly liveTasks = new Set<TaskId>();
  /** Pending job ids; Set insertion order is the FIFO order (a requeued job goes to the back). */
  readonly pending = new Set<JobId>();
  readonly running = new Set<JobId>();
  private readonly locks = new Map<RepoName, LockEntry>();
  private readonly waiters = new Set<() => void>();

  constructor(readonly clock: Clock) {}

  setTask(task: Task): Task {
    const frozen = Object.freeze({ ...task, counters: Object.freeze({ ...task.counters }) });
    this.tasks.set(task.id, frozen);
    if (isActiveTask(frozen)) this.liveTasks.add(task.id);
    else this.liveTasks.delete(task.id);
    return frozen;
  }

  /**
   * Stores a job's new state, moves the queue indexes, applies the counter delta of the move to its
   * task (finishing it and freeing its lock when that was the last job) and returns the task events.
   */
  moveJob(before: Job, after: Job, now: number): { task: Task | null; events: DomainEvent[] } {
    this.jobs.set(after.id, Object.freeze(after));
    this.pending.delete(after.id);
    this.running.delete(after.id);
    if (after.status === 'running') this.running.add(after.id);
    if (after.status === 'pending') {
      this.pending.add(after.id);
      this.wakeWaiters();
    }
    const task = this.tasks.get(after.taskId);
    if (!task) return { task: null, events: [] };
    const delta = counterDelta(countedState(before), countedState(after));
    const applied = applyJobDelta(task, delta, now);
    const stored = this.setTask(applied.state);
    if (isActiveTask(task) && !isActiveTask(stored)) this.releaseLock(task.repo, task.id);
    return { task: stored, events: applied.events };
  }

  /** Cancels every live job of a task (already moved out of `running`, so its counters only shrink). */
  cancelLiveJobs(taskId: TaskId, reason: string, now: number): void {
    for (const jobId of this.taskJobs.get(taskId) ?? []) {
      const job = this.jobs.get(jobId);
      if (!job) continue;
      const t = cancelJob(job, reason, now);
      if (t.ok) this.moveJob(job, t.value.state, now);
    }
  }

  /** The repo's live task, newest first (there is at most one by construction). */
  activeTask(repo: RepoName): Task | null {
    const ids = this.repoTasks.get(repo) ?? [];
    for (let i = ids.length - 1; i >= 0; i--) {
      const task = this.tasks.get(ids[i]!);
      if (task && isActiveTask(task)) return task;
    }
    return null;
  }

  lockHolder(repo: RepoName): string | null {
    const entry = this.locks.get(repo);
    if (!entry) return null;
    if (isExpired(entry.deadline, this.clock.now())) {
      this.locks.delete(repo);
      return null;
    }
    return entry.owner;
  }

  acquireLock(repo: RepoName, owner: string, ttlMs: number): boolean {
    const holder = this.lockHolder(repo);
    if (holder !== null && holder !== owner) return false;
    this.locks.set(repo, { owner, deadline: this.clock.now() + ttlMs });
    return true;
  }

  /** Takes the lock whoever holds it: only for `start`, which decided the holder is superseded or stale. */
  forceLock(repo: RepoName, owner: string, ttlMs: number): void {
    this.locks.set(repo, { owner, deadline: this.clock.now() + ttlMs });
  }

  renewLock(repo: RepoName, owner: string, ttlMs: number): boolean {
    if (this.lockHolder(repo) !== owner) return false;
    this.locks.set(repo, { owner, deadline: this.clock.now() + ttlMs });
    return true;
  }

  releaseLock(repo: RepoName, owner: string): boolean {
    if (this.lockHolder(repo) !== owner) return false;
    this.locks.delete(repo);
    return true;
  }

  addWaiter(wake: () => void): void {
    this.waiters.add(wake);
  }

  removeWaiter(wake: () => void): void {
    this.waiters.delete(wake);
  }

  private wakeWaiters(): void {
    const waiting = [...this.waiters];
    this.waiters.clear();
    for (const wake of waiting) wake();
  }
}

/** Job events carry their task's counters after the move, so live views need no extra read. */
export function withCounters(events: readonly DomainEvent[], task: Task | null): DomainEvent[] {
  if (!task) return [...events];
  return events.map((e) =>
    e.type === 'job.started' || e.type === 'job.completed' || e.type === 'job.failed'
      ? { ...e, counters: task.counters }
      : e,
  );
}
