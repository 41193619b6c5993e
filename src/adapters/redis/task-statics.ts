import type { RepoName, StackPath, TaskId } from '../../domain/ids.js';
import type { Trigger } from '../../domain/trigger.js';
import type { RedisContext } from './redis-context.js';

/** The fields of a task record that never change after its start script wrote them. */
export interface TaskStatics {
  readonly id: TaskId;
  readonly repo: RepoName;
  readonly trigger: Trigger;
  readonly commit?: string;
  readonly stack?: StackPath;
  readonly createdAt: number;
  readonly startedAt?: number;
  readonly maxAttempts: number;
}

const STATIC_FIELDS = ['id', 'repo', 'trigger', 'commit', 'stack', 'createdAt', 'startedAt', 'maxAttempts'];

/**
 * A bounded per-process cache of tasks' unchanging fields, so the claim and settle scripts read and
 * return only what changes (status, counters, finish fields: `D` in their headers) for every job.
 * Immutable by construction: the start script writes these once and no script changes them, and a task
 * id is never reused. A record that does not exist (yet, or any more) is not cached.
 */
export class TaskStaticsCache {
  private readonly known = new Map<string, TaskStatics>();

  constructor(
    private readonly ctx: RedisContext,
    private readonly capacity = 256,
  ) {}

  get(taskId: string): TaskStatics | undefined {
    return this.known.get(taskId);
  }

  /** Reads the statics of the given tasks that are not cached yet (one HMGET each, concurrently). */
  async load(taskIds: readonly string[]): Promise<void> {
    await Promise.all(taskIds.filter((id) => !this.known.has(id)).map((id) => this.fetch(id)));
  }

  /** The cached statics, or a fresh read; null when the record does not exist. */
  async require(taskId: string): Promise<TaskStatics | null> {
    return this.known.get(taskId) ?? (await this.fetch(taskId));
  }

  private async fetch(taskId: string): Promise<TaskStatics | null> {
    const { redis, keys } = this.ctx;
    const v = await redis.hmget(keys.task(taskId as TaskId), ...STATIC_FIELDS);
    const [id, repo, trigger, commit, stack, createdAt, startedAt, maxAttempts] = v;
    if (!id || !repo) return null;
    const statics: TaskStatics = {
      id: id as TaskId,
      repo: repo as RepoName,
      trigger: Object.freeze(JSON.parse(trigger || '{}') as Trigger),
      ...(commit ? { commit } : {}),
      ...(stack ? { stack: stack as StackPath } : {}),
      createdAt: Number(createdAt ?? 0),
      ...(startedAt ? { startedAt: Number(startedAt) } : {}),
      maxAttempts: Number(maxAttempts ?? 0),
    };
    this.known.set(taskId, statics);
    if (this.known.size > this.capacity) this.known.delete(this.known.keys().next().value!);
    return statics;
  }
}
