import type { DomainEvent } from '../../domain/events.js';
import type { JobId, RepoName, TaskId } from '../../domain/ids.js';
import type { Job } from '../../domain/job.js';
import { formatDuration } from '../../domain/lock-policy.js';
import { isActiveTask, type Task } from '../../domain/task.js';
import type {
  CancelTaskOutcome,
  StartTaskOutcome,
  StartTaskRequest,
  TaskStore,
} from '../../ports/task-store.port.js';
import { withRedis } from './create-redis-client.js';
import { repoOfTaskId, taskOfJobId } from './keys.js';
import { taskFinished } from './queue-replies.js';
import { decodeJob, decodeTask, type Flat, jobFieldNames, TASK_FIELDS } from './records.js';
import { type RedisContext, type RedisCoordinationOptions, redisContext } from './redis-context.js';
import { serverTime } from './redis-time.js';
import { startTask } from './start-task.js';

/**
 * Task and job records on Redis: one hash per task holding its jobs' fields and counters (see
 * records.ts). `start`, `cancel` and `expireTasks` are one Lua script each, atomic with the queue and the
 * repo lock; ended records expire after the retention (PEXPIRE), so `purgeFinished` has nothing to do.
 */
export class RedisTaskStore implements TaskStore {
  private readonly ctx: RedisContext;

  constructor(options: RedisCoordinationOptions) {
    this.ctx = redisContext(options);
  }

  start(request: StartTaskRequest): Promise<StartTaskOutcome> {
    return withRedis('start', () => startTask(this.ctx, request, (id) => this.readTask(id)));
  }

  get(taskId: TaskId): Promise<Task | null> {
    return withRedis('get', () => this.readTask(taskId));
  }

  private async readTask(taskId: string): Promise<Task | null> {
    if (repoOfTaskId(taskId) === null) return null;
    const flat = await this.ctx.redis.hmget(this.ctx.keys.task(taskId as TaskId), ...TASK_FIELDS);
    return decodeTask(flat);
  }

  getActive(repo: RepoName): Promise<Task | null> {
    return withRedis('getActive', async () => {
      const id = await this.ctx.redis.get(this.ctx.keys.active(repo));
      const task = id === null ? null : await this.readTask(id);
      return task && isActiveTask(task) ? task : null;
    });
  }

  listTasks(repo: RepoName, limit: number): Promise<Task[]> {
    return withRedis('listTasks', async () => {
      const out: Task[] = [];
      for await (const task of this.recentTasks(repo)) {
        if (out.length >= limit) break;
        out.push(task);
      }
      return out;
    });
  }

  /** The repo's tasks newest first, paging through the index and dropping ids whose record expired. */
  private async *recentTasks(repo: RepoName): AsyncGenerator<Task> {
    const { redis, keys } = this.ctx;
    const index = keys.repoTasks(repo);
    const page = 20;
    for (let start = 0; ; start += page) {
      const ids = await redis.zrevrange(index, start, start + page - 1);
      if (ids.length === 0) return;
      const pipe = redis.pipeline();
      for (const id of ids) pipe.hmget(keys.task(id as TaskId), ...TASK_FIELDS);
      const replies = (await pipe.exec()) ?? [];
      const expired: string[] = [];
      for (const [i, [error, flat]] of replies.entries()) {
        if (error) throw error;
        const task = decodeTask(flat as Flat);
        if (task) yield task;
        else expired.push(ids[i]!);
      }
      if (expired.length > 0) {
        await redis.zrem(index, ...expired);
        start -= expired.length;
      }
    }
  }

  getJob(jobId: JobId): Promise<Job | null> {
    return withRedis('getJob', async () => {
      const taskId = taskOfJobId(jobId);
      if (taskId === null) return null;
      const fields = [...TASK_FIELDS, ...jobFieldNames(jobId)];
      const flat = await this.ctx.redis.hmget(this.ctx.keys.task(taskId), ...fields);
      return decodeJob(jobId, flat.slice(0, TASK_FIELDS.length), flat.slice(TASK_FIELDS.length));
    });
  }

  listTaskJobs(taskId: TaskId): Promise<Job[]> {
    return withRedis('listTaskJobs', () => this.readTaskJobs(taskId));
  }

  private async readTaskJobs(taskId: TaskId): Promise<Job[]> {
    if (repoOfTaskId(taskId) === null) return [];
    const hash = await this.ctx.redis.hgetall(this.ctx.keys.task(taskId));
    if (hash.jobs === undefined) return [];
    const taskFlat = TASK_FIELDS.map((f) => hash[f] ?? null);
    const ids = JSON.parse(hash.jobs) as JobId[];
    return ids.flatMap(
      (id) =>
        decodeJob(
          id,
          taskFlat,
          jobFieldNames(id).map((f) => hash[f] ?? null),
        ) ?? [],
    );
  }

  /** Jobs of the repo's tasks, newest task first, each task's jobs in stack order. */
  listRepoJobs(repo: RepoName, limit: number): Promise<Job[]> {
    return withRedis('listRepoJobs', async () => {
      const out: Job[] = [];
      for await (const task of this.recentTasks(repo)) {
        if (out.length >= limit) break;
        out.push(...(await this.readTaskJobs(task.id)).slice(0, limit - out.length));
      }
      return out;
    });
  }

  cancel(taskId: TaskId, reason: string): Promise<CancelTaskOutcome> {
    return withRedis('cancel', async () => {
      const repo = repoOfTaskId(taskId);
      if (repo === null) return { kind: 'not_found' };
      const { redis, keys, retentionMs } = this.ctx;
      const reply = await redis.driftd_cancelTask(
        keys.task(taskId),
        keys.lock(repo),
        keys.active(repo),
        keys.live,
        keys.ready,
        keys.leases,
        keys.queue(taskId),
        reason,
        retentionMs,
      );
      const task = reply[2] === undefined ? null : decodeTask(reply[2] as Flat);
      if (reply[0] === -1 || !task) return { kind: 'not_found' };
      if (reply[0] !== 1) return { kind: 'not_active', task };
      const event: DomainEvent = {
        type: 'task.canceled',
        taskId,
        repo,
        reason,
        occurredAt: Number(reply[1]),
      };
      return { kind: 'canceled', task, events: [event] };
    });
  }

  expireTasks(maxAgeMs: number): Promise<{ tasks: Task[]; events: DomainEvent[] }> {
    return withRedis('expireTasks', async () => {
      const { redis, keys } = this.ctx;
      const now = await serverTime(redis);
      const ids = await redis.zrangebyscore(keys.live, '-inf', now - maxAgeMs);
      const tasks: Task[] = [];
      const events: DomainEvent[] = [];
      for (const id of ids) {
        const expired = await this.expireOne(id as TaskId, maxAgeMs);
        if (!expired) continue;
        tasks.push(expired.task);
        events.push(expired.event);
      }
      return { tasks, events };
    });
  }

  private async expireOne(
    taskId: TaskId,
    maxAgeMs: number,
  ): Promise<{ task: Task; event: DomainEvent } | null> {
    const repo = repoOfTaskId(taskId);
    if (repo === null) return null;
    const { redis, keys, retentionMs } = this.ctx;
    const reason = `exceeded task_max_age of ${formatDuration(maxAgeMs)}`;
    const reply = await redis.driftd_expireTask(
      keys.task(taskId),
      keys.lock(repo),
      keys.active(repo),
      keys.live,
      keys.ready,
      keys.leases,
      keys.queue(taskId),
      maxAgeMs,
      reason,
      retentionMs,
    );
    const task = reply[0] === 1 ? decodeTask(reply[2] as Flat) : null;
    if (!task) return null;
    // failTask (src/domain/task.ts) reports the counters the task had when it failed, before its jobs
    // were canceled; the stored task has the counters after.
    const [total, queued, running, completed, failed, drifted, errored] = (reply[3] as Flat).map(Number);
    const before = { total, queued, running, completed, failed, drifted, errored } as Task['counters'];
    return { task, event: taskFinished(task, before, Number(reply[1])) };
  }

  renewLocks(lockTtlMs: number): Promise<number> {
    return withRedis('renewLocks', async () => {
      const { redis, keys } = this.ctx;
      const ids = await redis.zrange(keys.live, 0, -1);
      const pipe = redis.pipeline();
      for (const id of ids) {
        const repo = repoOfTaskId(id);
        if (repo !== null) pipe.driftd_renewTaskLock(keys.task(id as TaskId), keys.lock(repo), lockTtlMs);
      }
      const replies = (await pipe.exec()) ?? [];
      return replies.filter(([error, code]) => !error && code === 1).length;
    });
  }

  /** Redis expires ended records by itself (PEXPIRE retention when a task ends): nothing to purge. */
  async purgeFinished(_retentionMs: number): Promise<number> {
    return 0;
  }
}
